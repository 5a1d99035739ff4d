"""Publication figures: pure functions, data in (tables, DataTrees, text), a matplotlib Figure out.

No function here writes files or shows windows; the rule scripts save the figures
(``style.save_figure``) and ``files`` holds the few readers the scripts share.
"""

from .checks import pava_calibration, predictive_checks
from .compare import model_comparison
from .data import coded_data
from .effects import factor_effects_forest, what_if
from .graphs import model_graph, model_graph_spec, workflow_dag
from .layered import DotGraph, layered_layout, parse_dot
from .qca_bayes import qca_vs_bayes
from .style import save_figure
from .windows import phase_coupling, window_probability

__all__ = [
    "DotGraph",
    "coded_data",
    "factor_effects_forest",
    "layered_layout",
    "model_comparison",
    "model_graph",
    "model_graph_spec",
    "parse_dot",
    "pava_calibration",
    "phase_coupling",
    "predictive_checks",
    "qca_vs_bayes",
    "save_figure",
    "what_if",
    "window_probability",
    "workflow_dag",
]
