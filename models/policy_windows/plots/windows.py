"""Window probabilities per municipality and the coupling of the two phases.

Up to ``scale.MAX_LISTED_MUNICIPALITIES`` municipalities each one is drawn and named; above
that the window probabilities are drawn sorted (a caterpillar per phase) and the two phases
as one point per municipality, unnamed.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from scipy.stats import gaussian_kde

from policy_windows.constants import PHASES, STREAMS
from policy_windows.plots.data import sorted_municipalities
from policy_windows.summaries.scale import lists_municipalities
from policy_windows.plots.style import (
    INTERVAL_WIDTHS,
    PATTERN_COLOURS,
    PATTERN_LABELS,
    PHASE_COLOURS,
    PHASE_LABELS,
    STREAM_COLOURS,
    STREAM_LABELS,
    municipality_label,
    styled,
)

PI = "window_probability_"
#: The sorted view (many municipalities) compares mean pi with the observed share of windows in
#: this many equal groups of municipalities.
WINDOW_BINS = 10  # the legend says "tenths"


@styled
def window_probability(table: pd.DataFrame) -> Figure:
    """Posterior window probability pi per municipality, one panel per phase.

    ``table`` is ``results/tables/window_probability.csv`` (``derived.window_table``).
    Filled markers: a window was observed; open markers: it was not. Above
    ``scale.MAX_LISTED_MUNICIPALITIES`` municipalities: :func:`_window_caterpillar`.
    """
    municipalities = sorted_municipalities(table["municipality"])
    if not lists_municipalities(len(municipalities)):
        return _window_caterpillar(table, len(municipalities))
    fig, axes = plt.subplots(1, len(PHASES), figsize=(7.0, 2.9), sharey=True, layout="constrained")
    x = np.arange(len(municipalities))
    for ax, phase in zip(np.atleast_1d(axes), PHASES):
        part = table[table["phase"] == phase].set_index("municipality").reindex(municipalities)
        colour = PHASE_COLOURS[phase]
        for xi, (_, row) in zip(x, part.iterrows()):
            for pct in (95, 89):
                ax.plot([xi, xi], [row[f"{PI}eti{pct}_lb"], row[f"{PI}eti{pct}_ub"]], color=colour,
                        lw=INTERVAL_WIDTHS[pct] * 1.2, solid_capstyle="butt")
            observed = int(row["observed_window"]) == 1
            ax.plot(xi, row[f"{PI}mean"], marker="o", ms=5.5, mec="black", mew=0.8,
                    mfc=colour if observed else "white", zorder=3)
        # beyond a dozen municipalities the labels stand upright, so they do not run into each other
        ax.set_xticks(x, [municipality_label(m) for m in municipalities], rotation=90 if len(x) > 12 else 0)
        ax.set_xlim(-0.6, len(municipalities) - 0.4)
        ax.set_ylim(0, 1)
        ax.axhline(0.5, color="#BBBBBB", lw=0.6, ls=":")
        ax.grid(axis="y", color="#EEEEEE", lw=0.5)
        ax.set_axisbelow(True)
        n_open = int(part["observed_window"].sum())
        ax.set_title(f"{PHASE_LABELS[phase]} ({n_open} of {len(municipalities)} windows observed)",
                     fontweight="bold")
        ax.set_xlabel("Municipality")
    np.atleast_1d(axes)[0].set_ylabel("Window probability π")
    handles = [
        Line2D([], [], marker="o", ls="", ms=5.5, mfc="#777777", mec="black", label="window observed"),
        Line2D([], [], marker="o", ls="", ms=5.5, mfc="white", mec="black", label="no window observed"),
        Line2D([], [], color="#777777", lw=INTERVAL_WIDTHS[89] * 1.2, label="89% interval"),
        Line2D([], [], color="#777777", lw=INTERVAL_WIDTHS[95] * 1.2, label="95% interval"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle("Posterior probability that a policy window opens (all three streams move)", fontweight="bold")
    return fig


def _window_caterpillar(table: pd.DataFrame, n_m: int) -> Figure:
    """Per phase the municipalities sorted by posterior mean pi, unnamed: 89% intervals as
    thin lines, means as dots (filled: window observed), and the observed share of windows in
    each tenth of the municipalities as steps."""
    fig, axes = plt.subplots(1, len(PHASES), figsize=(7.0, 3.1), sharey=True, layout="constrained")
    for ax, phase in zip(np.atleast_1d(axes), PHASES):
        part = table[table["phase"] == phase].sort_values(f"{PI}mean", kind="stable")
        colour = PHASE_COLOURS[phase]
        x = np.arange(len(part))
        lo, hi = part[f"{PI}eti89_lb"].to_numpy(), part[f"{PI}eti89_ub"].to_numpy()
        ax.add_collection(LineCollection(np.stack([np.c_[x, lo], np.c_[x, hi]], axis=1), colors=colour,
                                         linewidths=max(0.25, min(1.0, 250 / n_m)), alpha=0.35, gid="interval"))
        observed = part["observed_window"].to_numpy() == 1
        size = max(1.5, min(4.0, 600 / n_m))
        ax.plot(x[~observed], part.loc[~observed, f"{PI}mean"], ls="", marker="o", ms=size, mfc="white",
                mec="#555555", mew=0.4, gid="mean:no_window")
        ax.plot(x[observed], part.loc[observed, f"{PI}mean"], ls="", marker="o", ms=size, mfc=colour, mec="black",
                mew=0.4, gid="mean:window")
        # Does the model reproduce the windows? The observed share per tenth of the municipalities
        # (in this order) beside their mean pi: a calibrated model keeps the steps on the curve.
        edges = np.linspace(0, n_m, WINDOW_BINS + 1).round().astype(int)
        shares = [observed[a:b].mean() for a, b in zip(edges[:-1], edges[1:])]
        ax.stairs(shares, edges - 0.5, color="black", lw=1.1, baseline=None, zorder=4, gid="observed_share")
        ax.set_xlim(-0.01 * n_m, 1.01 * n_m)
        ax.set_ylim(0, 1)
        ax.axhline(0.5, color="#BBBBBB", lw=0.6, ls=":")
        ax.grid(axis="y", color="#EEEEEE", lw=0.5)
        ax.set_axisbelow(True)
        ax.set_title(f"{PHASE_LABELS[phase]} ({int(observed.sum()):,} of {n_m:,} observed)", fontweight="bold")
        ax.set_xlabel(f"{n_m:,} municipalities, sorted by π")
    np.atleast_1d(axes)[0].set_ylabel("Window probability π")
    handles = [
        Line2D([], [], marker="o", ls="", ms=4, mfc="#777777", mec="black", label="window observed"),
        Line2D([], [], marker="o", ls="", ms=4, mfc="white", mec="#555555", label="no window observed"),
        Line2D([], [], color="#777777", lw=1.0, alpha=0.5, label="89% interval"),
        Line2D([], [], color="black", lw=1.1, label="observed share of windows, by tenths"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle("Posterior probability that a policy window opens (all three streams move)", fontweight="bold")
    return fig

def density_grid(draws: np.ndarray, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Kernel density of ``draws`` on a grid that reaches three bandwidths past the extreme
    draws, so the curve falls to (nearly) zero at both ends instead of being cut off."""
    kde = gaussian_kde(draws)
    bandwidth = float(np.sqrt(kde.covariance[0, 0]))
    grid = np.linspace(draws.min() - 3 * bandwidth, draws.max() + 3 * bandwidth, n)
    return grid, kde(grid)


@styled
def phase_coupling(table: pd.DataFrame, fit) -> Figure:
    """Window probability in both phases per municipality, and the coupling kappa.

    ``table``: ``results/tables/window_probability.csv``. ``fit``: DataTree of the main fit
    with ``posterior["kappa"]`` (chain, draw, stream); kappa is the log-odds shift of each
    institutionalisation stream after an agenda window.
    Left: per municipality (sorted by the agenda-setting probability) both phases' pi with
    89% intervals, side by side on separate rows so no two intervals overlap; above
    ``scale.MAX_LISTED_MUNICIPALITIES`` municipalities one unnamed point per municipality, the
    agenda-setting pi against the institutionalisation pi, marked by the observed window
    pattern. Right: the posterior density of kappa per stream over its whole range.
    """
    municipalities = sorted_municipalities(table["municipality"])
    listed = lists_municipalities(len(municipalities))
    agenda = table[table["phase"] == PHASES[0]].set_index("municipality").reindex(municipalities)
    order = list(agenda.sort_values(f"{PI}mean", kind="stable").index)
    height = min(0.3 * len(order) + 1.9, 9.4) if listed else 4.2
    fig, (ax, ax_k) = plt.subplots(1, 2, figsize=(7.0, height), layout="constrained",
                                   gridspec_kw={"width_ratios": [1.15, 1.0]})
    if listed:
        _both_phases(ax, table, order)
    else:
        _phase_scatter(ax, table)
    kappa = kappa_draws(fit)
    top = 0.0
    for s, stream in enumerate(STREAMS):
        draws = kappa[:, s]
        grid, density = density_grid(draws)
        colour = STREAM_COLOURS[stream]
        ax_k.plot(grid, density, color=colour, lw=1.3, ls=("-", "--", ":")[s],
                  label=f"{STREAM_LABELS[stream]}: P(κ > 0) = {(draws > 0).mean():.2f}")
        ax_k.fill_between(grid, density, color=colour, alpha=0.08, lw=0)
        top = max(top, float(density.max()))
    ax_k.axvline(0, color="black", lw=0.7, ls="--")
    ax_k.set_ylim(0, top * 1.08)
    ax_k.margins(x=0)
    ax_k.set_xlabel("κ: log-odds shift of an institutionalisation\nstream after an agenda window")
    ax_k.set_ylabel("Posterior density")
    ax_k.set_title("Phase coupling κ per stream", fontweight="bold")
    ax_k.grid(axis="x", color="#EEEEEE", lw=0.5)
    stream_handles, stream_labels = ax_k.get_legend_handles_labels()
    if listed:
        handles = [
            Line2D([], [], marker="o", ls="", ms=4.5, mfc=PHASE_COLOURS[PHASES[0]], mec="black",
                   label=f"{PHASE_LABELS[PHASES[0]]}"),
            Line2D([], [], marker="s", ls="", ms=4.5, mfc=PHASE_COLOURS[PHASES[1]], mec="black",
                   label=f"{PHASE_LABELS[PHASES[1]]}"),
            Line2D([], [], marker="o", ls="", ms=4.5, mfc="white", mec="black", label="open: no window observed"),
        ]
    else:
        counts = _patterns(table).value_counts()
        handles = [Line2D([], [], marker=PATTERN_MARKERS[k], ls="", ms=4.5, mfc=PATTERN_COLOURS[k], mec="black",
                          mew=0.4, label=f"{PATTERN_LABELS[k]} ({int(counts.get(k, 0)):,})") for k in PATTERN_MARKERS]
    fig.legend(handles=handles + stream_handles, labels=[h.get_label() for h in handles] + stream_labels,
               loc="outside lower center", ncol=3, frameon=False)
    fig.suptitle("Does an agenda window carry over into institutionalisation?", fontweight="bold")
    return fig


def _both_phases(ax, table: pd.DataFrame, order: list) -> None:
    """Per municipality (rows, in ``order``) both phases' pi with 89% intervals."""
    dodge = {PHASES[0]: 0.17, PHASES[1]: -0.17}
    for phase in PHASES:
        part = table[table["phase"] == phase].set_index("municipality")
        colour = PHASE_COLOURS[phase]
        for i, m in enumerate(order):
            row = part.loc[m]
            y = i + dodge[phase]
            ax.plot([row[f"{PI}eti89_lb"], row[f"{PI}eti89_ub"]], [y, y], color=colour, lw=INTERVAL_WIDTHS[89],
                    solid_capstyle="butt")
            observed = int(row["observed_window"]) == 1
            ax.plot(row[f"{PI}mean"], y, marker="o" if phase == PHASES[0] else "s", ms=4.5, mec="black", mew=0.7,
                    mfc=colour if observed else "white", zorder=3)
    for i in range(1, len(order)):
        ax.axhline(i - 0.5, color="#EEEEEE", lw=0.5, zorder=0)
    ax.set_yticks(range(len(order)), [municipality_label(m) for m in order])
    ax.set_ylim(-0.6, len(order) - 0.4)
    ax.set_xlim(0, 1)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#EEEEEE", lw=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel("Window probability π (mean, 89% interval)")
    ax.set_ylabel("Municipality (by agenda-setting π)")
    ax.set_title("Both phases per municipality", fontweight="bold")


#: Marker per observed window pattern (agenda, institutionalisation), so the pattern survives greyscale.
PATTERN_MARKERS = {(1, 1): "s", (1, 0): "^", (0, 1): "D", (0, 0): "o"}


def _patterns(table: pd.DataFrame) -> pd.Series:
    """Observed window pattern (agenda, institutionalisation) per municipality."""
    wide = table.pivot(index="municipality", columns="phase", values="observed_window")
    return pd.Series(list(zip(wide[PHASES[0]].astype(int), wide[PHASES[1]].astype(int))), index=wide.index)


def _phase_scatter(ax, table: pd.DataFrame) -> None:
    """One point per municipality, unnamed: posterior mean pi of the agenda window against that of
    the institutionalisation window, marked by the observed window pattern."""
    wide = table.pivot(index="municipality", columns="phase", values=f"{PI}mean")
    patterns = _patterns(table).reindex(wide.index)
    size = max(2.0, min(4.5, 900 / len(wide)))
    for key in ((0, 0), (1, 0), (0, 1), (1, 1)):  # the rare patterns on top
        part = wide[[p == key for p in patterns]]
        ax.plot(part[PHASES[0]], part[PHASES[1]], ls="", marker=PATTERN_MARKERS[key], ms=size,
                mfc=PATTERN_COLOURS[key], mec="black", mew=0.3, alpha=0.85, gid=f"pattern:{key[0]}{key[1]}")
    ax.plot([0, 1], [0, 1], color="#BBBBBB", lw=0.6, ls=":")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    ax.grid(color="#EEEEEE", lw=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel(f"π, {PHASE_LABELS[PHASES[0]].lower()} (posterior mean)")
    ax.set_ylabel(f"π, {PHASE_LABELS[PHASES[1]].lower()} (posterior mean)")
    ax.set_title(f"Both phases, {len(wide):,} municipalities", fontweight="bold")


def kappa_draws(fit) -> np.ndarray:
    """(sample, stream) posterior draws of kappa in ``STREAMS`` order."""
    da = fit["posterior"]["kappa"].stack(sample=("chain", "draw")).transpose("sample", "stream")
    return da.sel(stream=list(STREAMS)).to_numpy()
