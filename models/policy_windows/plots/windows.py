"""Window probabilities per municipality and the coupling of the two phases."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.stats import gaussian_kde

from ..constants import PHASES, STREAMS
from .style import (
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


def _municipalities(table: pd.DataFrame) -> list:
    return sorted(table["municipality"].unique(), key=lambda m: (str(type(m)), m))


@styled
def window_probability(table: pd.DataFrame) -> Figure:
    """Posterior window probability pi per municipality, one panel per phase.

    ``table`` is ``results/tables/window_probability.csv`` (``derived.window_table``).
    Filled markers: a window was observed; open markers: it was not.
    """
    municipalities = _municipalities(table)
    fig, axes = plt.subplots(1, len(PHASES), figsize=(11, 4.6), sharey=True, layout="constrained")
    x = np.arange(len(municipalities))
    for ax, phase in zip(np.atleast_1d(axes), PHASES):
        part = table[table["phase"] == phase].set_index("municipality").reindex(municipalities)
        colour = PHASE_COLOURS[phase]
        for xi, (_, row) in zip(x, part.iterrows()):
            for pct in (95, 89):
                ax.plot([xi, xi], [row[f"{PI}eti{pct}_lb"], row[f"{PI}eti{pct}_ub"]], color=colour,
                        lw=INTERVAL_WIDTHS[pct] * 1.3, solid_capstyle="butt")
            observed = int(row["observed_window"]) == 1
            ax.plot(xi, row[f"{PI}mean"], marker="o", ms=10, mec="black", mew=1.2,
                    mfc=colour if observed else "white", zorder=3)
        ax.set_xticks(x, [municipality_label(m) for m in municipalities])
        ax.set_xlim(-0.6, len(municipalities) - 0.4)
        ax.set_ylim(0, 1)
        ax.axhline(0.5, color="#BBBBBB", lw=0.8, ls=":")
        ax.grid(axis="y", color="#EEEEEE", lw=0.6)
        ax.set_axisbelow(True)
        n_open = int(part["observed_window"].sum())
        ax.set_title(f"{PHASE_LABELS[phase]} ({n_open} of {len(municipalities)} windows observed)", fontweight="bold")
        ax.set_xlabel("Municipality")
    np.atleast_1d(axes)[0].set_ylabel("Window probability π (all three streams move)")
    handles = [
        Line2D([], [], marker="o", ls="", ms=9, mfc="#777777", mec="black", label="window observed"),
        Line2D([], [], marker="o", ls="", ms=9, mfc="white", mec="black", label="no window observed"),
        Line2D([], [], color="#777777", lw=INTERVAL_WIDTHS[89] * 1.3, label="89% interval"),
        Line2D([], [], color="#777777", lw=INTERVAL_WIDTHS[95] * 1.3, label="95% interval"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle("Posterior probability that a policy window opens, per municipality and phase", fontweight="bold")
    return fig


@styled
def phase_coupling(table: pd.DataFrame, kappa: np.ndarray) -> Figure:
    """Agenda vs institutionalisation window probability, and the coupling kappa.

    ``table``: ``results/tables/window_probability.csv``. ``kappa``: posterior draws with
    shape (sample, stream) in ``STREAMS`` order (``posterior["kappa"]`` of the full fit);
    kappa is the log-odds shift of each institutionalisation stream after an agenda window.
    """
    municipalities = _municipalities(table)
    wide = {
        phase: table[table["phase"] == phase].set_index("municipality").reindex(municipalities) for phase in PHASES
    }
    agenda, inst = wide[PHASES[0]], wide[PHASES[1]]
    fig, (ax, ax_k) = plt.subplots(1, 2, figsize=(12, 5.6), gridspec_kw={"width_ratios": [1.35, 1]},
                                   layout="constrained")
    seen = set()
    points = []
    for m in municipalities:
        a, i = agenda.loc[m], inst.loc[m]
        pattern = (int(a["observed_window"]), int(i["observed_window"]))
        colour = PATTERN_COLOURS[pattern]
        ax.plot([a[f"{PI}eti89_lb"], a[f"{PI}eti89_ub"]], [i[f"{PI}mean"]] * 2, color=colour, lw=2.0, alpha=0.75)
        ax.plot([a[f"{PI}mean"]] * 2, [i[f"{PI}eti89_lb"], i[f"{PI}eti89_ub"]], color=colour, lw=2.0, alpha=0.75)
        ax.plot(a[f"{PI}mean"], i[f"{PI}mean"], marker="o", ms=10, color=colour, mec="black", mew=1.0, zorder=3,
                label=PATTERN_LABELS[pattern] if pattern not in seen else None)
        seen.add(pattern)
        points.append((m, float(a[f"{PI}mean"]), float(i[f"{PI}mean"]), colour))
    xy = np.array([(x, y) for _, x, y, _ in points])
    for (m, x, y, colour), (lx, ly) in zip(points, label_positions(xy, radius=0.07)):
        ax.annotate(municipality_label(m), xy=(x, y), xytext=(lx, ly), ha="center", va="center", fontsize=9.5,
                    fontweight="bold", zorder=5,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour, "lw": 1.2},
                    arrowprops={"arrowstyle": "-", "color": "#444444", "lw": 0.8, "shrinkA": 0, "shrinkB": 4})
    ax.plot([0, 1], [0, 1], color="#AAAAAA", lw=0.8, ls=":", zorder=0)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.set_aspect("equal")
    ax.grid(color="#EEEEEE", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_xlabel("Agenda-setting window probability π (mean, 89% interval)")
    ax.set_ylabel("Institutionalisation window probability π")
    ax.set_title("Window probabilities in both phases", fontweight="bold")
    ax.legend(title="Observed windows", loc="upper left", frameon=True, framealpha=0.9, markerscale=0.55)

    kappa = np.asarray(kappa, dtype=float)
    lo = min(np.quantile(kappa, 0.001), -1.0)
    hi = max(np.quantile(kappa, 0.999), 1.0)
    grid = np.linspace(lo, hi, 300)
    for s, stream in enumerate(STREAMS):
        draws = kappa[:, s]
        density = gaussian_kde(draws)(grid)
        colour = STREAM_COLOURS[stream]
        ax_k.plot(grid, density, color=colour, lw=2.0,
                  label=f"{STREAM_LABELS[stream]} (P(κ>0) = {(draws > 0).mean():.2f})")
        ax_k.fill_between(grid, density, color=colour, alpha=0.08)
    ax_k.axvline(0, color="black", lw=0.9, ls="--")
    ax_k.set_ylim(0, ax_k.get_ylim()[1] * 1.35)
    ax_k.set_xlabel("κ: log-odds shift of an institutionalisation stream\nafter an agenda window")
    ax_k.set_ylabel("Posterior density")
    ax_k.set_title("Phase coupling κ per stream", fontweight="bold")
    ax_k.legend(title="Stream", loc="upper right", frameon=True, framealpha=1.0, edgecolor="white")
    ax_k.grid(axis="x", color="#EEEEEE", lw=0.6)
    fig.suptitle("Does an agenda window carry over into institutionalisation?", fontweight="bold")
    return fig


def label_positions(xy: np.ndarray, radius: float = 0.07, n_directions: int = 16) -> np.ndarray:
    """Greedy label placement: for each point, the offset (at ``radius``) that lies farthest
    from all points and from the labels placed before it, inside the unit square."""
    xy = np.asarray(xy, dtype=float)
    angles = np.linspace(0, 2 * np.pi, n_directions, endpoint=False) + np.pi / 4
    placed: list[np.ndarray] = []
    out = []
    for point in xy:
        best, best_score = None, -np.inf
        for k, r in enumerate((radius, 1.5 * radius, 2.2 * radius)):
            for angle in angles:
                cand = point + r * np.array([np.cos(angle), np.sin(angle)])
                if not (0.04 <= cand[0] <= 0.96 and 0.03 <= cand[1] <= 0.97):
                    continue
                score = np.min(np.linalg.norm(xy - cand, axis=1)) - 0.02 * k
                for label in placed:  # label boxes are about 0.08 wide and 0.045 high
                    if abs(label[0] - cand[0]) < 0.085 and abs(label[1] - cand[1]) < 0.05:
                        score -= 1.0
                if score > best_score:
                    best, best_score = cand, score
        best = point if best is None else best
        placed.append(best)
        out.append(best)
    return np.array(out)


def kappa_draws(idata) -> np.ndarray:
    """(sample, stream) posterior draws of kappa in ``STREAMS`` order."""
    da = idata["posterior"]["kappa"].stack(sample=("chain", "draw")).transpose("sample", "stream")
    return da.sel(stream=list(STREAMS)).to_numpy()

