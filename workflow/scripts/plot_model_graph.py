"""Figure: the PyMC model graph of the full variant (plots.graphs.model_graph)."""

import matplotlib

matplotlib.use("Agg")

from policy_windows import io  # noqa: E402
from policy_windows.plots import files, save_figure  # noqa: E402

io.log_to(snakemake.log[0])
fig = files.model_graph_figure(
    snakemake.input.model_table,
    variant=snakemake.params.variant,
    variant_cfg=snakemake.params.variant_cfg,
    priors_cfg=snakemake.params.priors,
)
save_figure(fig, snakemake.output[0], dpi=200)
