"""PSIS-LOO and exact LOMO comparison of the model configurations in one table."""

import pandas as pd

from policy_windows import io
from policy_windows.inference.comparison import comparison_table

log = io.log_to(snakemake.log[0])
names = snakemake.params.models
fits = {name: io.load_fit(path) for name, path in zip(names, snakemake.input.fits)}
lomo = {name: pd.read_csv(path) for name, path in zip(names, snakemake.input.lomo)}
table = comparison_table(fits, lomo)
log.info("\n%s", table.to_string())
io.write_table(table, snakemake.output[0])
