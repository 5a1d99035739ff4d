"""Factor effects (forest plot with identification marks) and what-if gains.

Length: the two figures share the identification and flag marks and their legend, kept
together so that a factor is marked the same way in both. The what-if figure shows every
municipality up to ``scale.MAX_LISTED_MUNICIPALITIES`` and a summary per factor over the
municipalities above it.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from policy_windows.plots.data import sorted_municipalities
from policy_windows.summaries.counterfactuals import KNOCK_ON, best_changes, flag_reasons, what_if_by_factor
from policy_windows.summaries.scale import lists_municipalities
from policy_windows.plots.style import (
    HIGHLIGHT_MARK,
    IDENTIFICATION_LABELS,
    IDENTIFICATION_LEVELS,
    INTERVAL_WIDTHS,
    ORIGIN_COLOURS,
    ORIGIN_LABELS,
    ORIGIN_MARKERS,
    PHASE_COLOURS,
    PHASE_LABELS,
    STREAM_LABELS,
    factor_label,
    factor_names,
    factor_rank,
    identification_style,
    municipality_label,
    note_axes,
    styled,
)

EVIDENCE_SHORT = {"factor-specific": "factor", "stream-level only": "stream", "not identified": "–"}
NOT_IDENTIFIED_GREY = "#9A9A9A"



def _style_header_tick(tick, phase: str) -> None:
    """A phase header among factor rows: bold, small, in the phase's colour."""
    tick.set_fontweight("bold")
    tick.set_color(PHASE_COLOURS[phase])
    tick.set_fontsize(8)

def _interval(ax, y, row, prefix, colour, marker, fill, alpha=1.0, pcts=(95, 89), size=4.5, gid=None):
    """Mean with thick 89% and thin 95% equal-tailed intervals at height y (skipped when NaN)."""
    mean = row.get(f"{prefix}mean", np.nan)
    if not np.isfinite(mean):
        return False
    for pct in pcts:
        lo, hi = row[f"{prefix}eti{pct}_lb"], row[f"{prefix}eti{pct}_ub"]
        ax.plot([lo, hi], [y, y], color=colour, lw=INTERVAL_WIDTHS[pct], solid_capstyle="butt", zorder=2,
                alpha=alpha, gid=gid)
    ax.plot(mean, y, marker=marker, ms=size, color=colour, mec=colour if fill == "none" else "black", mew=0.8,
            mfc="white" if fill == "none" else colour, zorder=3, gid=gid)
    return True


def _forest_rows(effects: pd.DataFrame, rank: dict[str, int]) -> list[tuple[str, object]]:
    """Row plan: ('header', (phase, stream)) then ('factor', row) per factor, per group."""
    plan: list[tuple[str, object]] = []
    effects = effects.assign(_order=[rank.get(f, len(rank) + i) for i, f in enumerate(effects["factor"])])
    for phase in PHASES:
        for stream in STREAMS:
            block = effects[(effects["phase"] == phase) & (effects["stream"] == stream)].sort_values("_order")
            if block.empty:
                continue
            plan.append(("header", (phase, stream)))
            plan.extend(("factor", row) for _, row in block.iterrows())
    return plan


@styled
def factor_effects_forest(effects: pd.DataFrame, factors: pd.DataFrame | None = None) -> Figure:
    """Forest plot of beta, of the factor-specific contrast beta - mu and of the average
    marginal effect on the window probability, with each factor's identification marked.

    ``effects`` is ``results/tables/factor_effects.csv``: ``beta_*`` (89% and 95% intervals),
    ``beta_minus_mu_*`` (95%), ``ame_pp_plus_vs_minus_*`` (percentage points; NaN where the
    contrast is not reported), ``p_beta_positive``, ``p_beta_above_mu``,
    ``identification`` and ``evidence``. Identified factors have filled markers, weakly
    identified ones open markers, not identified ones open grey markers and grey labels.
    ``factors``: factor metadata (``name_en``, ``order``).
    """
    names, rank = factor_names(factors), factor_rank(factors)
    plan = _forest_rows(effects, rank)
    height = 0.155 * len(plan) + 1.95
    fig = plt.figure(figsize=(7.0, height), layout="constrained")
    grid = fig.add_gridspec(1, 4, width_ratios=[1.0, 0.85, 1.0, 0.95])
    ax_beta = fig.add_subplot(grid[0, 0])
    ax_diff = fig.add_subplot(grid[0, 1], sharey=ax_beta)
    ax_ame = fig.add_subplot(grid[0, 2], sharey=ax_beta)
    ax_txt = fig.add_subplot(grid[0, 3], sharey=ax_beta)
    ys, labels, kinds = [], [], []
    y = 0.0
    header_rows = []
    for kind, item in plan:
        y -= 1.0
        if kind == "header":
            y -= 0.25
            phase, stream = item
            ys.append(y)
            labels.append(f"{PHASE_LABELS[phase]} · {STREAM_LABELS[stream]}")
            kinds.append(("header", phase))
            header_rows.append(y)
            continue
        row = item
        level = row["identification"]
        style = identification_style(level)
        colour = style["colour"] or ORIGIN_COLOURS[row["origin"]]
        marker = ORIGIN_MARKERS[row["origin"]]
        gid = f"factor:{row['factor']}:{level}"
        _interval(ax_beta, y, row, "beta_", colour, marker, style["fill"], style["alpha"], gid=gid)
        _interval(ax_diff, y, row, "beta_minus_mu_", colour, marker, style["fill"], style["alpha"], pcts=(95,),
                  gid=gid)
        if not _interval(ax_ame, y, row, "ame_pp_plus_vs_minus_", colour, marker, style["fill"], style["alpha"],
                         gid=gid):
            ax_ame.text(0.5, y, "not reported", transform=blended_transform_factory(ax_ame.transAxes, ax_ame.transData),
                        ha="center", va="center", fontsize=7, color=NOT_IDENTIFIED_GREY, fontstyle="italic")
        text_colour = NOT_IDENTIFIED_GREY if level == "not identified" else "black"
        for x, text in ((0.0, f"{row['p_beta_positive']:.2f}"), (0.34, f"{row['p_beta_above_mu']:.2f}"),
                        (0.68, EVIDENCE_SHORT.get(row["evidence"], str(row["evidence"])))):
            ax_txt.text(x, y, text, ha="left", va="center", fontsize=7.5, color=text_colour,
                        transform=blended_transform_factory(ax_txt.transAxes, ax_txt.transData))
        highlighted = bool(row.get("highlighted", row["factor"] in HIGHLIGHTED_FACTORS))
        ys.append(y)
        labels.append((HIGHLIGHT_MARK + " " if highlighted else "") + factor_label(row["factor"], names))
        kinds.append(("factor", level, highlighted))
        if highlighted:
            for ax in (ax_beta, ax_diff, ax_ame, ax_txt):
                ax.axhspan(y - 0.45, y + 0.45, color="#FFF3D6", zorder=0)
    ax_beta.set_yticks(ys, labels)
    for tick, kind in zip(ax_beta.get_yticklabels(), kinds):
        if kind[0] == "header":
            _style_header_tick(tick, kind[1])
        else:
            if kind[2]:
                tick.set_fontweight("bold")
            if kind[1] == "not identified":
                tick.set_color(NOT_IDENTIFIED_GREY)
                tick.set_fontstyle("italic")
    for ax in (ax_beta, ax_diff, ax_ame):
        ax.axvline(0.0, color="black", lw=0.7, ls="--", zorder=1)
        ax.grid(axis="x", color="#E5E5E5", lw=0.5)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
        for hy in header_rows:
            ax.axhline(hy + 0.55, color="#BBBBBB", lw=0.5, zorder=0)
    for ax in (ax_diff, ax_ame, ax_txt):
        ax.tick_params(axis="y", labelleft=False)
    ax_beta.set_ylim(y - 0.7, 0.0)
    ax_beta.set_title("β", fontweight="bold")
    ax_diff.set_title("β − μ", fontweight="bold")
    ax_ame.set_title("Window effect", fontweight="bold")
    ax_beta.set_xlabel("log-odds per\ncode step")
    ax_diff.set_xlabel("vs stream mean μ\n(logit, 95% only)")
    ax_ame.set_xlabel("lacking → present\n(percentage points)")
    ax_txt.set_axis_off()
    header = blended_transform_factory(ax_txt.transAxes, ax_txt.transAxes)
    for x, text in ((0.0, "P(β>0)"), (0.34, "P(β>μ)"), (0.68, "evidence")):
        ax_txt.text(x, 1.0, text, transform=header, ha="left", va="bottom", fontsize=7)
    handles = [
        Line2D([], [], marker=ORIGIN_MARKERS[o], color=ORIGIN_COLOURS[o], mec="black", ls="", ms=4.5,
               label=ORIGIN_LABELS[o]) for o in ("theory", "empirical")
    ]
    for level in IDENTIFICATION_LEVELS:
        style = identification_style(level)
        colour = style["colour"] or "#555555"
        handles.append(Line2D([], [], marker="o", ls="", ms=4.5, color=colour,
                              mfc="white" if style["fill"] == "none" else colour,
                              mec=colour if style["fill"] == "none" else "black", label=IDENTIFICATION_LABELS[level]))
    handles += [
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[89], label="89% interval"),
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[95], label="95% interval"),
        Patch(color="#FFF3D6", label=f"{HIGHLIGHT_MARK} highlighted factor (ch. 5.3)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    fig.suptitle("Posterior factor effects of the main model, marked by identification", fontweight="bold")
    return fig


# ---------------------------------------------------------------------------
# What-if
# ---------------------------------------------------------------------------


def _flag_note(table: pd.DataFrame) -> str:
    reasons = flag_reasons(table)
    if not len(reasons):
        return ""
    listed = "; ".join(f"{text} ({n})" for text, n in reasons.items())
    return f"Flagged changes in the table, by reason (number of changes): {listed}"


@styled
def what_if(table: pd.DataFrame, factors: pd.DataFrame | None = None) -> Figure:
    """What-if gains: per municipality up to ``scale.MAX_LISTED_MUNICIPALITIES`` municipalities
    (:func:`what_if_per_municipality`), per factor over the municipalities above that
    (:func:`what_if_per_factor`).

    ``table`` is ``results/tables/what_if.csv`` (one row per municipality and factor not yet
    present: ``gain_pp_*`` in percentage points of the factor's phase window, ``flag`` text
    that is empty when the change is fine, ``knock_on_institutionalisation_pp_*`` for agenda
    factors); ``factors``: factor metadata (``name_en``).
    """
    if lists_municipalities(table["municipality"].nunique()):
        return what_if_per_municipality(table, factors)
    return what_if_per_factor(table, factors)


def what_if_per_municipality(table: pd.DataFrame, factors: pd.DataFrame | None = None) -> Figure:
    """Best single change per municipality and how often each factor is the best change.

    Left: per municipality (sorted by gain) the best unflagged change with its 89% interval
    and, for an agenda factor, its knock-on gain on the institutionalisation window; a flagged
    change with a larger gain is drawn open and grey beside it. Right: per factor, for how many
    municipalities it is the best unflagged change (solid) or a larger but flagged one (hatched).
    """
    names = factor_names(factors)
    best = best_changes(table)
    clean = best[best["kind"] == "best unflagged"].sort_values("gain_pp_mean", ascending=True)
    municipalities = list(clean["municipality"])
    municipalities += [m for m in sorted_municipalities(best["municipality"]) if m not in municipalities]
    n_m = len(municipalities)
    height = max(0.2 * n_m + 1.9, 3.2)
    note = _flag_note(table)
    fig = plt.figure(figsize=(7.0, height + (0.3 if note else 0.0)), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[1.45, 1.0], height_ratios=[height - 1.6, 0.3 if note else 0.001])
    ax = fig.add_subplot(grid[0, 0])
    ax_n = fig.add_subplot(grid[0, 1])
    y_of = {m: i for i, m in enumerate(municipalities)}
    offset = 0.22
    for _, row in best.iterrows():
        y = y_of[row["municipality"]]
        if row["kind"] == "best unflagged":
            colour = PHASE_COLOURS[row["phase"]]
            ax.plot([row["gain_pp_eti89_lb"], row["gain_pp_eti89_ub"]], [y, y], color=colour, lw=INTERVAL_WIDTHS[89],
                    solid_capstyle="butt", gid="what_if:unflagged")
            ax.plot(row["gain_pp_mean"], y, marker="o", ms=4.5, color=colour, mec="black", mew=0.6,
                    gid="what_if:unflagged")
            knock = row.get(f"{KNOCK_ON}mean", np.nan)
            if row["phase"] == "agenda" and np.isfinite(knock):
                kc = PHASE_COLOURS["institutionalisation"]
                ax.plot([row[f"{KNOCK_ON}eti89_lb"], row[f"{KNOCK_ON}eti89_ub"]], [y - offset] * 2, color=kc, lw=0.9,
                        gid="what_if:knock_on")
                ax.plot(knock, y - offset, marker="^", ms=3.5, color=kc, mec="black", mew=0.4, gid="what_if:knock_on")
        else:
            ax.plot([row["gain_pp_eti89_lb"], row["gain_pp_eti89_ub"]], [y + offset] * 2,
                    color=NOT_IDENTIFIED_GREY, lw=0.9, ls=(0, (2, 1)), gid="what_if:flagged")
            ax.plot(row["gain_pp_mean"], y + offset, marker="o", ms=4.5, mfc="white", mec=NOT_IDENTIFIED_GREY,
                    mew=0.9, ls="", gid="what_if:flagged")
    ticks, texts = [], []
    for m in municipalities:
        chosen = clean[clean["municipality"] == m]
        what = factor_label(chosen["factor"].iloc[0], names) if len(chosen) else "no unflagged change"
        ticks.append(y_of[m])
        texts.append(f"{municipality_label(m)}: {textwrap.shorten(what, 30, placeholder='…')}")
    ax.set_yticks(ticks, texts)
    ax.set_ylabel("Municipality: best unflagged change")
    ax.set_ylim(-0.7, n_m - 0.3)
    ax.axvline(0, color="black", lw=0.7, ls="--")
    ax.grid(axis="x", color="#E5E5E5", lw=0.5)
    ax.set_axisbelow(True)
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Gain in the window probability (pp, 89% interval)")
    ax.set_title("Best single change per municipality", fontweight="bold")

    counts = (
        best.groupby(["factor", "kind"]).size().unstack("kind", fill_value=0)
        .reindex(columns=["best unflagged", "larger but flagged"], fill_value=0)
    )
    counts["_total"] = counts.sum(axis=1)
    counts = counts.sort_values("_total", ascending=True).tail(12)
    phase_of = dict(zip(table["factor"], table["phase"]))
    yy = np.arange(len(counts))
    colours = [PHASE_COLOURS[phase_of[f]] for f in counts.index]
    ax_n.barh(yy, counts["best unflagged"], color=colours, edgecolor="black", lw=0.5, height=0.65,
              gid="what_if:count_unflagged")
    ax_n.barh(yy, counts["larger but flagged"], left=counts["best unflagged"], color="white",
              edgecolor=NOT_IDENTIFIED_GREY, hatch="////", lw=0.5, height=0.65, gid="what_if:count_flagged")
    ax_n.set_yticks(yy, [textwrap.shorten(factor_label(f, names), 28, placeholder="…") for f in counts.index])
    ax_n.tick_params(axis="y", length=0)
    ax_n.set_xlabel("Municipalities")
    ax_n.set_title("How often it is\nthe best change", fontweight="bold")
    ax_n.xaxis.get_major_locator().set_params(integer=True)
    ax_n.grid(axis="x", color="#E5E5E5", lw=0.5)
    ax_n.set_axisbelow(True)

    handles = [Line2D([], [], color=PHASE_COLOURS[p], lw=INTERVAL_WIDTHS[89], marker="o", ms=4, mec="black",
                      label=f"{PHASE_LABELS[p]} factor") for p in PHASES]
    handles += [
        Line2D([], [], color=NOT_IDENTIFIED_GREY, lw=0.9, ls=(0, (2, 1)), marker="o", ms=4, mfc="white",
               label="larger gain, but flagged"),
        Line2D([], [], color=PHASE_COLOURS["institutionalisation"], lw=0.9, marker="^", ms=3.5, mec="black",
               label="knock-on gain on institutionalisation"),
        Patch(facecolor="white", edgecolor=NOT_IDENTIFIED_GREY, hatch="////", label="flagged change (count)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    if note:
        note_axes(fig, grid[1, :], note)
    fig.suptitle("What if one factor were present? Model-based gains in window probability", fontweight="bold")
    return fig


def what_if_per_factor(table: pd.DataFrame, factors: pd.DataFrame | None = None) -> Figure:
    """Per factor (grouped by phase, ranked as :func:`what_if_by_factor` ranks them), over the
    municipalities where it is not yet present: the spread of the posterior mean gain (median,
    middle 50% and 90% of municipalities), the median knock-on gain of an agenda factor, in how
    many municipalities the change has a credible gain (89% interval above zero), and in how
    many it is the best unflagged change. Flagged factors are drawn grey and open (dashed,
    hatched) and listed last in their phase. No municipality is named; ``what_if.csv`` has them.
    """
    names = factor_names(factors)
    summary = what_if_by_factor(table)
    n_total = table["municipality"].nunique()
    plan: list[tuple[str, object]] = []
    for phase in PHASES:
        block = summary[summary["phase"] == phase]
        if len(block):
            plan.append(("header", phase))
            plan.extend(("factor", row) for _, row in block.iterrows())
    height = 0.165 * len(plan) + 2.3
    note = _flag_note(table)
    fig = plt.figure(figsize=(7.0, height + (0.3 if note else 0.0)), layout="constrained")
    grid = fig.add_gridspec(2, 3, width_ratios=[1.55, 0.72, 0.72], height_ratios=[height - 1.6, 0.3 if note else 0.001])
    ax = fig.add_subplot(grid[0, 0])
    ax_c = fig.add_subplot(grid[0, 1], sharey=ax)
    ax_b = fig.add_subplot(grid[0, 2], sharey=ax)
    kc = PHASE_COLOURS["institutionalisation"]
    ys, labels, kinds, headers = [], [], [], []
    y = 0.0
    for kind, item in plan:
        y -= 1.0
        if kind == "header":
            y -= 0.25
            ys.append(y)
            labels.append(PHASE_LABELS[item])
            kinds.append(("header", item))
            headers.append(y)
            continue
        row = item
        flagged = bool(row["flagged"])
        colour = NOT_IDENTIFIED_GREY if flagged else PHASE_COLOURS[row["phase"]]
        gid = f"what_if_factor:{'flagged' if flagged else 'unflagged'}:{row['factor']}"
        ls = (0, (2, 1)) if flagged else "-"
        ax.plot([row["mean_gain_pp_q05"], row["mean_gain_pp_q95"]], [y, y], color=colour, lw=0.9, ls=ls, gid=gid)
        ax.plot([row["mean_gain_pp_q25"], row["mean_gain_pp_q75"]], [y, y], color=colour, lw=INTERVAL_WIDTHS[89] * 1.4,
                solid_capstyle="butt", alpha=0.55 if flagged else 1.0, gid=gid)
        ax.plot(row["mean_gain_pp_median"], y, marker="o", ms=4.5, ls="", color=colour,
                mfc="white" if flagged else colour, mec=colour if flagged else "black", mew=0.7, gid=gid)
        knock = row[f"{KNOCK_ON}mean_median"]
        if row["phase"] == PHASES[0] and np.isfinite(knock):
            ax.plot(knock, y - 0.32, marker="^", ms=3.2, ls="", color=kc, mec="black", mew=0.4,
                    gid="what_if_factor:knock_on")
        n = int(row["n_municipalities"])
        ax_c.barh(y, n, height=0.7, color="#E8E8E8", lw=0, gid="what_if_factor:eligible")
        ax_c.barh(y, int(row["n_credible_gain"]), height=0.7, color="white" if flagged else colour,
                  edgecolor=colour if flagged else "black", hatch="////" if flagged else None, lw=0.5,
                  gid="what_if_factor:credible")
        ax_b.barh(y, int(row["n_best"]), height=0.7, color=colour, edgecolor="black", lw=0.5,
                  gid="what_if_factor:n_best")
        ax_b.barh(y, int(row["n_larger_but_flagged"]), left=int(row["n_best"]), height=0.7, color="white",
                  edgecolor=NOT_IDENTIFIED_GREY, hatch="////", lw=0.5, gid="what_if_factor:n_larger_but_flagged")
        ys.append(y)
        labels.append(textwrap.shorten(factor_label(row["factor"], names), 36, placeholder="…"))
        kinds.append(("factor", flagged))
    ax.set_yticks(ys, labels)
    for tick, kind in zip(ax.get_yticklabels(), kinds):
        if kind[0] == "header":
            _style_header_tick(tick, kind[1])
        elif kind[1]:
            tick.set_color(NOT_IDENTIFIED_GREY)
            tick.set_fontstyle("italic")
    ax.set_ylim(y - 0.7, 0.0)
    for a in (ax, ax_c, ax_b):
        a.grid(axis="x", color="#E5E5E5", lw=0.5)
        a.set_axisbelow(True)
        a.tick_params(axis="y", length=0)
        for hy in headers[1:]:
            a.axhline(hy + 0.55, color="#BBBBBB", lw=0.5, zorder=0)
    for a in (ax_c, ax_b):
        a.tick_params(axis="y", labelleft=False)
        a.xaxis.set_major_locator(plt.MaxNLocator(4, integer=True))
    ax_c.set_xlim(0, n_total * 1.04)
    ax_b.set_xlim(0, max(1, int((summary["n_best"] + summary["n_larger_but_flagged"]).max())) * 1.08)
    ax.axvline(0, color="black", lw=0.7, ls="--")
    ax.set_xlabel("Posterior mean gain in the phase's window\nprobability (pp), over municipalities")
    ax.set_title("Gain if present", fontweight="bold")
    ax_c.set_xlabel("Municipalities")
    ax_c.set_title("Credible gain\n(89% interval > 0)", fontweight="bold")
    ax_b.set_xlabel("Municipalities")
    ax_b.set_title("Best change\nin its municipality", fontweight="bold")
    handles = [Line2D([], [], color=PHASE_COLOURS[p], lw=INTERVAL_WIDTHS[89] * 1.4, marker="o", ms=4, mec="black",
                      label=f"{PHASE_LABELS[p]} factor") for p in PHASES]
    any_flagged = bool(summary["flagged"].any() or summary["n_larger_but_flagged"].any())
    handles += [
        Line2D([], [], color="#555555", lw=0.9, label="90% of municipalities"),
        Line2D([], [], color="#555555", lw=INTERVAL_WIDTHS[89] * 1.4, marker="o", ms=4, mec="black",
               label="middle 50%, median"),
        *([Line2D([], [], color=NOT_IDENTIFIED_GREY, lw=0.9, ls=(0, (2, 1)), marker="o", ms=4, mfc="white",
                  label="flagged factor")] if any_flagged else []),
        Line2D([], [], color=kc, ls="", marker="^", ms=3.5, mec="black",
               label="median knock-on on institutionalisation"),
        Patch(facecolor="#E8E8E8", label="could change (not yet +1)"),
        *([Patch(facecolor="white", edgecolor=NOT_IDENTIFIED_GREY, hatch="////", label="flagged change (count)")]
          if any_flagged else []),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    if note:
        note_axes(fig, grid[1, :], note)
    fig.suptitle(f"What if one factor were present? Gains over {n_total:,} municipalities", fontweight="bold")
    return fig
