"""Generative posterior predictive checks at the level the thesis argues: windows.

The model is generative in phase order: agenda movement, then the agenda window (all
three agenda streams move), then institutionalisation movement with ``kappa * window``,
then the institutionalisation window. :func:`simulate_sequential` replays that order per
posterior draw, so the replicated agenda window is the simulated one, not the observed
covariate. :func:`sequential_log_probability` is the probability the same process assigns
to a given movement pattern; for the observed pattern it equals the model's likelihood
(the observed agenda window is a function of the observed agenda movement).

:func:`generative_checks` compares window-level statistics of the observed data with
their replicated distribution; :func:`calibration_checks` compares the observed movement
with the predicted stream probabilities in-sample and leave-one-out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from arviz_stats import loo_expectations
from arviz_stats.base import array_stats
from scipy.special import log_expit

from policy_windows.model import predictor
from policy_windows.constants import PHASES
from policy_windows.summaries.derived import posterior_draws, stream_probability
from policy_windows.data.design import ModelData
from policy_windows.model.simulate import sequential_movement

PROB = 0.89
#: A two-sided posterior predictive p-value below this is reported as a misfit.
PPP_ALERT = 0.05


def simulate_sequential(
    draws: dict, data: ModelData, rng: np.random.Generator, x: np.ndarray | None = None
) -> np.ndarray:
    """One replicated movement array (sample, municipality, phase, stream) per draw, phase by
    phase (:func:`simulate.sequential_movement`, the simulator SBC and recovery use too)."""
    return sequential_movement(draws, data, rng, x)


def sequential_log_probability(draws: dict, data: ModelData, movement: np.ndarray) -> np.ndarray:
    """log P(movement) per draw and municipality, shape (sample, municipality), under the
    sequential process: agenda streams, then institutionalisation given the agenda window
    that ``movement`` itself implies."""
    movement = np.asarray(movement)
    window = movement[:, 0, :].all(axis=-1).astype(float)
    eta = predictor.linear_predictor(draws, data.x, data.factor_group, window)
    logp = np.where(movement[None] == 1, log_expit(eta), log_expit(-eta))
    return logp.sum(axis=(2, 3))


def window_statistics(movement: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """Window-level statistics of movement arrays (..., municipality, phase, stream):
    windows per phase, all-or-nothing phases per phase, necessity violations."""
    movement = np.asarray(movement).astype(bool)
    window = movement.all(axis=-1)
    none = (~movement).all(axis=-1)
    stats = {}
    for p, phase in enumerate(PHASES):
        stats[("windows", phase)] = window[..., p].sum(axis=-1)
        stats[("all_or_nothing", phase)] = (window[..., p] | none[..., p]).sum(axis=-1)
    stats[("necessity_violations", PHASES[1])] = (window[..., 1] & ~window[..., 0]).sum(axis=-1)
    return stats


DESCRIPTIONS = {
    "windows": "open windows",
    "all_or_nothing": "phases in which all three streams move or none does",
    "necessity_violations": "institutionalisation windows without an agenda window",
    "brier_score": "the Brier score of the observed movement against the predictive probabilities (in-sample)",
    "log_score": "the log score of the observed movement against the predictive probabilities (in-sample)",
    "brier_score_loo": "the Brier score of the observed movement against the PSIS-LOO predictive probabilities",
    "brier_score_per_draw": "the Brier score of the observed movement against each draw's probabilities",
}


def _ppp(replicated: np.ndarray, observed) -> float:
    """Two-sided posterior predictive p-value, 2 min(P(T_rep >= T_obs), P(T_rep <= T_obs)), at most 1.
    ``observed`` may be a scalar or paired per draw."""
    upper = float(np.mean(replicated >= observed))
    lower = float(np.mean(replicated <= observed))
    return min(1.0, 2 * min(upper, lower))


def _format_p(p_value: float, n: int) -> str:
    """'p = 0.12', or 'p < 0.0005' when no replicate was as extreme (resolution of n replicates)."""
    if p_value == 0:
        return f"p < {2 / n:.4f}"
    return f"p = {p_value:.3f}" if p_value < PPP_ALERT else f"p = {p_value:.2f}"


def _row(check: str, phase: str, observed: float, replicated: np.ndarray, p_value: float, verdict: str) -> dict:
    lo, hi = array_stats.eti(np.asarray(replicated, dtype=float), PROB)
    return {
        "check": check,
        "phase": phase,
        "observed": float(observed),
        "replicated_mean": float(np.mean(replicated)),
        "replicated_eti89_lb": float(lo),
        "replicated_eti89_ub": float(hi),
        "p_value": p_value,
        "verdict": verdict,
    }


def _count_verdict(check: str, observed: float, replicated: np.ndarray, p_value: float) -> str:
    what = DESCRIPTIONS[check]
    lo, hi = array_stats.eti(np.asarray(replicated, dtype=float), PROB)
    where = (
        f"observed {observed:g}, replicated mean {np.mean(replicated):.2f} (89% interval {lo:g} to {hi:g}), "
        f"{_format_p(p_value, len(replicated))}"
    )
    extra = ""
    if check == "necessity_violations":
        extra = (
            f"; the model does not encode necessity: {np.mean(replicated > 0):.0%} of replicated data sets "
            "have at least one"
        )
    if p_value < PPP_ALERT:
        side = "fewer" if np.mean(replicated) < observed else "more"
        return f"misfit: the model generates {side} {what} than observed ({where}){extra}"
    return f"consistent: the model reproduces the number of {what} ({where}){extra}"


def generative_checks(idata: xr.DataTree, data: ModelData, seed: int, n_replicates: int = 1) -> pd.DataFrame:
    """Window-level posterior predictive checks from the sequential simulator.

    ``n_replicates`` data sets are simulated per posterior draw (seeded). Columns: check,
    phase, observed, replicated_mean, replicated_eti89_lb, replicated_eti89_ub, p_value
    (two-sided), verdict.
    """
    draws = posterior_draws(idata)
    draws = {k: np.repeat(v, n_replicates, axis=0) for k, v in draws.items()}
    replicated = window_statistics(simulate_sequential(draws, data, np.random.default_rng(seed)))
    observed = window_statistics(data.movement)
    rows = []
    for (check, phase), rep in replicated.items():
        obs = float(observed[(check, phase)])
        p = _ppp(rep, obs)
        rows.append(_row(check, phase, obs, rep, p, _count_verdict(check, obs, rep, p)))
    return pd.DataFrame(rows)


def _score_verdict(
    check: str, observed, replicated: np.ndarray, p_value: float, better_when_low: bool, note: str
) -> str:
    """Calibrated, underconfident (observed score better than replicated) or overconfident.
    ``observed`` is a scalar or paired per draw with ``replicated``."""
    worse_replicates = replicated > observed if better_when_low else replicated < observed
    observed_better = np.mean(worse_replicates) > 0.5
    what = DESCRIPTIONS[check]
    where = (
        f"observed {np.mean(observed):.3f}, replicated mean {np.mean(replicated):.3f}, "
        f"{_format_p(p_value, len(replicated))}"
    )
    if p_value >= PPP_ALERT:
        return f"calibrated: {what} is typical of data replicated from those probabilities ({where}).{note}"
    if observed_better:
        return (
            f"underconfident: {what} is better than in data replicated from those probabilities ({where}): "
            f"the observed movement is more predictable than the model says.{note}"
        )
    return (
        f"overconfident: {what} is worse than in data replicated from those probabilities ({where}): "
        f"the observed movement is less predictable than the model says.{note}"
    )


IN_SAMPLE = (" In-sample: the posterior has seen these outcomes, which alone favours this direction; "
             "brier_score_loo does not.")
PER_DRAW = (" Compared with brier_score: if this check passes while that one does not, single draws are sharp "
            "enough and averaging over the uncertain effect sizes pulls the predictions towards 0.5.")


def _score_row(check: str, observed, replicated: np.ndarray, better_when_low: bool, note: str) -> dict:
    p = _ppp(replicated, observed)
    verdict = _score_verdict(check, observed, replicated, p, better_when_low, note)
    return _row(check, "all", float(np.mean(observed)), replicated, p, verdict)


def score_checks(theta: np.ndarray, y: np.ndarray, rng: np.random.Generator, loo=None) -> pd.DataFrame:
    """Calibration of predicted probabilities ``theta`` (sample, observation) against binary
    outcomes ``y`` (observation,), each score compared with its replicated distribution.

    * ``brier_score``/``log_score``: against the predictive probability p = mean of theta
      (what the PAVA panel plots), replicates drawn from the posterior predictive;
    * ``brier_score_loo`` (if ``loo`` = (LOO probabilities, largest Pareto k) is given):
      against probabilities from posteriors that have not seen the observation;
    * ``brier_score_per_draw``: each draw's theta against replicates from that theta.

    An observed score better than the replicated ones means the outcomes are more extreme
    than the predictions (underconfident); worse means overconfident.
    """
    y = np.asarray(y, dtype=float)
    y_rep = (rng.random(theta.shape) < theta).astype(float)
    p_mean = theta.mean(axis=0)
    brier = ((y - p_mean) ** 2).mean(), ((y_rep - p_mean) ** 2).mean(axis=1)
    rows = [_score_row("brier_score", *brier, True, IN_SAMPLE)]
    log_p = np.log(np.clip(p_mean, 1e-12, 1)), np.log(np.clip(1 - p_mean, 1e-12, 1))
    log_score = np.where(y == 1, *log_p).sum(), np.where(y_rep == 1, *log_p).sum(axis=1)
    rows.append(_score_row("log_score", *log_score, False, IN_SAMPLE))
    if loo is not None:
        p_loo, khat = loo
        rep = (rng.random(theta.shape) < p_loo).astype(float)
        brier_loo = ((y - p_loo) ** 2).mean(), ((rep - p_loo) ** 2).mean(axis=1)
        rows.append(_score_row("brier_score_loo", *brier_loo, True, f" Largest Pareto k {khat:.2f}."))
    per_draw = ((y - theta) ** 2).mean(axis=1), ((y_rep - theta) ** 2).mean(axis=1)
    rows.append(_score_row("brier_score_per_draw", *per_draw, True, PER_DRAW))
    return pd.DataFrame(rows)


def calibration_checks(idata: xr.DataTree, data: ModelData, seed: int) -> pd.DataFrame:
    """:func:`score_checks` for the fit's stream probabilities (given the observed agenda
    window, as the likelihood conditions) against the observed movement, with PSIS-LOO
    probabilities from ``arviz_stats.loo_expectations``.

    The in-sample rows are conservative towards "underconfident" because the posterior has
    seen the outcomes; the LOO row is not. If the per-draw row is calibrated while the
    predictive mean is underconfident, single draws are sharp enough and the predictions are
    pulled towards 0.5 by averaging over the posterior's uncertainty about effect sizes.
    """
    draws = posterior_draws(idata)
    theta = stream_probability(draws, data)
    flat = theta.reshape(theta.shape[0], -1)
    loo = _loo_probabilities(idata, theta)
    return score_checks(flat, data.movement.ravel(), np.random.default_rng(seed), loo=loo)


def _loo_probabilities(idata: xr.DataTree, theta: np.ndarray) -> tuple[np.ndarray, float]:
    """PSIS-LOO predictive probability of every stream observation (flattened) and the
    largest Pareto k, via ``arviz_stats.loo_expectations``."""
    post = idata["posterior"]
    dims = ("chain", "draw", "municipality", "phase", "stream")
    loglik = idata["log_likelihood"]["movement"].transpose(*dims)
    coords = {d: loglik[d].values for d in dims}
    shape = (post.sizes["chain"], post.sizes["draw"], *theta.shape[1:])
    tree = xr.DataTree.from_dict({
        "posterior": xr.Dataset({"theta": (dims, theta.reshape(shape))}, coords=coords),
        "log_likelihood": xr.Dataset({"movement": loglik}),
    })
    p_loo, khat = loo_expectations(tree, var_name="theta", group="posterior", log_likelihood_var_name="movement")
    return np.clip(p_loo.to_numpy().ravel(), 0.0, 1.0), float(np.max(khat))
