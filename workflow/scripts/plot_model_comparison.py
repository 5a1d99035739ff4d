"""Figure: PSIS-LOO and exact LOMO elpd differences (plots.compare.model_comparison)."""

import matplotlib

matplotlib.use("Agg")

from policy_windows import io  # noqa: E402
from policy_windows.plots import files, save_figure  # noqa: E402

io.log_to(snakemake.log[0])
fig = files.model_comparison_figure(**snakemake.input)
save_figure(fig, snakemake.output[0], dpi=200)
