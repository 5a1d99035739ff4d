"""Figure: top what-if gains per municipality (plots.effects.what_if)."""

import matplotlib

matplotlib.use("Agg")

from policy_windows import io  # noqa: E402
from policy_windows.plots import files, save_figure  # noqa: E402

io.log_to(snakemake.log[0])
fig = files.what_if_figure(**snakemake.input, top_n=snakemake.params.top_n)
save_figure(fig, snakemake.output[0], dpi=200)
