"""Figure: the workflow's rule graph, from `snakemake --rulegraph` (plots.graphs.workflow_dag).

The nested Snakemake runs in the workflow's working directory with ``--nolock`` (the
running workflow holds the lock) and only prints the graph; it builds nothing.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from policy_windows import io  # noqa: E402
from policy_windows.plots import files, save_figure  # noqa: E402

log = io.log_to(snakemake.log[0])
dot = files.rulegraph_text(
    target=snakemake.params.target,
    cwd=Path.cwd(),
    extra_args=("--snakefile", snakemake.params.snakefile),
)
log.info("rule graph:\n%s", dot)
fig = files.workflow_dag_figure(dot)
save_figure(fig, snakemake.output[0], dpi=200)
