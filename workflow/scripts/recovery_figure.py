"""Recovery figure: truth vs posterior, interval width against M, coverage."""

import pandas as pd

from policy_windows import io
from policy_windows.plots_validation import recovery_figure

log = io.log_to(snakemake.log[0])
rows = pd.concat([pd.read_csv(path) for path in snakemake.input.fits], ignore_index=True)
figure = recovery_figure(rows, pd.read_csv(snakemake.input.table))
figure.savefig(snakemake.output[0], dpi=150)
