"""Gather the rank statistics of all SBC jobs into one table."""

import pandas as pd

from policy_windows import io

log = io.log_to(snakemake.log[0])
ranks = pd.concat([pd.read_csv(path) for path in snakemake.input], ignore_index=True)
ranks = ranks.sort_values(["sim", "family", "parameter"], kind="stable")
per_sim = ranks.drop_duplicates("sim")
log.info(
    "%d simulations, %d ranks; %d simulations with divergences; max R-hat %.3f",
    ranks["sim"].nunique(), len(ranks), (per_sim["divergences"] > 0).sum(), per_sim["max_rhat"].max(),
)
io.write_table(ranks, snakemake.output[0])
