"""Uniformity tests of the SBC ranks per parameter family, Holm-adjusted across families."""

import pandas as pd

from policy_windows import io
from policy_windows.inference import sbc

log = io.log_to(snakemake.log[0])
ranks = pd.read_csv(snakemake.input[0])
table = sbc.uniformity_table(ranks, bins=snakemake.params.bins, alpha=snakemake.params.alpha)
log.info("\n%s", table.to_string())
io.write_table(table, snakemake.output[0])
