"""QCA solutions beside the Bayesian factor effects, per phase."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..constants import HIGHLIGHTED_FACTORS, PHASES
from .style import (
    HIGHLIGHT_MARK,
    INTERVAL_WIDTHS,
    ORIGIN_COLOURS,
    ORIGIN_LABELS,
    ORIGIN_MARKERS,
    PHASE_LABELS,
    factor_label,
    styled,
)

SOLUTION_ORDER = ("parsimonious", "conservative")
SOLUTION_PREFIX = {"parsimonious": "P", "conservative": "C"}


def term_literals(term: str) -> dict[str, int]:
    """``"a*~b"`` -> ``{"a": 1, "b": 0}``; the tautology ``"1"`` has no literals."""
    term = str(term).strip()
    if term in ("", "1", "0"):
        return {}
    out = {}
    for literal in term.split("*"):
        literal = literal.strip()
        out[literal.lstrip("~")] = 0 if literal.startswith("~") else 1
    return out


def solution_columns(solutions: pd.DataFrame, max_solutions: int = 8) -> tuple[pd.DataFrame, dict[str, int]]:
    """One column per term of the first ``max_solutions`` alternatives of each solution type,
    labelled P1, P2 (or P1a, P1b for multi-term solutions) and C1a, C1b, ...; also returns
    how many alternatives each type had in total."""
    rows, totals = [], {}
    for kind in SOLUTION_ORDER:
        part = solutions[solutions["solution_type"] == kind]
        ids = sorted(part["solution_id"].unique())
        totals[kind] = len(ids)
        for sid in ids[:max_solutions]:
            terms = part[part["solution_id"] == sid]
            for k, (_, term) in enumerate(terms.iterrows()):
                suffix = "" if len(terms) == 1 else "abcdefghijklmnopqrstuvwxyz"[k % 26]
                rows.append({**term.to_dict(), "label": f"{SOLUTION_PREFIX[kind]}{sid}{suffix}"})
    return pd.DataFrame(rows), totals


@styled
def qca_vs_bayes(
    solutions: pd.DataFrame,
    effects: pd.DataFrame,
    factor_labels: Mapping[str, str] | None = None,
    max_solutions: int = 8,
) -> Figure:
    """Per phase: QCA solution terms (which conditions each requires present or absent, with
    term consistency and raw coverage) next to the Bayesian P(beta > 0) and average
    marginal effect of the same factors.

    ``solutions``: ``results/tables/qca_solutions.csv`` (a ``phase`` column plus
    ``qca.SOLUTION_COLUMNS``); ``effects``: ``results/tables/factor_effects.csv``.
    """
    plans = []
    for phase in PHASES:
        cols, totals = solution_columns(solutions[solutions["phase"] == phase], max_solutions)
        used = set()
        for term in cols.get("term", pd.Series(dtype=str)):
            used |= set(term_literals(term))
        phase_effects = effects[effects["phase"] == phase]
        order = [f for f in phase_effects["factor"] if f in used]
        order += sorted(used - set(order))
        plans.append((phase, cols, totals, order))
    heights = [max(len(order), 1) + 2.5 for *_, order in plans]
    n_cols = max([len(cols) for _, cols, _, _ in plans] + [1])
    fig = plt.figure(figsize=(6.0 + 0.55 * n_cols + 5.0, 0.36 * sum(heights) + 2.4), layout="constrained")
    grid = fig.add_gridspec(len(PHASES), 3, height_ratios=heights, width_ratios=[0.55 * n_cols + 0.6, 1.6, 3.0])

    for p, (phase, cols, totals, order) in enumerate(plans):
        ax_m = fig.add_subplot(grid[p, 0])
        ax_p = fig.add_subplot(grid[p, 1], sharey=ax_m)
        ax_a = fig.add_subplot(grid[p, 2], sharey=ax_m)
        n_f = len(order)
        ylabels = [
            (HIGHLIGHT_MARK + " " if f in HIGHLIGHTED_FACTORS else "") + factor_label(f, factor_labels) for f in order
        ]
        ax_m.set_title(f"{PHASE_LABELS[phase]}: QCA solution terms (outcome = window)", fontweight="bold",
                       loc="left")
        if cols.empty:
            ax_m.text(0.5, 0.5, "No case with an open window:\nnothing to minimise", ha="center", va="center",
                      transform=ax_m.transAxes)
            ax_m.set_xticks([])
            ax_m.set_yticks([])
            for ax in (ax_p, ax_a):
                ax.set_visible(False)
            continue
        y_of = {f: i for i, f in enumerate(order)}
        for j, (_, term) in enumerate(cols.iterrows()):
            for f, value in term_literals(term["term"]).items():
                ax_m.plot(j, y_of[f], marker="o", ms=11, mfc="#222222" if value else "white", mec="black", mew=1.4)
            ax_m.text(j, n_f + 0.35, f"{term['consistency']:.2f}", ha="center", va="center", fontsize=8.5)
            ax_m.text(j, n_f + 1.25, f"{term['raw_coverage']:.2f}", ha="center", va="center", fontsize=8.5)
        boundary = [j for j in range(1, len(cols)) if cols["solution_type"].iloc[j] != cols["solution_type"].iloc[j - 1]]
        for b in boundary:
            ax_m.axvline(b - 0.5, color="black", lw=1.2)
        for kind in SOLUTION_ORDER:
            idx = np.flatnonzero(cols["solution_type"].to_numpy() == kind)
            if idx.size == 0:
                continue
            shown = len(set(cols.loc[cols["solution_type"] == kind, "solution_id"]))
            more = f", {shown} of {totals[kind]} shown" if totals[kind] > shown else ""
            part = cols[cols["solution_type"] == kind].iloc[0]
            ax_m.text(idx.mean(), -1.55, f"{kind}\n({totals[kind]} solution{'s' if totals[kind] != 1 else ''}{more};\n"
                      f"cons. {part['solution_consistency']:.2f}, cov. {part['solution_coverage']:.2f})",
                      ha="center", va="center", fontsize=8, clip_on=False)
        ax_m.axhline(n_f - 0.2, color="#888888", lw=0.8)
        for i in range(n_f):
            ax_m.axhline(i, color="#EEEEEE", lw=0.6, zorder=0)
        ax_m.set_xticks(range(len(cols)), cols["label"], fontsize=8.5)
        ax_m.set_xlim(-0.6, len(cols) - 0.4)
        ax_m.set_yticks(list(range(n_f)) + [n_f + 0.35, n_f + 1.25], ylabels + ["term consistency", "raw coverage"])
        for tick, text in zip(ax_m.get_yticklabels(), ylabels + ["", ""]):
            if text.startswith(HIGHLIGHT_MARK):
                tick.set_fontweight("bold")
        for tick in ax_m.get_yticklabels()[n_f:]:
            tick.set_fontstyle("italic")
        ax_m.set_ylim(n_f + 1.8, -2.5)
        ax_m.tick_params(length=0)
        ax_m.set_xlabel("Solution term")

        eff = effects.set_index("factor")
        for f in order:
            if f not in eff.index:
                continue
            row = eff.loc[f]
            colour = ORIGIN_COLOURS.get(row["origin"], "#555555")
            ax_p.barh(y_of[f], row["p_beta_positive"], height=0.6, color=colour, edgecolor="black", lw=0.5)
            inside = row["p_beta_positive"] >= 0.3
            ax_p.text(row["p_beta_positive"] + (-0.02 if inside else 0.02), y_of[f], f"{row['p_beta_positive']:.2f}",
                      va="center", ha="right" if inside else "left", fontsize=8,
                      color="white" if inside else "black")
            for pct in (95, 89):
                lo = row[f"ame_pp_plus_vs_minus_eti{pct}_lb"]
                hi = row[f"ame_pp_plus_vs_minus_eti{pct}_ub"]
                ax_a.plot([lo, hi], [y_of[f]] * 2, color=colour, lw=INTERVAL_WIDTHS[pct], solid_capstyle="butt")
            ax_a.plot(row["ame_pp_plus_vs_minus_mean"], y_of[f], marker=ORIGIN_MARKERS.get(row["origin"], "o"), ms=7,
                      color=colour, mec="black", mew=0.7)
        ax_p.set_xlim(0, 1)
        ax_p.axvline(0.5, color="black", lw=0.8, ls="--")
        ax_p.set_xlabel("P(β > 0)")
        ax_p.set_title("Bayes: P(β > 0)", fontweight="bold")
        ax_a.axvline(0, color="black", lw=0.8, ls="--")
        ax_a.set_xlabel("AME on window, lacking → present (pp)")
        ax_a.set_title("Bayes: average marginal effect", fontweight="bold")
        for ax in (ax_p, ax_a):
            ax.tick_params(axis="y", left=False, labelleft=False)
            ax.grid(axis="x", color="#EEEEEE", lw=0.6)
            ax.set_axisbelow(True)
            ax.axhspan(n_f - 0.2, n_f + 1.8, color="white", zorder=5)
            ax.spines["left"].set_visible(False)

    handles = [
        Line2D([], [], marker="o", ls="", ms=9, mfc="#222222", mec="black", label="term requires factor present (+1)"),
        Line2D([], [], marker="o", ls="", ms=9, mfc="white", mec="black", mew=1.4,
               label="term requires factor absent (0 or −1)"),
    ]
    handles += [
        Line2D([], [], marker=ORIGIN_MARKERS[o], ls="", ms=8, color=ORIGIN_COLOURS[o], mec="black",
               label=ORIGIN_LABELS[o]) for o in ("theory", "empirical")
    ]
    handles += [
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[89], label="89% interval"),
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[95], label="95% interval"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=6, frameon=False)
    fig.suptitle("Crisp-set QCA solutions beside the Bayesian factor effects", fontweight="bold")
    return fig
