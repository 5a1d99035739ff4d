"""Figure: the coded factor data with stream movement and windows (plots.data.coded_data)."""

import matplotlib

matplotlib.use("Agg")

from policy_windows import io  # noqa: E402
from policy_windows.plots import files, save_figure  # noqa: E402

io.log_to(snakemake.log[0])
fig = files.coded_data_figure(**snakemake.input)
save_figure(fig, snakemake.output[0], dpi=200)
