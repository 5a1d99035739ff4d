"""Model comparison: elpd differences of the variants by PSIS-LOO and by exact LOMO."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import OKABE_ITO, styled

METHOD_TITLES = {
    "psis_loo": "PSIS-LOO (leave one stream observation out)",
    "lomo_exact": "Exact LOMO (leave one municipality out, refit)",
}


@styled
def model_comparison(table: pd.DataFrame) -> Figure:
    """elpd difference to the best variant with its paired standard error, per method.

    ``table`` is ``results/tables/model_comparison.csv`` (``comparison.loo_table`` and
    ``lomo_table``). Points left of zero predict worse than the best variant; an interval
    that reaches zero means the data cannot tell the two apart.
    """
    methods = [m for m in METHOD_TITLES if m in set(table["method"])] + sorted(
        set(table["method"]) - set(METHOD_TITLES)
    )
    variants = (
        table[table["method"] == methods[0]].sort_values("rank")["variant"].tolist()
        if methods
        else []
    )
    variants += [v for v in table["variant"].unique() if v not in variants]
    fig, axes = plt.subplots(1, len(methods), figsize=(6.2 * len(methods), 0.6 * len(variants) + 2.4),
                             sharey=True, squeeze=False, layout="constrained")
    y = {v: -i for i, v in enumerate(variants)}
    for ax, method in zip(axes[0], methods):
        part = table[table["method"] == method].set_index("variant")
        xmins = []
        for variant, row in part.iterrows():
            diff, dse = -row["elpd_diff"], row["dse"]
            best = int(row["rank"]) == 0
            colour = OKABE_ITO["blue"] if best else "#555555"
            ax.errorbar(diff, y[variant], xerr=[[2 * dse], [2 * dse]], fmt="none", ecolor=colour, elinewidth=1.2,
                        capsize=0, alpha=0.6)
            ax.errorbar(diff, y[variant], xerr=dse, fmt="o" if not best else "D", ms=8, color=colour, mec="black",
                        elinewidth=3.0, capsize=0)
            xmins.append(diff - 2 * dse)
            note = f"elpd {row['elpd']:.1f} ± {row['se']:.1f}"
            if pd.notna(row.get("pareto_k_max")):
                note += f"\nmax k̂ {row['pareto_k_max']:.2f}"
                if row.get("n_pareto_k_gt_0_7", 0):
                    note += f" ({int(row['n_pareto_k_gt_0_7'])} > 0.7)"
            ax.annotate(note, xy=(1.0, y[variant]), xycoords=("axes fraction", "data"), xytext=(-4, 0),
                        textcoords="offset points", ha="right", va="center", fontsize=8.5,
                        color=OKABE_ITO["vermillion"] if row.get("n_pareto_k_gt_0_7", 0) else "#333333")
        left = min(xmins + [-1.0])
        ax.set_xlim(left * 1.15, -left * 0.95)
        ax.axvline(0, color="black", lw=0.9, ls="--")
        ax.grid(axis="x", color="#EEEEEE", lw=0.6)
        ax.set_axisbelow(True)
        n_points = int(part["n_points"].iloc[0]) if "n_points" in part else np.nan
        unit = "observations" if method == "psis_loo" else "municipalities"
        ax.set_title(f"{METHOD_TITLES.get(method, method)}\n{n_points} {unit}", fontweight="bold")
        ax.set_xlabel("elpd difference to the best variant\n(thick: ±1 SE, thin: ±2 SE of the paired difference)")
    axes[0, 0].set_yticks(list(y.values()), [v.replace("_", " ") for v in y])
    axes[0, 0].set_ylim(min(y.values()) - 0.6, 0.6)
    axes[0, 0].set_ylabel("Model variant")
    fig.suptitle("Predictive model comparison (higher is better; diamond = best variant)", fontweight="bold")
    return fig
