"""Figure: prior and posterior predictive checks (plots.checks.predictive_checks)."""

import matplotlib

matplotlib.use("Agg")

from policy_windows import io  # noqa: E402
from policy_windows.plots import files, save_figure  # noqa: E402

io.log_to(snakemake.log[0])
fig = files.predictive_checks_figure(**snakemake.input)
save_figure(fig, snakemake.output[0], dpi=200)
