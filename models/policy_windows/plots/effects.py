"""Factor effects (forest plot) and what-if gains per municipality."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from ..constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from .style import (
    HIGHLIGHT_MARK,
    INTERVAL_WIDTHS,
    ORIGIN_COLOURS,
    ORIGIN_LABELS,
    ORIGIN_MARKERS,
    PHASE_COLOURS,
    PHASE_LABELS,
    STREAM_LABELS,
    factor_label,
    municipality_label,
    styled,
)


def _interval(ax, y, row, prefix, colour, marker, scale=1.0, size=7):
    """Mean with thick 89% and thin 95% equal-tailed intervals, horizontally at height y."""
    for pct in (95, 89):
        lo, hi = row[f"{prefix}eti{pct}_lb"] * scale, row[f"{prefix}eti{pct}_ub"] * scale
        ax.plot([lo, hi], [y, y], color=colour, lw=INTERVAL_WIDTHS[pct], solid_capstyle="butt", zorder=2)
    ax.plot(row[f"{prefix}mean"] * scale, y, marker=marker, ms=size, color=colour, mec="black", mew=0.7, zorder=3)


def _forest_rows(effects: pd.DataFrame) -> list[tuple[str, object]]:
    """Row plan: ('header', (phase, stream)) then ('factor', row) per factor, per group."""
    plan: list[tuple[str, object]] = []
    for phase in PHASES:
        for stream in STREAMS:
            block = effects[(effects["phase"] == phase) & (effects["stream"] == stream)]
            if block.empty:
                continue
            plan.append(("header", (phase, stream)))
            plan.extend(("factor", row) for _, row in block.iterrows())
    return plan


@styled
def factor_effects_forest(effects: pd.DataFrame, factor_labels: Mapping[str, str] | None = None) -> Figure:
    """Forest plot of beta and of the average marginal effect on the window probability.

    ``effects`` is ``results/tables/factor_effects.csv`` (``derived.factor_effects``).
    Left: beta (logit scale) with 89% (thick) and 95% (thin) intervals; right: the change
    in the phase's window probability when the factor goes from lacking (-1) to present
    (+1), averaged over municipalities, in percentage points, with P(beta > 0) beside it.
    """
    plan = _forest_rows(effects)
    n_rows = len(plan)
    fig, (ax_beta, ax_ame) = plt.subplots(
        1, 2, figsize=(13, 0.27 * n_rows + 2.2), sharey=True, layout="constrained"
    )
    ys, labels, header_rows = [], [], []
    y = 0.0
    phase_spans: dict[str, list[float]] = {}
    for kind, item in plan:
        y -= 1.0
        if kind == "header":
            y -= 0.3
            phase, stream = item
            ys.append(y)
            labels.append(f"{PHASE_LABELS[phase]} · {STREAM_LABELS[stream]} stream")
            header_rows.append((y, phase))
            phase_spans.setdefault(phase, [y + 0.6, y])
            continue
        row = item
        phase_spans[row["phase"]][1] = y - 0.5
        colour, marker = ORIGIN_COLOURS[row["origin"]], ORIGIN_MARKERS[row["origin"]]
        _interval(ax_beta, y, row, "beta_", colour, marker)
        _interval(ax_ame, y, row, "ame_pp_plus_vs_minus_", colour, marker)
        highlighted = bool(row.get("highlighted", row["factor"] in HIGHLIGHTED_FACTORS))
        ys.append(y)
        labels.append((HIGHLIGHT_MARK + " " if highlighted else "") + factor_label(row["factor"], factor_labels))
        trans = blended_transform_factory(ax_ame.transAxes, ax_ame.transData)
        ax_ame.text(1.02, y, f"{row['p_beta_positive']:.2f}", transform=trans, va="center", ha="left", fontsize=9)
        if highlighted:
            for ax in (ax_beta, ax_ame):
                ax.axhspan(y - 0.45, y + 0.45, color="#FFF3D6", zorder=0)
    ax_beta.set_yticks(ys, labels)
    header_ys = {hy for hy, _ in header_rows}
    for tick, ty, text in zip(ax_beta.get_yticklabels(), ys, labels):
        if ty in header_ys:
            phase = next(p for hy, p in header_rows if hy == ty)
            tick.set_fontweight("bold")
            tick.set_color(PHASE_COLOURS[phase])
            tick.set_fontsize(9.5)
        elif text.startswith(HIGHLIGHT_MARK):
            tick.set_fontweight("bold")
    ax_beta.tick_params(axis="y", length=0)
    ax_ame.tick_params(axis="y", length=0)
    for ax in (ax_beta, ax_ame):
        ax.axvline(0.0, color="black", lw=0.9, ls="--", zorder=1)
        for hy, phase in header_rows:
            ax.axhline(hy + 0.55, color="#BBBBBB", lw=0.7, zorder=0)
        ax.grid(axis="x", color="#E5E5E5", lw=0.6)
        ax.set_axisbelow(True)
    ax_beta.set_ylim(y - 0.8, 0.0)
    ax_beta.set_xlabel("β: effect of one code step on the log-odds that the stream moves")
    ax_ame.set_xlabel("Change in window probability, lacking → present (percentage points)")
    ax_beta.set_title("Factor coefficient β (logit scale)", fontweight="bold")
    ax_ame.set_title("Average marginal effect on the phase's window", fontweight="bold")
    trans = blended_transform_factory(ax_ame.transAxes, ax_ame.transAxes)
    ax_ame.text(1.02, 1.0, "P(β>0)", transform=trans, ha="left", va="bottom", fontsize=9, fontweight="bold")
    handles = [
        Line2D([], [], marker=ORIGIN_MARKERS[o], color=ORIGIN_COLOURS[o], mec="black", ls="", ms=7, label=ORIGIN_LABELS[o])
        for o in ("theory", "empirical")
    ]
    handles += [
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[89], label="89% interval"),
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[95], label="95% interval"),
        plt.Rectangle((0, 0), 1, 1, color="#FFF3D6", label=f"{HIGHLIGHT_MARK} highlighted factor (ch. 5.3)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, frameon=False)
    fig.suptitle("Posterior factor effects (full model): mean, 89% and 95% intervals", fontweight="bold")
    return fig


@styled
def what_if(
    table: pd.DataFrame,
    top_n: int = 5,
    factor_labels: Mapping[str, str] | None = None,
    ncols: int = 4,
) -> Figure:
    """Per municipality, the ``top_n`` single-factor changes to +1 with the largest mean gain.

    ``table`` is ``results/tables/what_if.csv`` (``derived.what_if``); gains are in
    percentage points of the factor's phase window probability, with 89% intervals.
    """
    municipalities = sorted(table["municipality"].unique(), key=lambda m: (str(type(m)), m))
    nrows = int(np.ceil(len(municipalities) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.3 * ncols, 0.36 * top_n * nrows + 1.3 * nrows + 1.2),
                             sharex=True, squeeze=False, layout="constrained")
    code_markers = {-1: "o", 0: "s"}
    for ax, m in zip(axes.flat, municipalities):
        rows = table[table["municipality"] == m].sort_values("gain_pp_mean", ascending=False).head(top_n)
        now = (
            table[table["municipality"] == m]
            .drop_duplicates("phase")
            .set_index("phase")["window_probability_now"]
        )
        y = np.arange(len(rows))[::-1]
        for yi, (_, row) in zip(y, rows.iterrows()):
            colour = PHASE_COLOURS[row["phase"]]
            ax.plot([row["gain_pp_eti89_lb"], row["gain_pp_eti89_ub"]], [yi, yi], color=colour,
                    lw=INTERVAL_WIDTHS[89], solid_capstyle="butt")
            ax.plot(row["gain_pp_mean"], yi, marker=code_markers.get(int(row["current_code"]), "o"), ms=7,
                    color=colour, mec="black", mew=0.7)
        ax.set_yticks(y, [factor_label(f, factor_labels, width=24) for f in rows["factor"]], fontsize=8.5)
        ax.set_ylim(-0.6, top_n - 0.4)
        ax.axvline(0, color="black", lw=0.8, ls="--")
        ax.grid(axis="x", color="#E5E5E5", lw=0.6)
        ax.set_axisbelow(True)
        parts = [f"{'A' if p == 'agenda' else 'I'} {100 * now[p]:.0f}%" for p in PHASES if p in now.index]
        ax.set_title(f"{municipality_label(m)} (window now: {', '.join(parts)})", fontsize=10)
        ax.tick_params(axis="y", length=0)
    for ax in axes.flat[len(municipalities):]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("Gain in window probability (pp)")
    handles = [Line2D([], [], color=PHASE_COLOURS[p], lw=INTERVAL_WIDTHS[89], label=f"{PHASE_LABELS[p]} factor")
               for p in PHASES]
    handles += [
        Line2D([], [], marker="o", ls="", color="#777777", mec="black", ms=7, label="now lacking (−1) → present"),
        Line2D([], [], marker="s", ls="", color="#777777", mec="black", ms=7, label="now not reported (0) → present"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle(
        f"What if one factor were present? The {top_n} largest gains in window probability per municipality\n"
        "(mean and 89% interval; window now: A = agenda-setting, I = institutionalisation)",
        fontweight="bold",
    )
    return fig
