"""Prior and posterior predictive checks for the binary stream-movement outcome.

The calibration panels are PAV-adjusted reliability diagrams (Dimitriadis et al. 2021;
Säilynoja et al. 2025), the computation behind ``arviz_plots.plot_ppc_pava``: observations
are sorted by their predicted probability, the observed 0/1 outcomes are fitted with
isotonic regression (pool adjacent violators), and the band is the same fit applied to
replicated data sets. We compute it here because ``plot_ppc_pava`` draws a figure of its
own and expects one observation dimension, whereas this check is one panel among several.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy.optimize import isotonic_regression

from policy_windows.constants import PHASES, STREAMS
from policy_windows.plots.data import sorted_municipalities
from policy_windows.summaries.scale import lists_municipalities
from policy_windows.plots.style import OKABE_ITO, PHASE_COLOURS, PHASE_LABELS, STREAM_LABELS, municipality_label, styled


def pava_calibration(
    replicates: np.ndarray, observed: np.ndarray, ci_prob: float = 0.89, max_draws: int = 400, seed: int = 0
) -> pd.DataFrame:
    """PAV-adjusted calibration of binary predictions.

    ``replicates``: (sample, observation) predictive draws of 0/1 outcomes;
    ``observed``: (observation,). Returns, sorted by the predicted probability, columns
    ``predicted`` (mean of the replicates), ``observed``, ``cep`` (isotonic fit of the
    observed outcomes: the conditional event probability) and ``lower``/``upper``
    (``ci_prob`` band of the same fit on replicated outcomes).
    """
    replicates = np.asarray(replicates, dtype=float)
    observed = np.asarray(observed, dtype=float).ravel()
    replicates = replicates.reshape(replicates.shape[0], -1)
    if replicates.shape[1] != observed.size:
        raise ValueError(f"{replicates.shape[1]} replicated observations but {observed.size} observed")
    predicted = replicates.mean(axis=0)
    order = np.argsort(predicted, kind="stable")
    cep = isotonic_regression(observed[order], increasing=True).x
    rng = np.random.default_rng(seed)
    rows = rng.choice(replicates.shape[0], size=min(max_draws, replicates.shape[0]), replace=False)
    fits = np.array([isotonic_regression(replicates[r, order], increasing=True).x for r in rows])
    lower, upper = np.quantile(fits, [(1 - ci_prob) / 2, (1 + ci_prob) / 2], axis=0)
    return pd.DataFrame(
        {"predicted": predicted[order], "observed": observed[order], "cep": cep, "lower": lower, "upper": upper}
    )


def predictive_draws(tree, group: str, var: str = "movement") -> tuple[np.ndarray, np.ndarray]:
    """(sample, observation) predictive draws of ``var`` from ``group`` and the observed data,
    flattened in the same (municipality, phase, stream) order."""
    rep = tree[group][var]
    dims = [d for d in rep.dims if d not in ("chain", "draw")]
    rep = rep.stack(sample=("chain", "draw")).transpose("sample", *dims)
    obs = tree["observed_data"][var].transpose(*dims)
    return rep.to_numpy().reshape(rep.shape[0], -1), obs.to_numpy().ravel()


def _calibration_panel(ax, cal: pd.DataFrame, colour: str, title: str, ci_prob: float) -> None:
    # Many observations: thinner, translucent ticks, so the rug shows density rather than a bar.
    many = len(cal) > 400
    ax.fill_between(cal["predicted"], cal["lower"], cal["upper"], step="post", color=colour, alpha=0.25, lw=0,
                    label=f"{ci_prob:.0%} band of the fit to replicated data")
    ax.step(cal["predicted"], cal["cep"], where="post", color=colour, lw=1.6, label="isotonic fit to observed data")
    ax.plot([0, 1], [0, 1], color="#555555", ls="--", lw=0.7, label="perfect calibration")
    rng = np.random.default_rng(1)
    jitter = rng.uniform(-0.012, 0.012, len(cal))
    ax.scatter(cal["predicted"], cal["observed"] * 1.06 - 0.03 + jitter, marker="|", s=25, color="black",
               lw=0.3 if many else 0.6, alpha=0.25 if many else 1.0, label="observed movement (0 or 1)",
               clip_on=False)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.06, 1.06)
    ax.set_aspect("equal")
    ax.set_xlabel("Predicted probability that a stream moves")
    ax.set_ylabel("Conditional event probability")
    ax.set_title(title, fontweight="bold")
    ax.grid(color="#EEEEEE", lw=0.5)


@styled
def predictive_checks(prior, posterior, window_table: pd.DataFrame, ci_prob: float = 0.89) -> Figure:
    """Prior predictive distributions, PAV calibration (prior and posterior) and the
    posterior predictive probability of every observed movement.

    ``prior``: DataTree with ``prior`` (stream_movement, window_probability),
    ``prior_predictive`` and ``observed_data`` (``results/prior/prior_predictive.nc``);
    ``posterior``: the main fit with ``posterior_predictive`` and ``observed_data``;
    ``window_table``: ``results/tables/window_probability.csv``. Each row of panels is a
    subfigure with its legend below the panels, so no legend covers a line. Above
    ``scale.MAX_LISTED_MUNICIPALITIES`` municipalities the bottom panel counts municipalities per
    bin of that probability instead of showing each one (:func:`_ppp_histogram`).
    """
    municipalities = sorted_municipalities(window_table["municipality"])
    fig = plt.figure(figsize=(7.0, 8.4), layout="constrained")
    top, middle, bottom = fig.subfigures(3, 1, height_ratios=[2.25, 3.25, 2.6])

    ax_theta, ax_pi = top.subplots(1, 2)
    bins = np.linspace(0, 1, 41)
    observed = prior["observed_data"]["movement"]
    theta = prior["prior"]["stream_movement"]
    ax_theta.hist(theta.to_numpy().ravel(), bins=bins, density=True, color=OKABE_ITO["sky"], edgecolor="white",
                  lw=0.3)
    share = float(observed.mean())
    ax_theta.axvline(share, color="black", lw=1.1, ls="--")
    ax_theta.annotate(f"observed share of\nmoving streams: {share:.2f}", xy=(share, 0.98),
                      xycoords=("data", "axes fraction"), xytext=(-4, 0), textcoords="offset points", ha="right",
                      va="top", fontsize=7)
    ax_theta.set_ylim(0, ax_theta.get_ylim()[1] * 1.5)
    ax_theta.set_xlabel("θ: probability that a stream moves")
    ax_theta.set_ylabel("Prior density")
    ax_theta.set_title("Prior predictive: θ", fontweight="bold")
    pi = prior["prior"]["window_probability"]
    handles = []
    for phase, ls in zip(PHASES, ("-", "--")):
        values = pi.sel(phase=phase).to_numpy().ravel()
        windows = float(observed.sel(phase=phase).all("stream").mean())
        ax_pi.hist(values, bins=bins, density=True, histtype="step", lw=1.3, ls=ls, color=PHASE_COLOURS[phase])
        ax_pi.axvline(windows, color=PHASE_COLOURS[phase], lw=1.0, ls=":")
        handles.append(Line2D([], [], color=PHASE_COLOURS[phase], lw=1.3, ls=ls,
                              label=f"{PHASE_LABELS[phase]} (dotted: observed share {windows:.2f})"))
    ax_pi.set_xlabel("π: probability that the window opens")
    ax_pi.set_ylabel("Prior density")
    ax_pi.set_title("Prior predictive: π per phase", fontweight="bold")
    top.legend(handles=handles, loc="outside lower right", ncol=1, frameon=False)

    ax_prior, ax_post = middle.subplots(1, 2)
    rep, obs = predictive_draws(prior, "prior_predictive")
    _calibration_panel(ax_prior, pava_calibration(rep, obs, ci_prob), OKABE_ITO["grey"],
                       "Prior predictive calibration", ci_prob)
    rep, obs = predictive_draws(posterior, "posterior_predictive")
    _calibration_panel(ax_post, pava_calibration(rep, obs, ci_prob), OKABE_ITO["blue"],
                       "Posterior predictive calibration", ci_prob)
    handles = [
        Patch(facecolor="#777777", alpha=0.3, label=f"{ci_prob:.0%} band of the fit to replicated data"),
        Line2D([], [], color="#555555", lw=1.6, label="isotonic (PAV) fit to the observed data"),
        Line2D([], [], color="#555555", lw=0.7, ls="--", label="perfect calibration"),
        Line2D([], [], color="black", marker="|", ls="", ms=6, label="observed movement (0 or 1)"),
    ]
    middle.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)

    ax_ppp = bottom.subplots(1, 1)
    rows = [(p, s) for p in PHASES for s in STREAMS]
    if not lists_municipalities(len(municipalities)):
        _ppp_histogram(bottom, ax_ppp, window_table, rows)
        fig.suptitle("Predictive checks: what the priors imply and how well the fit reproduces the data",
                     fontweight="bold")
        return fig
    indexed = window_table.set_index(["municipality", "phase"])
    values = np.array([[indexed.loc[(m, p), f"ppp_observed_{s}"] for m in municipalities] for p, s in rows])
    moved = np.array([[indexed.loc[(m, p), f"movement_{s}"] for m in municipalities] for p, s in rows])
    image = ax_ppp.imshow(values, cmap="cividis", vmin=0, vmax=1, aspect="auto")
    if len(municipalities) <= 20:
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                ax_ppp.text(j, i, f"{values[i, j]:.2f} {'●' if moved[i, j] else '○'}", ha="center", va="center",
                            fontsize=7, color="black" if values[i, j] > 0.55 else "white")
    ax_ppp.set_yticks(range(len(rows)), [f"{'Agenda' if p == 'agenda' else 'Instit.'} · {STREAM_LABELS[s]}"
                                         for p, s in rows])
    ax_ppp.set_xticks(range(len(municipalities)), [municipality_label(m) for m in municipalities],
                      rotation=90 if len(municipalities) > 12 else 0)
    ax_ppp.axhline(len(STREAMS) - 0.5, color="white", lw=2)
    ax_ppp.tick_params(length=0)
    for spine in ax_ppp.spines.values():
        spine.set_visible(False)
    ax_ppp.set_xlabel("Municipality  (● stream moved, ○ did not)")
    ax_ppp.set_title("Posterior predictive probability of each observed movement", fontweight="bold")
    bottom.colorbar(image, ax=ax_ppp, label="P(replicate = observed)\n(low = surprising)", fraction=0.05,
                    pad=0.02)
    fig.suptitle("Predictive checks: what the priors imply and how well the fit reproduces the data",
                 fontweight="bold")
    return fig


PPP_BINS = np.linspace(0.0, 1.0, 11)


def _ppp_histogram(subfig, ax, window_table: pd.DataFrame, rows: list[tuple[str, str]]) -> None:
    """Per phase x stream, how many municipalities' observed movement has each posterior
    predictive probability (bins of 0.1, count printed in each cell; low = surprising)."""
    counts = np.array([
        np.histogram(window_table.loc[window_table["phase"] == p, f"ppp_observed_{s}"], bins=PPP_BINS)[0]
        for p, s in rows
    ])
    n_m = int(counts[0].sum())
    image = ax.imshow(counts / max(n_m, 1), cmap="Blues", vmin=0, vmax=max(float(counts.max()) / max(n_m, 1), 1e-9),
                      aspect="auto")
    top = counts.max()
    for i in range(counts.shape[0]):
        for j in range(counts.shape[1]):
            ax.text(j, i, f"{counts[i, j]:,}", ha="center", va="center", fontsize=7,
                    color="white" if counts[i, j] > 0.6 * top else "black")
    ax.set_yticks(range(len(rows)), [f"{'Agenda' if p == 'agenda' else 'Instit.'} · {STREAM_LABELS[s]}"
                                      for p, s in rows])
    ax.set_xticks(np.arange(len(PPP_BINS)) - 0.5, [f"{b:.1f}" for b in PPP_BINS])
    ax.axhline(len(STREAMS) - 0.5, color="white", lw=2)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("P(replicate = observed) of a municipality's observed movement (low = surprising)")
    ax.set_title(f"Posterior predictive probability of the observed movement: municipalities per bin "
                 f"(of {n_m:,})", fontweight="bold")
    subfig.colorbar(image, ax=ax, label="share of\nmunicipalities", fraction=0.05, pad=0.02)
