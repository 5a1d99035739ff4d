"""ECDF-difference plot of the SBC ranks with simultaneous bands."""

import pandas as pd

from policy_windows import io
from policy_windows.plots_validation import sbc_ecdf_figure

log = io.log_to(snakemake.log[0])
figure = sbc_ecdf_figure(
    pd.read_csv(snakemake.input.ranks),
    pd.read_csv(snakemake.input.uniformity),
    alpha=snakemake.params.alpha,
    seed=snakemake.params.seed,
)
figure.savefig(snakemake.output[0], dpi=150)
