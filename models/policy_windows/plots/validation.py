"""Figures of the simulation studies (SBC and parameter recovery): data in, Figure out.

Drawn like the other figures (``plots.style``): at most 7 inches wide, no text below 7 pt,
Okabe-Ito colours; the scripts write PNG and PDF with ``plots.save_figure``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from policy_windows.plots.style import OKABE_ITO, styled
from policy_windows.inference.sbc import FAMILIES, ecdf_band, ecdf_difference

FAMILY_LABELS = {
    "alpha": "α", "mu": "μ", "tau": "τ", "beta": "β", "delta": "δ", "u": "u", "kappa": "κ", "sigma_u": "σ_u",
    "window_probability": "window π",
}


@styled
def sbc_ecdf_figure(
    ranks: pd.DataFrame,
    uniformity: pd.DataFrame | None = None,
    alpha: float = 0.05,
    n_eval: int = 100,
    seed: int = 0,
    ncols: int = 3,
) -> Figure:
    """One panel per parameter family: ECDF difference of each element's fractional ranks
    (thin grey lines), the family's pooled ECDF difference (thick line) and the simultaneous
    1-alpha band for one element's ECDF (Säilynoja et al. 2022)."""
    families = [f for f in FAMILIES if f in set(ranks["family"])]
    families += sorted(set(ranks["family"]) - set(families))
    nrows = int(np.ceil(len(families) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.0, 1.75 * nrows + 0.9), sharex=True, squeeze=False,
                             layout="constrained")
    z = np.linspace(0.0, 1.0, n_eval + 1)[1:-1]
    rng = np.random.default_rng(seed)
    bands: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    table = uniformity.set_index("family") if uniformity is not None else None
    for ax, family in zip(axes.flat, families):
        part = ranks[ranks["family"] == family]
        n_sims = part["sim"].nunique()
        if n_sims not in bands:
            bands[n_sims] = ecdf_band(n_sims, z, alpha=alpha, rng=rng)
        low, high = bands[n_sims]
        ax.fill_between(z, low, high, color=OKABE_ITO["sky"], alpha=0.3, lw=0)
        for _, element in part.groupby("parameter"):
            ax.plot(z, ecdf_difference(element["fractional_rank"].to_numpy(), z), color="#8C8C8C", lw=0.4,
                    alpha=0.7)
        ax.plot(z, ecdf_difference(part["fractional_rank"].to_numpy(), z), color="black", lw=1.3)
        ax.axhline(0.0, color=OKABE_ITO["blue"], lw=0.6)
        title = f"{FAMILY_LABELS.get(family, family)} ({part['parameter'].nunique()} el.)"
        if table is not None and family in table.index:
            row = table.loc[family]
            title += f"\nHolm p: χ² {row['p_chisq_holm']:.2f}, elements {row['p_elements_holm']:.2f}"
        ax.set_title(title, fontsize=7.5)
        ax.grid(color="#EEEEEE", lw=0.5)
    for ax in axes.flat[len(families):]:
        ax.set_visible(False)
    # The lowest visible panel of each column carries the x axis (a column may end early).
    for col in range(ncols):
        shown = [ax for ax in axes[:, col] if ax.get_visible()]
        if shown:
            shown[-1].set_xlabel("fractional rank")
            shown[-1].xaxis.set_tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel("ECDF − uniform")
    handles = [
        Patch(color=OKABE_ITO["sky"], alpha=0.3, label=f"{1 - alpha:.0%} simultaneous band (one element)"),
        Line2D([], [], color="#8C8C8C", lw=0.6, label="one element"),
        Line2D([], [], color="black", lw=1.3, label="family pooled"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    n_sims = ranks["sim"].nunique()
    fig.suptitle(f"Simulation-based calibration: ranks of the truth in {n_sims} simulations", fontweight="bold")
    return fig


@styled
def recovery_figure(rows: pd.DataFrame, table: pd.DataFrame) -> Figure:
    """Left: posterior mean vs truth of every beta from the fits that pass the gates, per M
    (the legend counts them). Middle: mean 90% interval width of identified betas against M
    (log-log) with the fitted curve and the ±0.5 logit target. Right: coverage of 50% and
    90% intervals per M; an M without a converged fit is marked, not drawn."""
    ms = sorted(rows["M"].unique())
    fig, axes = plt.subplots(1, 3, figsize=(7.0, 3.2), layout="constrained")
    ax = axes[0]
    palette = [OKABE_ITO[c] for c in ("orange", "sky", "green", "blue", "vermillion", "purple")]
    markers = ["o", "s", "^", "D", "v", "P"]
    lim = np.nanmax(np.abs(np.concatenate([rows["truth"], rows["mean"]])))
    for k, m in enumerate(ms):
        every = rows[rows["M"] == m]
        part = every[every["passes_gates"].astype(bool)]
        n_ok, n_all = part["replicate"].nunique(), every["replicate"].nunique()
        ax.errorbar(
            part["truth"], part["mean"], yerr=[part["mean"] - part["lower90"], part["upper90"] - part["mean"]],
            fmt=markers[k % len(markers)], ms=2.2, lw=0.4, color=palette[k % len(palette)], alpha=0.7,
            label=f"M = {m:,}: {n_ok} of {n_all} fits passed the gates",
        )
    ax.plot([-lim, lim], [-lim, lim], color="#4D4D4D", lw=0.7, ls="--")
    ax.set_xlabel("true β")
    ax.set_ylabel("posterior mean (90% interval)")
    ax.set_title("Recovery of β", fontweight="bold")
    handles, labels = ax.get_legend_handles_labels()

    ax = axes[1]
    ax.loglog(table["M"], table["mean_width90"], "o-", color="black", ms=3.5, lw=1.0, label="mean (identified)")
    ax.loglog(table["M"], table["max_width90"], "s--", color="#7F7F7F", ms=3.5, lw=1.0, label="widest factor")
    m_star = float(table["M_needed_halfwidth"].iloc[0])
    target = 2 * float(table["target_halfwidth"].iloc[0])
    grid = np.geomspace(min(ms), max(max(ms), m_star) * 1.5, 50)
    slope = float(table["curve_slope"].iloc[0])
    ax.loglog(grid, np.exp(float(table["curve_log_c"].iloc[0])) * grid**slope, color=OKABE_ITO["vermillion"], lw=0.8,
              label=f"fit: ∝ M^{slope:.2f}")
    ax.axhline(target, color=OKABE_ITO["vermillion"], ls=":", lw=0.8)
    ax.axvline(m_star, color=OKABE_ITO["vermillion"], ls=":", lw=0.8)
    ax.annotate(f"±{target / 2:g} at\nM ≈ {m_star:,.0f}", (m_star, target), fontsize=7, xytext=(4, 6),
                textcoords="offset points")
    ax.yaxis.set_major_locator(FixedLocator([0.05, 0.1, 0.2, 0.5, 1, 2, 5]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    ax.set_xlabel("municipalities M")
    ax.set_ylabel("90% interval width (logit)")
    ax.legend(loc="lower left", borderaxespad=0.2)
    ax.set_title("Interval width", fontweight="bold")

    ax = axes[2]
    x = np.arange(len(table))
    ax.bar(x - 0.18, table["coverage50"], width=0.36, label="50% interval", color=OKABE_ITO["sky"],
           edgecolor="black", lw=0.4)
    ax.bar(x + 0.18, table["coverage90"], width=0.36, label="90% interval", color=OKABE_ITO["orange"],
           edgecolor="black", lw=0.4)
    ax.axhline(0.5, color=OKABE_ITO["blue"], ls="--", lw=0.7)
    ax.axhline(0.9, color=OKABE_ITO["vermillion"], ls="--", lw=0.7)
    for position, n_ok in zip(x, table["n_replicates"]):
        if not n_ok:
            ax.text(position, 0.04, "no fit\npassed\nthe gates", ha="center", va="bottom", fontsize=7, color="#4D4D4D")
    ax.set_xticks(x, [f"{m:,}" for m in table["M"]])
    ax.set_ylim(0, 1.18)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 0.9, 1.0])
    ax.set_xlabel("municipalities M")
    ax.set_ylabel("coverage of the true β")
    ax.legend(loc="upper center", ncol=2, borderaxespad=0.1, columnspacing=0.8, handlelength=1.0)
    ax.set_title("Coverage (dashed: nominal)", fontweight="bold")
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(ms), 2), frameon=False,
               title="simulated data sets of M municipalities (left panel)")
    fig.suptitle("Parameter recovery on simulated data of growing size", fontweight="bold")
    return fig
