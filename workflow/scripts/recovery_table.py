"""Coverage and width of beta's intervals per M, and the M needed for a target half-width."""

import pandas as pd

from policy_windows import io
from policy_windows.inference import sbc

log = io.log_to(snakemake.log[0])
rows = pd.concat([pd.read_csv(path) for path in snakemake.input], ignore_index=True)
not_identified = sorted(rows.loc[~rows["identified"], "parameter"].unique())
if not_identified:
    log.info("factors coded identically in some design (excluded from widths): %s", not_identified)
table = sbc.recovery_table(
    rows, target_halfwidth=snakemake.params.target_halfwidth, extrapolate_from=snakemake.params.extrapolate_from
)
log.info("\n%s", table.to_string())
io.write_table(table, snakemake.output[0])
