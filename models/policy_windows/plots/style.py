"""Shared look of every figure: colour-blind-safe palettes, labels and font sizes.

Colours come from the Okabe-Ito palette, which stays distinguishable under the common
colour-vision deficiencies; wherever a colour carries meaning a marker shape, fill or text
symbol carries it too, so the figures also survive greyscale printing.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import seaborn as sns

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

CODE_COLOURS = {-1: OKABE_ITO["vermillion"], 0: "#E6E6E6", 1: OKABE_ITO["blue"]}
CODE_LABELS = {-1: "lacking (−1)", 0: "not reported (0)", 1: "present (+1)"}
CODE_SYMBOLS = {-1: "−", 0: "", 1: "+"}

ORIGIN_COLOURS = {"theory": OKABE_ITO["blue"], "empirical": OKABE_ITO["orange"]}
ORIGIN_MARKERS = {"theory": "o", "empirical": "D"}
ORIGIN_LABELS = {"theory": "theory factor", "empirical": "empirical (new) factor"}

PHASE_COLOURS = {"agenda": OKABE_ITO["green"], "institutionalisation": OKABE_ITO["purple"]}
PHASE_LABELS = {"agenda": "Agenda-setting", "institutionalisation": "Institutionalisation"}
STREAM_COLOURS = {"problem": OKABE_ITO["sky"], "policy": OKABE_ITO["orange"], "politics": OKABE_ITO["vermillion"]}
STREAM_LABELS = {"problem": "Problem", "policy": "Policy", "politics": "Politics"}

# Observed window pattern (agenda, institutionalisation) of a municipality.
PATTERN_COLOURS = {
    (0, 0): OKABE_ITO["grey"],
    (1, 0): OKABE_ITO["orange"],
    (1, 1): OKABE_ITO["blue"],
    (0, 1): OKABE_ITO["vermillion"],
}
PATTERN_LABELS = {
    (0, 0): "no window",
    (1, 0): "agenda window only",
    (1, 1): "both windows",
    (0, 1): "institutionalisation window only",
}

HIGHLIGHT_MARK = "★"
INTERVAL_WIDTHS = {89: 3.2, 95: 1.2}

RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 13,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "savefig.bbox": "tight",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.family": "DejaVu Sans",
}


def styled(func: Callable) -> Callable:
    """Draw inside the shared seaborn/matplotlib style without touching global rcParams."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with sns.axes_style("ticks"), mpl.rc_context(RC):
            return func(*args, **kwargs)

    return wrapper


def pretty(name: str) -> str:
    """``insight_nature_scale`` -> ``Insight nature scale`` (fallback label for a factor id)."""
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


def factor_label(factor: str, labels: Mapping[str, str] | None = None, width: int | None = None) -> str:
    """Readable factor name from the codebook mapping, wrapped to ``width`` characters."""
    text = (labels or {}).get(factor) or pretty(factor)
    return "\n".join(textwrap.wrap(text, width)) if width else text


def municipality_label(municipality) -> str:
    return f"G{municipality}"


def save_figure(fig, path, dpi: int = 200) -> None:
    """Write a figure as PNG at ``dpi`` and close it (used by the rule scripts)."""
    fig.savefig(path, dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
