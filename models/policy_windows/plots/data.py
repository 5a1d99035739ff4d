"""The coded data as one picture (the thesis's Bijlage 8 and 9 in one page-wide figure).

Up to ``scale.MAX_LISTED_MUNICIPALITIES`` municipalities every cell carries its code's symbol
and every column its municipality; above that the heatmap is drawn as an image with the
municipalities sorted within each phase (open window first, then by moving streams and net
code), and a bar beside each factor gives the share of each code over all municipalities.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import ScaledTranslation

from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from policy_windows.summaries.scale import lists_municipalities
from policy_windows.plots.style import (
    OKABE_ITO,
    CODE_COLOURS,
    CODE_LABELS,
    CODE_SYMBOLS,
    HIGHLIGHT_MARK,
    ORIGIN_COLOURS,
    PHASE_LABELS,
    STREAM_LABELS,
    factor_label,
    factor_names,
    factor_rank,
    municipality_label,
    styled,
)

# Dense view (above scale.MAX_LISTED_MUNICIPALITIES): colours of the movement and window strips.
WINDOW_COLOUR = OKABE_ITO["orange"]
MOVED_COLOUR = "#333333"


def sorted_municipalities(values) -> list:
    return sorted(pd.unique(pd.Series(values)), key=lambda m: (str(type(m)), m))


def factor_order(table: pd.DataFrame, factors: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per factor (factor, phase, stream, origin) sorted by phase, stream and the
    metadata's ``order`` (table order without metadata)."""
    out = table.drop_duplicates("factor")[["factor", "phase", "stream", "origin"]].copy()
    rank = factor_rank(factors)
    out["_order"] = [rank.get(f, len(rank) + i) for i, f in enumerate(out["factor"])]
    out["_p"] = out["phase"].map(PHASES.index)
    out["_s"] = out["stream"].map(STREAMS.index)
    return out.sort_values(["_p", "_s", "_order"]).drop(columns=["_order", "_p", "_s"]).reset_index(drop=True)


def _label_rows(ax, block, names, y0) -> None:
    """Row labels of a phase panel: the factors (highlighted ones marked and bold), the three
    streams and the window (italic), and an orange diamond beside each empirical factor."""
    labels = [
        (HIGHLIGHT_MARK + " " if f in HIGHLIGHTED_FACTORS else "") + factor_label(f, names) for f in block["factor"]
    ]
    labels += [f"{STREAM_LABELS[s]} stream moves" for s in STREAMS] + ["Window open"]
    ax.set_yticks(list(np.arange(len(block)) + 0.5) + [y0 + s + 0.5 for s in range(len(STREAMS) + 1)], labels)
    for tick, f in zip(ax.get_yticklabels(), list(block["factor"]) + [None] * 4):
        if f in HIGHLIGHTED_FACTORS:
            tick.set_fontweight("bold")
        if f is None:
            tick.set_fontstyle("italic")
    for i, origin in enumerate(block["origin"]):
        if origin == "empirical":
            ax.plot([0], [i + 0.5], marker="D", ms=4, color=ORIGIN_COLOURS["empirical"], mec="black", mew=0.5,
                    clip_on=False, transform=ax.transData + ScaledTranslation(-5 / 72, 0, ax.figure.dpi_scale_trans))


def _code_matrix(table, block, phase, municipalities) -> np.ndarray:
    """The phase's codes as a factor x municipality array, rows in ``block`` order."""
    return (
        table[table["phase"] == phase]
        .pivot(index="factor", columns="municipality", values="code")
        .reindex(index=block["factor"], columns=municipalities)
        .to_numpy(dtype=float)
    )


def _phase_panel(ax, table, block, outcomes, municipalities, names, phase, cmap, norm, symbols) -> None:
    n_m, n_f = len(municipalities), len(block)
    codes = _code_matrix(table, block, phase, municipalities)
    ax.pcolormesh(np.arange(n_m + 1), np.arange(n_f + 1), codes, cmap=cmap, norm=norm, edgecolors="white",
                  linewidth=0.8 if symbols else 0.0)
    if symbols:
        for i in range(n_f):
            for j in range(n_m):
                v = codes[i, j]
                if not np.isnan(v) and CODE_SYMBOLS[int(v)]:
                    ax.text(j + 0.5, i + 0.55, CODE_SYMBOLS[int(v)], ha="center", va="center", color="white",
                            fontsize=8, fontweight="bold")
    # Stream blocks: separators and a rotated stream name left of the factor names.
    start = 0
    for stream in STREAMS:
        n_s = int((block["stream"] == stream).sum())
        if n_s == 0:
            continue
        if start > 0:
            ax.axhline(start, color="black", lw=1.0)
        start += n_s
    # Outcome rows below the factors: stream movement (dots) and the window (star).
    y0 = n_f + 0.35
    out = outcomes[outcomes["phase"] == phase].set_index(["municipality", "stream"])
    for s, stream in enumerate(STREAMS):
        y = y0 + s + 0.5
        for j, m in enumerate(municipalities):
            moved = int(out.loc[(m, stream), "movement"]) if (m, stream) in out.index else 0
            ax.plot(j + 0.5, y, marker="o", ms=5.5 if symbols else 3, mec="black", mew=0.7,
                    mfc="black" if moved else "white", clip_on=False)
    y = y0 + len(STREAMS) + 0.5
    windows = out.reset_index().drop_duplicates("municipality").set_index("municipality")["window"]
    for j, m in enumerate(municipalities):
        if int(windows.get(m, 0)):
            ax.add_patch(Rectangle((j + 0.06, y - 0.44), 0.88, 0.88, fc="#FFF3D6", ec="black", lw=0.6))
            ax.text(j + 0.5, y + 0.02, HIGHLIGHT_MARK, ha="center", va="center", fontsize=8 if symbols else 7)
        elif symbols:
            ax.text(j + 0.5, y, "–", ha="center", va="center", fontsize=8, color="#666666")
    ax.axhline(y0 - 0.15, color="black", lw=0.6)
    for highlighted in (i for i, f in enumerate(block["factor"]) if f in HIGHLIGHTED_FACTORS):
        ax.add_patch(Rectangle((0.03, highlighted + 0.04), n_m - 0.06, 0.92, fill=False, lw=1.4, ec="black",
                               zorder=4))
    _label_rows(ax, block, names, y0)
    start = 0
    for stream in STREAMS:
        n_s = int((block["stream"] == stream).sum())
        if n_s:
            ax.annotate(STREAM_LABELS[stream], xy=(1.0, start + n_s / 2), xycoords=("axes fraction", "data"),
                        xytext=(9, 0), textcoords="offset points", ha="left", va="center", fontweight="bold",
                        fontsize=7.5)
            ax.plot([n_m + 0.15] * 2, [start + 0.12, start + n_s - 0.12], color="black", lw=0.8, clip_on=False)
            start += n_s
    ax.set_xlim(0, n_m)
    ax.set_ylim(y0 + len(STREAMS) + 1, 0)
    ax.tick_params(length=0, pad=11)
    ax.xaxis.tick_top()
    # beyond a dozen municipalities the labels stand upright, so they do not run into each other
    ax.set_xticks(np.arange(n_m) + 0.5, [municipality_label(m) for m in municipalities], rotation=90 if n_m > 12 else 0)
    ax.tick_params(axis="x", pad=2)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(f"{PHASE_LABELS[phase]} phase", fontweight="bold", loc="left", pad=14)


def phase_order(table: pd.DataFrame, phase: str) -> list:
    """Municipalities of one phase for the dense heatmap: open window first, then by the number
    of moving streams and the net code (present minus lacking) of the phase, both descending."""
    part = table[table["phase"] == phase]
    per = part.groupby("municipality").agg(window=("window", "max"), net=("code", "sum"))
    per["moving"] = part.drop_duplicates(["municipality", "stream"]).groupby("municipality")["movement"].sum()
    per = per.loc[sorted_municipalities(per.index)]
    return list(per.sort_values(["window", "moving", "net"], ascending=False, kind="stable").index)


def _dense_phase_panel(ax, ax_share, table, block, outcomes, names, phase, cmap, norm) -> None:
    """The phase's heatmap as an image, municipalities sorted by :func:`phase_order` and not
    named, with movement and window strips below and the code shares per factor beside it."""
    order = phase_order(table, phase)
    n_m, n_f = len(order), len(block)
    codes = _code_matrix(table, block, phase, order)
    ax.imshow(codes, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest", extent=(0, n_m, n_f, 0))
    out = outcomes[outcomes["phase"] == phase]
    moved = out.pivot(index="stream", columns="municipality", values="movement").reindex(
        index=list(STREAMS), columns=order).to_numpy(dtype=float)
    window = out.drop_duplicates("municipality").set_index("municipality")["window"].reindex(order).to_numpy(float)
    y0 = n_f + 0.35
    strips = np.vstack([moved, 2 * window[None, :]])
    ax.imshow(strips, cmap=ListedColormap(["white", MOVED_COLOUR, WINDOW_COLOUR]),
              norm=BoundaryNorm([-0.5, 0.5, 1.5, 2.5], 3), aspect="auto", interpolation="nearest",
              extent=(0, n_m, y0 + len(STREAMS) + 1, y0))
    for k in range(len(STREAMS) + 2):
        ax.axhline(y0 + k, color="#BBBBBB", lw=0.4)
    ax.axhline(y0 - 0.15, color="black", lw=0.6)
    start = 0
    for stream in STREAMS:
        n_s = int((block["stream"] == stream).sum())
        if n_s and start > 0:
            ax.axhline(start, color="black", lw=1.0)
        if n_s:
            ax.annotate(STREAM_LABELS[stream], xy=(1.0, start + n_s / 2), xycoords=("axes fraction", "data"),
                        xytext=(9, 0), textcoords="offset points", ha="left", va="center", fontweight="bold",
                        fontsize=7.5)
            ax.plot([n_m * 1.012] * 2, [start + 0.12, start + n_s - 0.12], color="black", lw=0.8, clip_on=False)
        start += n_s
    for highlighted in (i for i, f in enumerate(block["factor"]) if f in HIGHLIGHTED_FACTORS):
        ax.add_patch(Rectangle((0, highlighted + 0.04), n_m, 0.92, fill=False, lw=1.4, ec="black", zorder=4))
    _label_rows(ax, block, names, y0)
    n_open = int(window.sum())
    if 0 < n_open < n_m:  # where the open windows end
        ax.axvline(n_open, color="black", lw=0.7, ls=(0, (3, 2)))
    ax.set_xlim(0, n_m)
    ax.set_ylim(y0 + len(STREAMS) + 1, 0)
    ax.tick_params(length=0, pad=11)
    ax.set_xticks([])
    ax.set_xlabel(f"{n_m:,} municipalities: open window first (left of the dashed line),\nthen by moving streams "
                  "and net code (present minus lacking)", fontsize=7)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(f"{PHASE_LABELS[phase]} phase: {n_open:,} of {n_m:,} windows open", fontweight="bold", loc="left",
                 pad=4)

    # Share of each code per factor, and of moving streams and open windows, over all municipalities.
    left = np.zeros(n_f)
    for c in (-1, 0, 1):
        share = (codes == c).mean(axis=1)
        ax_share.barh(np.arange(n_f) + 0.5, share, left=left, height=0.8, color=CODE_COLOURS[c], lw=0)
        left += share
    rates = list(moved.mean(axis=1)) + [float(window.mean())]
    ax_share.barh([y0 + s + 0.5 for s in range(len(rates))], rates, height=0.7,
                  color=[MOVED_COLOUR] * len(STREAMS) + [WINDOW_COLOUR], lw=0)
    ax_share.set_ylim(y0 + len(STREAMS) + 1, 0)
    ax_share.set_xlim(0, 1)
    ax_share.set_xticks([0, 0.5, 1], ["0", "½", "1"])
    ax_share.tick_params(axis="y", left=False, labelleft=False)
    ax_share.tick_params(axis="x", length=2, pad=1)
    ax_share.grid(axis="x", color="#CCCCCC", lw=0.4)
    for spine in ("left", "top", "right"):
        ax_share.spines[spine].set_visible(False)
    ax_share.set_title("Share", fontsize=7.5, pad=4)


@styled
def coded_data(table: pd.DataFrame, factors: pd.DataFrame | None = None) -> Figure:
    """Heatmap of factor codes (factor x municipality, grouped by phase and stream) with each
    phase's stream movement and observed window below it.

    ``table`` is ``data/processed/model_table.csv``; ``factors`` is the factor metadata
    (columns ``factor``, ``name_en``, ``order``) for readable names and the display order.
    Above ``scale.MAX_LISTED_MUNICIPALITIES`` municipalities: sorted, unlabelled columns and the
    share of each code per factor (:func:`_dense_phase_panel`).
    """
    block_of = factor_order(table, factors)
    names = factor_names(factors)
    municipalities = sorted_municipalities(table["municipality"])
    outcomes = table.drop_duplicates(["municipality", "phase", "stream"])[
        ["municipality", "phase", "stream", "movement", "window"]
    ]
    n_m = len(municipalities)
    listed = lists_municipalities(n_m)
    rows = [int((block_of["phase"] == p).sum()) + len(STREAMS) + 1.35 for p in PHASES]
    height = 0.165 * sum(rows) + 1.75 + (0 if listed else 0.3)
    # Width: the longest factor name (about 0.55 em per character at 7.5 pt), the cells, the
    # stream names on the right; at least room for the phase titles, at most a text width.
    longest = max(len(factor_label(f, names)) + 2 for f in block_of["factor"])
    width = min(7.0, max(4.5, longest * 7.5 * 0.55 / 72 + 0.32 * min(n_m, 14) + 1.1))
    fig = plt.figure(figsize=(width, height), layout="constrained")
    grid = fig.add_gridspec(len(PHASES), 1 if listed else 2, height_ratios=rows,
                            width_ratios=None if listed else [1.0, 0.16])
    cmap = ListedColormap([CODE_COLOURS[c] for c in (-1, 0, 1)])
    norm = BoundaryNorm([-1.5, -0.5, 0.5, 1.5], cmap.N)
    for p, phase in enumerate(PHASES):
        ax = fig.add_subplot(grid[p, 0])
        block = block_of[block_of["phase"] == phase].reset_index(drop=True)
        if listed:
            _phase_panel(ax, table, block, outcomes, municipalities, names, phase, cmap, norm, True)
        else:
            _dense_phase_panel(ax, fig.add_subplot(grid[p, 1]), table, block, outcomes, names, phase, cmap, norm)
    legend = [Patch(facecolor=CODE_COLOURS[c], edgecolor="#999999", label=CODE_LABELS[c]) for c in (1, 0, -1)]
    if listed:
        legend += [
            Line2D([], [], marker="o", ls="", ms=5.5, mfc="black", mec="black", label="stream moves"),
            Line2D([], [], marker="o", ls="", ms=5.5, mfc="white", mec="black", label="stream does not move"),
            Line2D([], [], marker="$★$", ls="", ms=7, color="black", label="window open (all three move)"),
        ]
    else:
        legend += [
            Patch(facecolor=MOVED_COLOUR, label="stream moves (white: does not)"),
            Patch(facecolor=WINDOW_COLOUR, label="window open (all three move)"),
        ]
    legend += [
        Line2D([], [], marker="D", ls="", ms=4, color=ORIGIN_COLOURS["empirical"], mec="black",
               label="empirical factor (added by the thesis)"),
        Patch(facecolor="none", edgecolor="black", lw=1.4, label=f"{HIGHLIGHT_MARK} highlighted factor (ch. 5.3)"),
    ]
    fig.legend(handles=legend, loc="outside lower center", ncol=2, frameon=False)
    fig.suptitle(f"Coded data: {len(block_of)} factors in {n_m:,} municipalities", fontweight="bold")
    return fig
