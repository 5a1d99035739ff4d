"""The coded data as one picture (the thesis's Bijlage 8 and 9 side by side)."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from .style import (
    CODE_COLOURS,
    CODE_LABELS,
    CODE_SYMBOLS,
    HIGHLIGHT_MARK,
    ORIGIN_COLOURS,
    PHASE_LABELS,
    STREAM_LABELS,
    factor_label,
    municipality_label,
    styled,
)


def factor_order(table: pd.DataFrame) -> pd.DataFrame:
    """One row per factor (phase, stream, origin) in phase, stream, table order."""
    factors = table.drop_duplicates("factor")[["factor", "phase", "stream", "origin"]].copy()
    factors["_order"] = np.arange(len(factors))
    factors["_p"] = factors["phase"].map(PHASES.index)
    factors["_s"] = factors["stream"].map(STREAMS.index)
    return factors.sort_values(["_p", "_s", "_order"]).drop(columns=["_order", "_p", "_s"]).reset_index(drop=True)


def _outcome_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Movement per municipality x phase x stream and the window per municipality x phase."""
    cols = ["municipality", "phase", "stream", "movement", "window"]
    return table.drop_duplicates(["municipality", "phase", "stream"])[cols]


@styled
def coded_data(table: pd.DataFrame, factor_labels: Mapping[str, str] | None = None) -> Figure:
    """Heatmap of factor codes (municipality x factor, grouped by phase and stream) with each
    phase's stream movement and observed window beside it.

    ``table`` is ``data/processed/model_table.csv``; ``factor_labels`` maps factor ids to
    readable names (the codebook's ``name_en``).
    """
    factors = factor_order(table)
    municipalities = sorted(table["municipality"].unique(), key=lambda m: (str(type(m)), m))
    outcomes = _outcome_frame(table)
    n_m = len(municipalities)
    n_per_phase = [int((factors["phase"] == p).sum()) for p in PHASES]
    strip_width = len(STREAMS) + 1

    width_ratios = []
    for n in n_per_phase:
        width_ratios += [max(n, 1), strip_width]
    fig_width = 0.42 * (sum(n_per_phase) + 2 * strip_width) + 2.0
    fig = plt.figure(figsize=(fig_width, 0.42 * n_m + 4.4))
    grid = fig.add_gridspec(
        1, 2 * len(PHASES), width_ratios=width_ratios, wspace=0.08, left=0.05, right=0.99, top=0.80, bottom=0.36
    )
    cmap = ListedColormap([CODE_COLOURS[c] for c in (-1, 0, 1)])
    norm = BoundaryNorm([-1.5, -0.5, 0.5, 1.5], cmap.N)

    heat_axes, strip_axes = [], []
    for p, phase in enumerate(PHASES):
        ax = fig.add_subplot(grid[0, 2 * p], sharey=heat_axes[0] if heat_axes else None)
        strip = fig.add_subplot(grid[0, 2 * p + 1], sharey=ax)
        heat_axes.append(ax)
        strip_axes.append(strip)
        block = factors[factors["phase"] == phase].reset_index(drop=True)
        codes = (
            table[table["phase"] == phase]
            .pivot(index="municipality", columns="factor", values="code")
            .reindex(index=municipalities, columns=block["factor"])
        )
        values = codes.to_numpy(dtype=float)
        ax.pcolormesh(
            np.arange(len(block) + 1), np.arange(n_m + 1), values, cmap=cmap, norm=norm, edgecolors="white", linewidth=1.2
        )
        for i in range(n_m):
            for j in range(len(block)):
                v = values[i, j]
                if not np.isnan(v) and CODE_SYMBOLS[int(v)]:
                    ax.text(j + 0.5, i + 0.5, CODE_SYMBOLS[int(v)], ha="center", va="center", color="white",
                            fontsize=11, fontweight="bold")
        # Stream separators and labels.
        starts = [0]
        for s, stream in enumerate(STREAMS):
            n_s = int((block["stream"] == stream).sum())
            x0 = starts[-1]
            starts.append(x0 + n_s)
            if n_s == 0:
                continue
            if x0 > 0:
                ax.axvline(x0, color="black", lw=2.0)
            ax.text((x0 + x0 + n_s) / 2, -1.35, STREAM_LABELS[stream], ha="center", va="bottom",
                    fontsize=9.5, fontweight="bold", clip_on=False)
            ax.plot([x0 + 0.15, x0 + n_s - 0.15], [-1.25, -1.25], color="black", lw=1.0, clip_on=False)
        # Empirical factors (diamond above the column) and highlighted factors (framed column).
        for j, row in block.iterrows():
            if row["origin"] == "empirical":
                ax.plot(j + 0.5, -0.55, marker="D", ms=6.5, color=ORIGIN_COLOURS["empirical"], mec="black", mew=0.6,
                        clip_on=False)
            if row["factor"] in HIGHLIGHTED_FACTORS:
                ax.add_patch(Rectangle((j + 0.04, 0.04), 0.92, n_m - 0.08, fill=False, lw=2.4, ec="black", zorder=4))
        labels = [
            (HIGHLIGHT_MARK + " " if f in HIGHLIGHTED_FACTORS else "") + factor_label(f, factor_labels)
            for f in block["factor"]
        ]
        ax.set_xticks(np.arange(len(block)) + 0.5, labels, rotation=55, ha="right", rotation_mode="anchor")
        for tick, f in zip(ax.get_xticklabels(), block["factor"]):
            if f in HIGHLIGHTED_FACTORS:
                tick.set_fontweight("bold")
        ax.set_xlim(0, len(block))
        ax.set_ylim(n_m, 0)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.text(len(block) / 2, -2.3, f"{PHASE_LABELS[phase]} phase: factor codes per stream", ha="center",
                va="bottom", fontsize=11.5, fontweight="bold", clip_on=False)
        if p == 0:
            ax.set_yticks(np.arange(n_m) + 0.5, [municipality_label(m) for m in municipalities])
            ax.set_ylabel("Municipality (gemeente)")
        else:
            ax.tick_params(labelleft=False)

        # Stream movement and window strip.
        out = outcomes[outcomes["phase"] == phase].set_index(["municipality", "stream"])
        for i, m in enumerate(municipalities):
            for s, stream in enumerate(STREAMS):
                moved = int(out.loc[(m, stream), "movement"]) if (m, stream) in out.index else 0
                strip.plot(s + 0.5, i + 0.5, marker="o", ms=10, mec="black", mew=1.2,
                           mfc="black" if moved else "white", clip_on=False)
            window = int(out.loc[m, "window"].iloc[0]) if m in out.index.get_level_values(0) else 0
            if window:
                strip.add_patch(Rectangle((len(STREAMS) + 0.1, i + 0.1), 0.8, 0.8, fc="#FFF3D6", ec="black", lw=1.0))
                strip.text(len(STREAMS) + 0.5, i + 0.52, HIGHLIGHT_MARK, ha="center", va="center", fontsize=13)
            else:
                strip.text(len(STREAMS) + 0.5, i + 0.5, "–", ha="center", va="center", fontsize=11, color="#666666")
        strip.axvline(len(STREAMS), color="black", lw=1.0)
        for i in range(1, n_m):
            strip.axhline(i, color="#DDDDDD", lw=0.6, zorder=0)
        strip.set_xlim(0, strip_width)
        strip.set_xticks(np.arange(strip_width) + 0.5, [STREAM_LABELS[s] for s in STREAMS] + ["Window"], rotation=55,
                         ha="right", rotation_mode="anchor")
        strip.tick_params(length=0, labelleft=False)
        for spine in strip.spines.values():
            spine.set_visible(False)
        strip.text(strip_width / 2, -1.35, "Movement,\nwindow", ha="center", va="bottom", fontsize=9.5,
                   fontweight="bold", clip_on=False)

    legend = [Patch(facecolor=CODE_COLOURS[c], edgecolor="#999999", label=CODE_LABELS[c]) for c in (1, 0, -1)]
    legend += [
        Line2D([], [], marker="D", ls="", ms=7, color=ORIGIN_COLOURS["empirical"], mec="black",
               label="empirical factor (added by the thesis)"),
        Patch(facecolor="none", edgecolor="black", lw=2.2, label=f"{HIGHLIGHT_MARK} highlighted factor (ch. 5.3)"),
        Line2D([], [], marker="o", ls="", ms=9, mfc="black", mec="black", label="stream moves"),
        Line2D([], [], marker="o", ls="", ms=9, mfc="white", mec="black", label="stream does not move"),
        Line2D([], [], marker="$★$", ls="", ms=11, color="black", label="window open (all three streams move)"),
    ]
    fig.legend(handles=legend, loc="lower center", ncol=4, frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(
        f"Coded data: {len(factors)} factors in {n_m} municipalities, with stream movement and policy windows",
        fontweight="bold",
        y=0.98,
    )
    return fig
