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
import pandas as pd
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
INTERVAL_WIDTHS = {89: 2.4, 95: 0.9}

# Identification of a factor effect (``identification`` column of factor_effects.csv and
# what_if.csv): how the marker of an estimate is drawn.
IDENTIFICATION_LEVELS = ("identified", "weakly identified", "not identified")
IDENTIFICATION_STYLES = {
    # fill of the marker, colour override of marker and interval (None: keep the origin colour)
    "identified": {"fill": "full", "colour": None, "alpha": 1.0},
    "weakly identified": {"fill": "none", "colour": None, "alpha": 0.75},
    "not identified": {"fill": "none", "colour": "#9A9A9A", "alpha": 1.0},
}
IDENTIFICATION_LABELS = {
    "identified": "identified: filled marker",
    "weakly identified": "weakly identified: open marker",
    "not identified": "not identified: open grey marker, grey label",
}

# Journal page: figures are drawn at their printed size, at most one text width (7 in) wide,
# and no text smaller than 7 pt at that size.
MAX_WIDTH_IN = 7.0
MIN_FONT_PT = 7.0
FONT_FAMILY = "DejaVu Sans"

RC = {
    "font.size": 8,
    "axes.titlesize": 8.5,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "legend.title_fontsize": 7.5,
    "figure.titlesize": 9.5,
    "figure.dpi": 100,
    "savefig.dpi": 300,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.2,
    "lines.markersize": 5,
    "legend.handlelength": 1.6,
    "legend.borderaxespad": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlepad": 4.0,
    "font.family": FONT_FAMILY,
    "pdf.fonttype": 42,
    "svg.fonttype": "none",
    "figure.constrained_layout.h_pad": 0.03,
    "figure.constrained_layout.w_pad": 0.03,
}


def _freeze_ticks(fig) -> None:
    """Make tick labels keep the style's sizes after the style context has closed.

    Matplotlib creates tick labels lazily, at draw time, from the rcParams in force then; a
    figure saved outside ``styled`` would get 10 pt ticks. Drawing once inside the context
    creates them, and ``set_tick_params`` makes any tick created later inherit the size;
    sizes set on single labels by a plotting function are kept.
    """
    fig.draw_without_rendering()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for which, ticks in (("major", axis.get_major_ticks()), ("minor", axis.get_minor_ticks())):
                if not ticks:
                    continue
                sizes = [(t.label1.get_fontsize(), t.label2.get_fontsize()) for t in ticks]
                axis.set_tick_params(which=which, labelsize=ticks[0].label1.get_fontsize())
                for tick, (first, second) in zip(ticks, sizes):
                    tick.label1.set_fontsize(first)
                    tick.label2.set_fontsize(second)


def styled(func: Callable) -> Callable:
    """Draw inside the shared seaborn/matplotlib style without touching global rcParams."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with sns.axes_style("ticks"), mpl.rc_context(RC):
            fig = func(*args, **kwargs)
            _freeze_ticks(fig)
            return fig

    return wrapper


def pretty(name: str) -> str:
    """``insight_nature_scale`` -> ``Insight nature scale`` (fallback label for a factor id)."""
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


def factor_label(factor: str, labels: Mapping[str, str] | None = None, width: int | None = None) -> str:
    """Readable factor name (``name_en`` of the factor metadata), wrapped to ``width`` characters."""
    text = (labels or {}).get(factor) or pretty(factor)
    return "\n".join(textwrap.wrap(text, width)) if width else text


def municipality_label(municipality) -> str:
    return f"G{municipality}"


def identification_style(level) -> dict:
    """Marker fill and colour override for an ``identification`` value (unknown values raise)."""
    if level not in IDENTIFICATION_STYLES:
        raise ValueError(f"identification {level!r}; expected one of {IDENTIFICATION_LEVELS}")
    return IDENTIFICATION_STYLES[level]


def factor_names(factors: pd.DataFrame | None) -> dict[str, str]:
    """factor id -> English name from the factor metadata table (empty without one)."""
    if factors is None:
        return {}
    return dict(zip(factors["factor"], factors["name_en"]))


def factor_rank(factors: pd.DataFrame | None) -> dict[str, int]:
    """factor id -> display position from the metadata's ``order`` column (empty without one)."""
    if factors is None:
        return {}
    return dict(zip(factors["factor"], factors["order"]))


def note_axes(fig, spec, text: str, width: int = 110):
    """An axes-free row (``spec``: a gridspec slot) that reserves room for a wrapped note in
    7 pt type, so constrained layout keeps it clear of the panels and of a figure legend
    below it; the note is centred on the figure, not on the row."""
    from matplotlib.transforms import blended_transform_factory

    ax = fig.add_subplot(spec)
    ax.set_axis_off()
    ax.text(0.5, 0.5, textwrap.fill(text, width), ha="center", va="center", fontsize=7, color="#333333",
            transform=blended_transform_factory(fig.transFigure, ax.transAxes))
    return ax
