"""Publication figures: pure functions, data in (tables, DataTrees, dot text), a matplotlib Figure out.

Every figure is drawn at its printed size: at most 7 inches wide (one journal text width)
with no text below 7 pt (``style.MAX_WIDTH_IN``, ``style.MIN_FONT_PT``). No function here
reads files, runs an analysis or a workflow, or selects a matplotlib backend; the one
figure script (``workflow/scripts/figure.py``) reads the inputs, calls the function and
writes PNG and PDF with ``export.save_figure``. The model graph and the rule graph are laid
out by Graphviz's ``dot`` program (``graph_layout``).
"""

from policy_windows.plots.checks import pava_calibration, predictive_checks
from policy_windows.plots.compare import model_comparison
from policy_windows.plots.data import coded_data
from policy_windows.plots.diagnostics import convergence_ranks, prior_sensitivity
from policy_windows.plots.effects import factor_effects_forest, what_if
from policy_windows.plots.export import save_figure
from policy_windows.plots.generative import generative_checks
from policy_windows.plots.graph_layout import GraphvizNotFound
from policy_windows.plots.graphs import model_graph, workflow_dag
from policy_windows.plots.qca_bayes import qca_vs_bayes
from policy_windows.plots.windows import phase_coupling, window_probability

__all__ = [
    "GraphvizNotFound",
    "coded_data",
    "convergence_ranks",
    "factor_effects_forest",
    "generative_checks",
    "model_comparison",
    "model_graph",
    "pava_calibration",
    "phase_coupling",
    "predictive_checks",
    "prior_sensitivity",
    "qca_vs_bayes",
    "save_figure",
    "what_if",
    "window_probability",
    "workflow_dag",
]
