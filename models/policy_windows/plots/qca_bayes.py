"""QCA solutions beside the Bayesian factor effects, per phase."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES
from policy_windows.plots.style import (
    HIGHLIGHT_MARK,
    INTERVAL_WIDTHS,
    ORIGIN_COLOURS,
    ORIGIN_LABELS,
    ORIGIN_MARKERS,
    PHASE_LABELS,
    factor_label,
    factor_names,
    identification_style,
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


#: At most this many term columns per phase: with many cases a solution can have a dozen terms
#: and there can be millions of alternatives. Each type's first solution gets its terms of
#: largest raw coverage when it is longer than its share; later alternatives only whole.
MAX_TERM_COLUMNS = 12


def solution_columns(
    solutions: pd.DataFrame, max_solutions: int = 8, max_columns: int = MAX_TERM_COLUMNS
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One column per term of the first ``max_solutions`` alternatives of each solution type,
    labelled P1, P2 (or P1a, P1b for multi-term solutions) and C1a, C1b, ...; also returns
    how many alternatives each type had in total (``n_solutions`` where the table has it; None
    where that is empty because they were too many to count).

    At most ``max_columns`` columns in all: a type's first solution keeps its terms of largest
    raw coverage when it is longer than its share (half the room while another type follows,
    column ``shown``: "k of n terms"); further alternatives are added only whole."""
    rows, totals = [], {}
    kinds = [kind for kind in SOLUTION_ORDER if (solutions["solution_type"] == kind).any()]
    room = max_columns
    for i, kind in enumerate(kinds):
        part = solutions[solutions["solution_type"] == kind]
        ids = sorted(part["solution_id"].unique())
        count = part["n_solutions"].iloc[0] if "n_solutions" in part else len(ids)
        totals[kind] = int(count) if pd.notna(count) else None  # None: too many to count
        later = len(kinds) - i - 1  # keep a column for each type still to come
        for n, sid in enumerate(ids[:max_solutions]):
            terms = part[part["solution_id"] == sid]
            budget = room - later
            shown = ""
            if n == 0:
                cap = max(1, budget // 2 if later else budget)
                if len(terms) > cap:
                    shown = f"{cap} of {len(terms)} terms"
                    terms = terms.sort_values("raw_coverage", ascending=False, kind="stable").head(cap).sort_index()
            elif len(terms) > budget:
                break
            for k, (_, term) in enumerate(terms.iterrows()):
                suffix = "" if len(terms) == 1 and not shown else "abcdefghijklmnopqrstuvwxyz"[k % 26]
                rows.append({**term.to_dict(), "label": f"{SOLUTION_PREFIX[kind]}{sid}{suffix}", "shown": shown})
            room -= len(terms)
    return pd.DataFrame(rows), totals


@styled
def qca_vs_bayes(
    solutions: pd.DataFrame,
    effects: pd.DataFrame,
    factors: pd.DataFrame | None = None,
    max_solutions: int = 8,
) -> Figure:
    """Per phase: QCA solution terms (which conditions each requires present or absent, with
    term consistency and raw coverage) next to the Bayesian P(beta > 0) and average
    marginal effect of the same factors, marked by identification as in the forest plot.

    ``solutions``: ``results/tables/qca_solutions.csv`` (a ``phase`` column plus
    ``qca.SOLUTION_COLUMNS``); ``effects``: ``results/tables/factor_effects.csv``;
    ``factors``: factor metadata (``name_en``).
    """
    names = factor_names(factors)
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
    heights = [max(len(order), 1) + 4.6 for *_, order in plans]
    n_cols = max([len(cols) for _, cols, _, _ in plans] + [1])
    fig = plt.figure(figsize=(7.0, 0.165 * sum(heights) + 1.5), layout="constrained")
    subfigs = fig.subfigures(len(PHASES), 1, height_ratios=heights)

    for p, (phase, cols, totals, order) in enumerate(plans):
        # more than 10 term columns: the effect panel widens with them, so its title still fits
        grid = subfigs[p].add_gridspec(
            1, 3, width_ratios=[0.21 * n_cols + 0.25, 0.85, 1.45 + 0.1 * max(0, n_cols - 10)])
        ax_m = subfigs[p].add_subplot(grid[0, 0])
        ax_p = subfigs[p].add_subplot(grid[0, 1], sharey=ax_m)
        ax_a = subfigs[p].add_subplot(grid[0, 2], sharey=ax_m)
        n_f = len(order)
        ylabels = [(HIGHLIGHT_MARK + " " if f in HIGHLIGHTED_FACTORS else "") + factor_label(f, names) for f in order]
        kinds = []
        for kind in SOLUTION_ORDER:
            if kind in totals and totals[kind] != 0:
                mine = cols[cols["solution_type"] == kind] if not cols.empty else cols
                shown = len(set(mine["solution_id"])) if not cols.empty else 0
                total = totals[kind]
                more = f", {shown:,} shown" if total is None or total > shown else ""
                short = next((text for text in mine.get("shown", []) if text), "")
                more += f", {short}" if short else ""
                what = f"{total:,} {kind}" if total is not None else f"{kind}: too many to count"
                kinds.append(f"{what} ({SOLUTION_PREFIX[kind]}{more})")
        title = f"{PHASE_LABELS[phase]}: " + ("; ".join(kinds) if kinds else "no QCA solution")
        subfigs[p].suptitle(textwrap.fill(title, 100), fontweight="bold", x=0.01, ha="left", fontsize=8.5)
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
                ax_m.plot(j, y_of[f], marker="o", ms=5.5, mfc="#222222" if value else "white", mec="black", mew=0.8)
            ax_m.text(j, n_f + 0.35, f"{100 * term['consistency']:.0f}", ha="center", va="center", fontsize=7)
            ax_m.text(j, n_f + 1.35, f"{100 * term['raw_coverage']:.0f}", ha="center", va="center", fontsize=7)
        types = cols["solution_type"].tolist()
        boundary = [j for j in range(1, len(cols)) if types[j] != types[j - 1]]
        for b in boundary:
            ax_m.axvline(b - 0.5, color="black", lw=0.8)
        ax_m.axhline(n_f - 0.4, color="#888888", lw=0.6)
        for i in range(n_f):
            ax_m.axhline(i, color="#EEEEEE", lw=0.5, zorder=0)
        ax_m.set_xticks(range(len(cols)), cols["label"], rotation=90)
        ax_m.set_xlim(-0.6, len(cols) - 0.4)
        ax_m.set_yticks(list(range(n_f)) + [n_f + 0.35, n_f + 1.35],
                        ylabels + ["term consistency (%)", "raw coverage (%)"])
        for tick, text in zip(ax_m.get_yticklabels(), ylabels + ["", ""]):
            if text.startswith(HIGHLIGHT_MARK):
                tick.set_fontweight("bold")
        for tick in ax_m.get_yticklabels()[n_f:]:
            tick.set_fontstyle("italic")
        ax_m.set_ylim(n_f + 1.9, -0.6)
        ax_m.tick_params(length=0)
        for spine in ("top", "right"):
            ax_m.spines[spine].set_visible(False)

        eff = effects.set_index("factor")
        for f in order:
            if f not in eff.index:
                continue
            row = eff.loc[f]
            style = identification_style(row["identification"])
            colour = style["colour"] or ORIGIN_COLOURS.get(row["origin"], "#555555")
            ax_p.barh(y_of[f], row["p_beta_positive"], height=0.6, color=colour if style["fill"] != "none" else "white",
                      edgecolor=colour if style["fill"] == "none" else "black", lw=0.7)
            ax_p.text(0.02, y_of[f], f"{row['p_beta_positive']:.2f}", va="center", ha="left", fontsize=7,
                      color="white" if style["fill"] != "none" and row["p_beta_positive"] > 0.25 else "black")
            if not np.isfinite(row["ame_pp_plus_vs_minus_mean"]):
                ax_a.text(0.5, y_of[f], "not reported", ha="center", va="center", fontsize=7, color="#9A9A9A",
                          fontstyle="italic", transform=blended_transform_factory(ax_a.transAxes, ax_a.transData))
                continue
            for pct in (95, 89):
                lo = row[f"ame_pp_plus_vs_minus_eti{pct}_lb"]
                hi = row[f"ame_pp_plus_vs_minus_eti{pct}_ub"]
                ax_a.plot([lo, hi], [y_of[f]] * 2, color=colour, lw=INTERVAL_WIDTHS[pct], solid_capstyle="butt",
                          alpha=style["alpha"])
            ax_a.plot(row["ame_pp_plus_vs_minus_mean"], y_of[f], marker=ORIGIN_MARKERS.get(row["origin"], "o"),
                      ms=4.5, color=colour, mfc="white" if style["fill"] == "none" else colour,
                      mec=colour if style["fill"] == "none" else "black", mew=0.7)
        ax_p.set_xlim(0, 1)
        ax_p.set_xticks([0, 0.5, 1], ["0", "0.5", "1"])
        ax_p.axvline(0.5, color="black", lw=0.6, ls="--")
        ax_p.set_title("P(β > 0)", fontweight="bold")
        ax_a.axvline(0, color="black", lw=0.6, ls="--")
        ax_a.set_title("Effect on window (pp)" if n_cols <= 10 else "Effect on\nwindow (pp)", fontweight="bold")
        if p == len(PHASES) - 1:
            ax_p.set_xlabel("posterior probability")
            ax_a.set_xlabel("lacking → present")
        for ax in (ax_p, ax_a):
            ax.tick_params(axis="y", left=False, labelleft=False)
            ax.grid(axis="x", color="#EEEEEE", lw=0.5)
            ax.set_axisbelow(True)
            ax.axhspan(n_f - 0.4, n_f + 1.9, color="white", zorder=5)
            ax.spines["left"].set_visible(False)

    handles = [
        Line2D([], [], marker="o", ls="", ms=5.5, mfc="#222222", mec="black", label="term requires factor present"),
        Line2D([], [], marker="o", ls="", ms=5.5, mfc="white", mec="black",
               label="term requires it absent (0 or −1)"),
    ]
    handles += [
        Line2D([], [], marker=ORIGIN_MARKERS[o], ls="", ms=4.5, color=ORIGIN_COLOURS[o], mec="black",
               label=ORIGIN_LABELS[o]) for o in ("theory", "empirical")
    ]
    handles += [
        Line2D([], [], marker="o", ls="", ms=4.5, mfc="white", mec="#555555", label="open: weakly identified"),
        Line2D([], [], marker="o", ls="", ms=4.5, mfc="white", mec="#9A9A9A", label="grey: not identified"),
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[89], label="89% interval"),
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[95], label="95% interval"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    fig.suptitle("Crisp-set QCA solutions (outcome: window) beside the Bayesian factor effects",
                 fontweight="bold")
    return fig
