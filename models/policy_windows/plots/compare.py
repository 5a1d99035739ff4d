"""Model comparison: elpd differences to the best model, with the per-municipality differences.

No ±SE whiskers are drawn: with eight municipalities (or 48 correlated observations) the
standard error of an elpd difference is itself unreliable, and a normal interval from it
suggests a significance test the data cannot support (Sivula, Magnusson, Matamoros and
Vehtari 2022, "Uncertainty in Bayesian leave-one-out cross-validation based model
comparison"). The dots show what the total is made of instead.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from policy_windows.plots.style import OKABE_ITO, note_axes, styled
from policy_windows.summaries.scale import lists_municipalities

METHOD_TITLES = {
    "lomo_exact": "Exact leave-one-municipality-out",
    "psis_loo": "PSIS-LOO (one stream observation out)",
}
# Reference models that are not variants of the multiple-streams model itself.
BASELINE_MODELS = ("sum_score", "intercept_only", "reported_indicator")
SIVULA_NOTE = (
    "No ±SE intervals: {why} (Sivula et al. 2022). Right of each panel: the "
    "model's total elpd (PSIS-LOO: and its largest Pareto k̂, red when any k̂ > 0.7)."
)
SIVULA_FEW = ("with {n} municipalities the standard error of an elpd difference is itself unreliable and differences "
              "of a few units are small")
SIVULA_MANY = "differences of a few units are small whatever their standard error; the dots show the municipalities"


def pointwise_differences(pointwise: pd.DataFrame, best: str) -> pd.DataFrame:
    """Per method, model and municipality: elpd of the model minus that of ``best``
    (``pointwise``: columns method, variant, municipality, elpd; several rows of one
    municipality, e.g. its six stream observations, are summed)."""
    per = pointwise.groupby(["method", "variant", "municipality"], as_index=False)["elpd"].sum()
    ref = per[per["variant"] == best].set_index(["method", "municipality"])["elpd"]
    per["difference"] = per["elpd"].to_numpy() - ref.reindex(
        pd.MultiIndex.from_frame(per[["method", "municipality"]])
    ).to_numpy()
    return per


@styled
def model_comparison(table: pd.DataFrame, pointwise: pd.DataFrame | None = None) -> Figure:
    """elpd difference to the best model per method, with the difference of every
    municipality as a dot (where ``pointwise`` has that method).

    ``table`` is ``results/tables/model_comparison.csv`` (method, rank, variant, elpd,
    elpd_diff, pareto_k_max, n_pareto_k_gt_0_7, n_points); ``pointwise``: method, variant,
    municipality, elpd (e.g. ``results/lomo/{model}.csv`` with method "lomo_exact").
    Diamond: the best model of that method; squares: baseline models.
    """
    methods = [m for m in METHOD_TITLES if m in set(table["method"])] + sorted(
        set(table["method"]) - set(METHOD_TITLES)
    )
    order = table[table["method"] == methods[0]].sort_values("rank")["variant"].tolist()
    order += [v for v in table["variant"].unique() if v not in order]
    height = 0.22 * len(order) + 1.9
    fig = plt.figure(figsize=(7.0, height + 0.35), layout="constrained")
    grid = fig.add_gridspec(2, len(methods), height_ratios=[height - 1.2, 0.35])
    axes = np.array([[fig.add_subplot(grid[0, 0])]])
    axes = np.array([[axes[0, 0]] + [fig.add_subplot(grid[0, k], sharey=axes[0, 0]) for k in range(1, len(methods))]])
    for ax in axes[0, 1:]:
        ax.tick_params(axis="y", labelleft=False)
    y = {v: -i for i, v in enumerate(order)}
    rng = np.random.default_rng(0)
    for ax, method in zip(axes[0], methods):
        part = table[table["method"] == method].set_index("variant")
        best = part["rank"].astype(int).idxmin()
        xs = [0.0]
        dots = None
        if pointwise is not None and method in set(pointwise["method"]):
            dots = pointwise_differences(pointwise[pointwise["method"] == method], best)
        for variant, row in part.iterrows():
            diff = -float(row["elpd_diff"])
            baseline = variant in BASELINE_MODELS
            is_best = variant == best
            colour = OKABE_ITO["blue"] if is_best else ("#777777" if baseline else "#333333")
            if dots is not None:
                d = dots.loc[dots["variant"] == variant, "difference"].to_numpy()
                if d.size:
                    # hundreds of municipalities: smaller, translucent dots show where they pile up
                    dense = not lists_municipalities(d.size)
                    ax.scatter(d, y[variant] + rng.uniform(-0.18, 0.18, d.size), s=3 if dense else 7,
                               color="#9A9A9A", alpha=0.4 if dense else 1.0, lw=0, zorder=2,
                               gid=f"pointwise:{method}:{variant}")
                    xs += list(d)
            ax.plot(diff, y[variant], marker="D" if is_best else ("s" if baseline else "o"), ms=5.5, color=colour,
                    mec="black", mew=0.6, ls="", zorder=3, gid=f"total:{method}:{variant}")
            xs.append(diff)
            note = f"{row['elpd']:.1f}"
            k_max = row.get("pareto_k_max", np.nan)
            if pd.notna(k_max):
                note += f"  k̂ {k_max:.2f}"
            ax.annotate(note, xy=(1.0, y[variant]), xycoords=("axes fraction", "data"), xytext=(3, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=7,
                        color=OKABE_ITO["vermillion"] if row.get("n_pareto_k_gt_0_7", 0) else "#333333",
                        annotation_clip=False)
        lo, hi = min(xs), max(xs)
        pad = 0.06 * max(hi - lo, 1.0)
        ax.set_xlim(lo - pad, hi + pad)
        ax.axvline(0, color="black", lw=0.7, ls="--", zorder=1)
        ax.grid(axis="x", color="#EEEEEE", lw=0.5)
        ax.set_axisbelow(True)
        n_points = int(part["n_points"].iloc[0])
        unit = "observations" if method == "psis_loo" else "municipalities"
        ax.set_title(f"{METHOD_TITLES.get(method, method)}\n({n_points} {unit})", fontweight="bold")
        ax.set_xlabel("elpd difference to the best model\n(< 0: predicts worse)")
    labels = [v.replace("_", " ") + (" (baseline)" if v in BASELINE_MODELS else "") for v in y]
    axes[0, 0].set_yticks(list(y.values()), labels)
    for tick, variant in zip(axes[0, 0].get_yticklabels(), y):
        if variant in BASELINE_MODELS:
            tick.set_fontstyle("italic")
    axes[0, 0].set_ylim(min(y.values()) - 0.6, 0.6)
    axes[0, 0].tick_params(axis="y", length=0)
    handles = [
        Line2D([], [], marker="D", ls="", ms=5.5, color=OKABE_ITO["blue"], mec="black", label="best model (0)"),
        Line2D([], [], marker="o", ls="", ms=5.5, color="#333333", mec="black", label="model variant: total"),
        Line2D([], [], marker="s", ls="", ms=5.5, color="#777777", mec="black", label="baseline model: total"),
        Line2D([], [], marker="o", ls="", ms=3, color="#9A9A9A", label="one municipality's difference"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=4, frameon=False)
    n_units = table.loc[table["method"] != "psis_loo", "n_points"]
    n = int(n_units.iloc[0]) if len(n_units) else None
    few = n is not None and lists_municipalities(n)
    note_axes(fig, grid[1, :], SIVULA_NOTE.format(why=SIVULA_FEW.format(n=n) if few else SIVULA_MANY))
    fig.suptitle("Predictive model comparison: higher elpd predicts better", fontweight="bold")
    return fig
