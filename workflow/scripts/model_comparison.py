"""PSIS-LOO and exact LOMO comparison of the model variants in one table."""

import pandas as pd

from policy_windows import io
from policy_windows.comparison import loo_table, lomo_table

log = io.log_to(snakemake.log[0])
names = snakemake.params.variants
fits = {name: io.load_fit(path) for name, path in zip(names, snakemake.input.fits)}
lomo = {name: pd.read_csv(path) for name, path in zip(names, snakemake.input.lomo)}
io.write_table(pd.concat([loo_table(fits), lomo_table(lomo)], ignore_index=True), snakemake.output[0])
