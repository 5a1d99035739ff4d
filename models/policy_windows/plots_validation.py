"""Figures of the simulation studies (SBC and parameter recovery): data in, Figure out."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from .sbc import FAMILIES, ecdf_band, ecdf_difference  # noqa: E402


def sbc_ecdf_figure(
    ranks: pd.DataFrame,
    uniformity: pd.DataFrame | None = None,
    alpha: float = 0.05,
    n_eval: int = 100,
    seed: int = 0,
) -> Figure:
    """One panel per parameter family: ECDF difference of each element's fractional ranks
    (thin lines), the family's pooled ECDF difference (thick line) and the simultaneous
    1-alpha band for one element's ECDF (Säilynoja et al. 2022)."""
    families = [f for f in FAMILIES if f in set(ranks["family"])]
    ncols = 4
    nrows = int(np.ceil(len(families) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.2 * ncols, 2.7 * nrows), sharex=True, squeeze=False)
    z = np.linspace(0.0, 1.0, n_eval + 1)[1:-1]
    rng = np.random.default_rng(seed)
    bands: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for ax, family in zip(axes.flat, families):
        part = ranks[ranks["family"] == family]
        n_sims = part["sim"].nunique()
        if n_sims not in bands:
            bands[n_sims] = ecdf_band(n_sims, z, alpha=alpha, rng=rng)
        low, high = bands[n_sims]
        ax.fill_between(z, low, high, color="tab:blue", alpha=0.15, lw=0, label=f"{1 - alpha:.0%} band (one element)")
        for _, element in part.groupby("parameter"):
            ax.plot(z, ecdf_difference(element["fractional_rank"].to_numpy(), z), color="0.45", lw=0.5, alpha=0.6)
        ax.plot(z, ecdf_difference(part["fractional_rank"].to_numpy(), z), color="black", lw=1.6, label="pooled")
        ax.axhline(0.0, color="tab:blue", lw=0.8)
        title = f"{family} ({part['parameter'].nunique()} el.)"
        if uniformity is not None and family in set(uniformity["family"]):
            row = uniformity.set_index("family").loc[family]
            title += f"\nHolm p: χ² {row['p_chisq_holm']:.2f}, el. {row['p_elements_holm']:.2f}"
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes.flat[len(families) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("fractional rank", fontsize=9)
    for ax in axes[:, 0]:
        ax.set_ylabel("ECDF − uniform", fontsize=9)
    axes.flat[0].legend(fontsize=7, loc="lower left")
    n_sims = ranks["sim"].nunique()
    fig.suptitle(f"Simulation-based calibration: {n_sims} simulations", fontsize=11)
    fig.tight_layout()
    return fig


def recovery_figure(rows: pd.DataFrame, table: pd.DataFrame) -> Figure:
    """Left: posterior mean vs truth of every beta, per M. Right: mean 90% interval width
    of identified betas against M (log-log) with the 1/sqrt(M) extrapolation and the
    ±0.5 logit target; bottom: coverage of 50% and 90% intervals per M."""
    ms = sorted(rows["M"].unique())
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    ax = axes[0]
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, len(ms)))
    lim = np.nanmax(np.abs(np.concatenate([rows["truth"], rows["mean"]])))
    for colour, m in zip(colours, ms):
        part = rows[rows["M"] == m]
        ax.errorbar(
            part["truth"], part["mean"], yerr=[part["mean"] - part["lower90"], part["upper90"] - part["mean"]],
            fmt="o", ms=2.5, lw=0.5, color=colour, alpha=0.7, label=f"M = {m}",
        )
    ax.plot([-lim, lim], [-lim, lim], color="0.3", lw=0.8, ls="--")
    ax.set_xlabel("true beta")
    ax.set_ylabel("posterior mean (90% interval)")
    ax.legend(fontsize=8)
    ax.set_title("Recovery of beta")

    ax = axes[1]
    ax.loglog(table["M"], table["mean_width90"], "o-", color="black", label="mean 90% width (identified)")
    ax.loglog(table["M"], table["max_width90"], "s--", color="0.5", label="widest factor")
    m_star = float(table["M_needed_halfwidth"].iloc[0])
    target = 2 * float(table["target_halfwidth"].iloc[0])
    grid = np.geomspace(min(ms), max(max(ms), m_star) * 1.5, 50)
    c = target * np.sqrt(m_star)
    ax.loglog(grid, c / np.sqrt(grid), color="tab:red", lw=0.8, label="∝ 1/√M fit")
    ax.axhline(target, color="tab:red", ls=":", lw=0.8)
    ax.axvline(m_star, color="tab:red", ls=":", lw=0.8)
    ax.annotate(f"±{target / 2:g} at M ≈ {m_star:,.0f}", (m_star, target), fontsize=8, xytext=(5, 8), textcoords="offset points")
    ax.set_xlabel("municipalities M")
    ax.set_ylabel("90% interval width (logit)")
    ax.legend(fontsize=8)
    ax.set_title("Interval width")

    ax = axes[2]
    x = np.arange(len(table))
    ax.bar(x - 0.18, table["coverage50"], width=0.36, label="50% interval", color="tab:blue")
    ax.bar(x + 0.18, table["coverage90"], width=0.36, label="90% interval", color="tab:orange")
    ax.axhline(0.5, color="tab:blue", ls="--", lw=0.8)
    ax.axhline(0.9, color="tab:orange", ls="--", lw=0.8)
    ax.set_xticks(x, [str(m) for m in table["M"]])
    ax.set_ylim(0, 1)
    ax.set_xlabel("municipalities M")
    ax.set_ylabel("coverage of true beta")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title("Coverage")
    fig.tight_layout()
    return fig
