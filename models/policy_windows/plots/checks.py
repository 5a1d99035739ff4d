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
from scipy.optimize import isotonic_regression

from ..constants import PHASES, STREAMS
from .style import OKABE_ITO, PHASE_COLOURS, PHASE_LABELS, STREAM_LABELS, municipality_label, styled


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
    ax.fill_between(cal["predicted"], cal["lower"], cal["upper"], step="post", color=colour, alpha=0.2, lw=0,
                    label=f"{ci_prob:.0%} band from replicated data")
    ax.step(cal["predicted"], cal["cep"], where="post", color=colour, lw=2.2, label="isotonic fit to observed")
    ax.plot([0, 1], [0, 1], color="#555555", ls="--", lw=0.9, label="perfect calibration")
    rng = np.random.default_rng(1)
    jitter = rng.uniform(-0.012, 0.012, len(cal))
    ax.scatter(cal["predicted"], cal["observed"] * 1.04 - 0.02 + jitter, marker="|", s=60, color="black", lw=0.8,
               label="observed movement (0/1)", clip_on=False)
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.05, 1.05)
    ax.set_aspect("equal")
    ax.set_xlabel("Predicted probability that the stream moves")
    ax.set_ylabel("Conditional event probability")
    ax.set_title(title, fontweight="bold")
    ax.grid(color="#EEEEEE", lw=0.6)


@styled
def predictive_checks(prior, posterior, window_table: pd.DataFrame, ci_prob: float = 0.89) -> Figure:
    """Prior predictive distributions, PAV calibration (prior and posterior) and the
    posterior predictive probability of every observed movement.

    ``prior``: DataTree with ``prior`` (stream_movement, window_probability),
    ``prior_predictive`` and ``observed_data`` (``results/prior/prior_predictive.nc``);
    ``posterior``: the full fit with ``posterior_predictive`` and ``observed_data``;
    ``window_table``: ``results/tables/window_probability.csv``.
    """
    fig = plt.figure(figsize=(16, 9.6), layout="constrained")
    grid = fig.add_gridspec(2, 4, width_ratios=[1, 1, 0.95, 0.05])
    ax_theta = fig.add_subplot(grid[0, 0])
    ax_pi = fig.add_subplot(grid[0, 1])
    ax_prior = fig.add_subplot(grid[1, 0])
    ax_post = fig.add_subplot(grid[1, 1])
    ax_ppp = fig.add_subplot(grid[:, 2])
    ax_bar = fig.add_subplot(grid[:, 3])

    bins = np.linspace(0, 1, 41)
    observed = prior["observed_data"]["movement"]
    theta = prior["prior"]["stream_movement"]
    ax_theta.hist(theta.to_numpy().ravel(), bins=bins, density=True, color=OKABE_ITO["sky"], edgecolor="white", lw=0.4)
    share = float(observed.mean())
    ax_theta.axvline(share, color="black", lw=1.6, ls="--", label=f"observed share of moving streams ({share:.2f})")
    ax_theta.set_xlabel("θ: probability that a stream moves")
    ax_theta.set_ylabel("Prior density")
    ax_theta.set_title("Prior predictive: stream movement θ", fontweight="bold")
    ax_theta.legend(loc="upper center", frameon=True, framealpha=1.0, edgecolor="white")
    ax_theta.set_ylim(0, ax_theta.get_ylim()[1] * 1.2)

    pi = prior["prior"]["window_probability"]
    for phase in PHASES:
        values = pi.sel(phase=phase).to_numpy().ravel()
        ax_pi.hist(values, bins=bins, density=True, histtype="step", lw=2.0, color=PHASE_COLOURS[phase],
                   label=f"{PHASE_LABELS[phase]}: observed share {float(observed.sel(phase=phase).all('stream').mean()):.2f}")
        windows = float(observed.sel(phase=phase).all("stream").mean())
        ax_pi.axvline(windows, color=PHASE_COLOURS[phase], lw=1.4, ls="--")
    ax_pi.set_xlabel("π: probability that the window opens (θ³ scale)")
    ax_pi.set_ylabel("Prior density")
    ax_pi.set_title("Prior predictive: window probability π", fontweight="bold")
    ax_pi.legend(loc="upper right", frameon=True, framealpha=1.0, edgecolor="white",
                 title="phase (dashed line: observed share)")

    rep, obs = predictive_draws(prior, "prior_predictive")
    _calibration_panel(ax_prior, pava_calibration(rep, obs, ci_prob), OKABE_ITO["grey"],
                       "Prior predictive calibration (PAVA)", ci_prob)
    ax_prior.text(0.97, 0.12, "Before the data, every\nstream's predicted\nprobability is near 0.5",
                  transform=ax_prior.transAxes, ha="right", va="bottom", fontsize=8.5, color="#333333",
                  bbox={"fc": "white", "ec": "none", "alpha": 0.9})
    rep, obs = predictive_draws(posterior, "posterior_predictive")
    _calibration_panel(ax_post, pava_calibration(rep, obs, ci_prob), OKABE_ITO["blue"],
                       "Posterior predictive calibration (PAVA)", ci_prob)
    ax_post.legend(loc="upper left", frameon=True, framealpha=0.9, fontsize=8)

    municipalities = sorted(window_table["municipality"].unique(), key=lambda m: (str(type(m)), m))
    columns = [(p, s) for p in PHASES for s in STREAMS]
    indexed = window_table.set_index(["municipality", "phase"])
    values = np.array([[indexed.loc[(m, p), f"ppp_observed_{s}"] for p, s in columns] for m in municipalities])
    moved = np.array([[indexed.loc[(m, p), f"movement_{s}"] for p, s in columns] for m in municipalities])
    image = ax_ppp.imshow(values, cmap="cividis", vmin=0, vmax=1, aspect="auto")
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax_ppp.text(j, i, f"{values[i, j]:.2f}\n{'moved' if moved[i, j] else 'still'}", ha="center", va="center",
                        fontsize=8, color="black" if values[i, j] > 0.55 else "white")
    ax_ppp.set_xticks(range(len(columns)), [f"{'Agenda' if p == 'agenda' else 'Instit.'}\n{STREAM_LABELS[s]}"
                                            for p, s in columns], fontsize=8.5)
    ax_ppp.set_yticks(range(len(municipalities)), [municipality_label(m) for m in municipalities])
    ax_ppp.axvline(len(STREAMS) - 0.5, color="white", lw=3)
    ax_ppp.tick_params(length=0)
    for spine in ax_ppp.spines.values():
        spine.set_visible(False)
    ax_ppp.set_title("Posterior predictive probability\nof each observed movement", fontweight="bold")
    ax_ppp.set_ylabel("Municipality")
    fig.colorbar(image, cax=ax_bar, label="P(replicate = observed)  (low = surprising)")
    fig.suptitle("Predictive checks for stream movement: what the priors imply, and how well the fit reproduces the data",
                 fontweight="bold")
    return fig
