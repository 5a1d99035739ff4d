"""Generative (posterior predictive) checks: each observed statistic against its replications."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from policy_windows.plots.style import OKABE_ITO, PHASE_LABELS, pretty, styled

REPLICATED_COLOUR = "#BFBFBF"


def outside_interval(table: pd.DataFrame) -> pd.Series:
    """True where the observed value lies outside the replicated 89% interval."""
    return (table["observed"] < table["replicated_eti89_lb"]) | (table["observed"] > table["replicated_eti89_ub"])


def _row_label(row) -> str:
    phase = row["phase"]
    label = pretty(row["check"])
    if isinstance(phase, str) and phase in PHASE_LABELS:
        label += f" ({PHASE_LABELS[phase].lower()})"
    elif isinstance(phase, str) and phase.strip():
        label += f" ({phase})"
    return label


@styled
def generative_checks(table: pd.DataFrame) -> Figure:
    """One row per check (and phase): the replicated 89% interval and mean of a test
    statistic under the posterior predictive distribution, the observed value (diamond; red
    when outside the interval), and on the right the predictive p-value and the verdict.

    ``table`` is ``results/tables/generative_checks.csv`` (check, phase, observed,
    replicated_mean, replicated_eti89_lb, replicated_eti89_ub, p_value, verdict; the figure
    prints the verdict's first word, before any ":"). Each row has its own x-axis because
    the statistics have different units.
    """
    n = len(table)
    if n == 0:
        raise ValueError("the generative-check table has no rows")
    fig = plt.figure(figsize=(7.0, 0.36 * n + 1.35), layout="constrained")
    grid = fig.add_gridspec(n, 2, width_ratios=[1.0, 0.42])
    outside = outside_interval(table).to_numpy()
    for i, (_, row) in enumerate(table.reset_index(drop=True).iterrows()):
        ax = fig.add_subplot(grid[i, 0])
        lo, hi = float(row["replicated_eti89_lb"]), float(row["replicated_eti89_ub"])
        ax.plot([lo, hi], [0, 0], color=REPLICATED_COLOUR, lw=5, solid_capstyle="butt", gid="replicated")
        ax.plot(row["replicated_mean"], 0, marker="|", ms=9, mew=1.2, color="#555555", gid="replicated_mean")
        ax.plot(row["observed"], 0, marker="D", ms=5, mec="black", mew=0.6, ls="",
                color=OKABE_ITO["vermillion"] if outside[i] else "black",
                gid="observed:outside" if outside[i] else "observed:inside")
        span = max(hi - lo, abs(float(row["observed"]) - float(row["replicated_mean"])), 1e-9)
        left = min(lo, float(row["observed"])) - 0.15 * span
        right = max(hi, float(row["observed"])) + 0.15 * span
        ax.set_xlim(left, right)
        ax.set_ylim(-1, 1)
        ax.set_yticks([0], [_row_label(row)])
        ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="x", labelsize=7, pad=1)
        counts = all(float(v).is_integer() for v in (row["observed"], lo, hi))
        ax.xaxis.set_major_locator(plt.MaxNLocator(5, integer=counts))
        for side in ("left", "top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#EEEEEE", lw=0.5)
        ax.set_axisbelow(True)
        text_ax = fig.add_subplot(grid[i, 1])
        text_ax.set_axis_off()
        p = row["p_value"]
        p_text = text_ax.text(0.0, 0.5, f"p = {p:.2f}" if np.isfinite(p) else "p = –", va="center", ha="left",
                              fontsize=7.5, transform=text_ax.transAxes)
        text_ax.annotate(str(row["verdict"]).split(":")[0], xy=(1.0, 0.5), xycoords=p_text, xytext=(6, 0),
                         textcoords="offset points", va="center", ha="left", fontsize=7.5,
                         color=OKABE_ITO["vermillion"] if outside[i] else "black")
    handles = [
        Patch(color=REPLICATED_COLOUR, label="89% interval of the statistic in replicated data"),
        Line2D([], [], marker="|", ls="", ms=8, mew=1.2, color="#555555", label="replicated mean"),
        Line2D([], [], marker="D", ls="", ms=5, color="black", mec="black", label="observed"),
        Line2D([], [], marker="D", ls="", ms=5, color=OKABE_ITO["vermillion"], mec="black",
               label="observed, outside the interval"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
    fig.suptitle("Generative checks: does data simulated from the fit look like the observed data?",
                 fontweight="bold")
    return fig
