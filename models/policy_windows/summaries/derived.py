"""Quantities derived from the posterior: window probabilities and factor effects.

Every counterfactual recomputes the linear predictor from posterior draws with a modified
factor matrix through :func:`policy_windows.model.predictor.linear_predictor`, the one place the
model's linear predictor is written outside the sampler's kernel. :func:`stream_probability`
and :func:`window_probability` are thin wrappers kept for the simulation code.

Factor effects are reported together with what the coded data can support:
identification (:mod:`policy_windows.summaries.identification`), stream-level versus factor-specific
evidence (:mod:`policy_windows.summaries.evidence`) and average marginal effects only for contrasts
between levels that were actually observed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr
from arviz_base import extract
from arviz_stats.base import array_stats
from scipy.special import expit

from policy_windows.model import predictor
from policy_windows.constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from policy_windows.data.design import ModelData
from policy_windows.summaries.evidence import evidence_label, factor_call, factor_statement, readable, sign_call, stream_contrasts
from policy_windows.summaries.identification import LEVEL_LABELS, factor_identification

INTERVALS = (0.89, 0.95)
#: Parameters that define theta; ``delta`` only exists in fits of the reported-indicator coding.
THETA_PARAMETERS = ("alpha", "beta", "delta", "u", "kappa")


def posterior_draws(idata: xr.DataTree, names=(*THETA_PARAMETERS, "mu")) -> dict[str, np.ndarray]:
    """Posterior draws of ``names`` (those present) with chain and draw flattened into a
    leading sample axis, in chain-major order."""
    present = [n for n in names if n in idata["posterior"].data_vars]
    stacked = extract(idata, var_names=present, keep_dataset=True)
    return {n: stacked[n].transpose("sample", ...).to_numpy() for n in present}


def identification_for(idata: xr.DataTree, data: ModelData, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """:func:`~policy_windows.summaries.identification.factor_identification` for the model that was
    fitted, read off its posterior: coupling if it has ``kappa``, propensities if ``u``, the
    reported-indicator coding if ``delta``."""
    post = idata["posterior"].data_vars
    return factor_identification(
        data, coupling="kappa" in post, municipality_effect="u" in post, reported_indicator="delta" in post,
        names=names,
    )


#: Draws per block when a quantity is computed block by block (:func:`by_draw_blocks`).
DRAW_BLOCK = 32


def by_draw_blocks(compute, draws: Mapping[str, np.ndarray], block: int = DRAW_BLOCK) -> np.ndarray:
    """``compute(draws)`` for blocks of ``block`` draws, concatenated along the draw axis.

    Every draw is computed on its own, so the result is the same, bit for bit, as one call on
    all draws; but the (draw, municipality, phase, stream) intermediates of a block stay small
    enough for the processor's cache, which with hundreds of municipalities and thousands of
    draws makes the summaries about three times faster.
    """
    n = next(iter(draws.values())).shape[0]
    return np.concatenate([compute({k: v[i:i + block] for k, v in draws.items()}) for i in range(0, n, block)])


def stream_probability(draws: dict[str, np.ndarray], data: ModelData, x: np.ndarray | None = None) -> np.ndarray:
    """theta with shape (sample, municipality, phase, stream) for factor codes ``x``
    (default: the observed codes), with the observed agenda window as coupling covariate."""
    x = data.x if x is None else x
    return by_draw_blocks(lambda d: predictor.stream_probability(d, x, data.factor_group, data.agenda_window), draws)


def window_probability(theta: np.ndarray) -> np.ndarray:
    """Kingdon: a window opens when all three streams move, so pi is the product over streams."""
    return predictor.window_probability(theta)


def phase_window_probability(draws: dict[str, np.ndarray], x: np.ndarray, factor_group: np.ndarray,
                             agenda_window: np.ndarray, phase: int) -> np.ndarray:
    """pi of one phase, (sample, municipality): :func:`window_probability` of that phase's
    stream probabilities, the other phase's streams left out (a counterfactual of one factor
    changes one phase's window, and the logistic function is most of the cost)."""
    eta = predictor.linear_predictor(draws, x, factor_group, agenda_window)
    return predictor.window_probability(expit(eta[:, :, phase, :]))


def summarise(samples: np.ndarray, prefix: str = "", scale: float = 1.0) -> dict[str, float]:
    """Mean, sd and equal-tailed 89% and 95% intervals of a 1-D sample."""
    s = np.asarray(samples, dtype=float) * scale
    out = {f"{prefix}mean": float(s.mean()), f"{prefix}sd": float(s.std(ddof=1))}
    for prob in INTERVALS:
        lo, hi = array_stats.eti(s, prob)
        pct = int(round(prob * 100))
        out[f"{prefix}eti{pct}_lb"] = float(lo)
        out[f"{prefix}eti{pct}_ub"] = float(hi)
    return out


def summarise_columns(samples: np.ndarray, prefix: str = "", scale: float = 1.0) -> dict[str, np.ndarray]:
    """:func:`summarise` of every column of a (sample, column) array at once: the same numbers,
    bit for bit (each column is reduced as one contiguous row), one array per statistic."""
    s = np.ascontiguousarray((np.asarray(samples, dtype=float) * scale).T)
    out = {f"{prefix}mean": s.mean(axis=1), f"{prefix}sd": s.std(axis=1, ddof=1)}
    # every interval's bounds in one quantile call (one partial sort), the probabilities as eti takes them
    edges = [(1 - prob) / 2 for prob in INTERVALS]
    bounds = array_stats.quantile(s, [q for edge in edges for q in (edge, 1 - edge)], axis=-1)
    for k, prob in enumerate(INTERVALS):
        pct = int(round(prob * 100))
        out[f"{prefix}eti{pct}_lb"] = bounds[:, 2 * k]
        out[f"{prefix}eti{pct}_ub"] = bounds[:, 2 * k + 1]
    return out


def _empty_summary(prefix: str) -> dict[str, float]:
    return {k: np.nan for k in summarise(np.zeros(2), prefix)}


def set_factor(x: np.ndarray, f: int, value: float, rows=slice(None)) -> np.ndarray:
    """A copy of ``x`` with factor ``f`` set to ``value`` in ``rows``."""
    x = x.copy()
    x[rows, f] = value
    return x


def average_marginal_effect(draws: dict, data: ModelData, factor: str, high: float, low: float) -> np.ndarray:
    """Per-draw change in the factor's phase window probability, averaged over municipalities."""
    return average_marginal_effects(draws, data, {factor: (high, low)})[factor]


def average_marginal_effects(
    draws: dict, data: ModelData, contrasts: Mapping[str, tuple[float, float]]
) -> dict[str, np.ndarray]:
    """:func:`average_marginal_effect` of several factors (factor -> (high, low)) in one pass.

    A municipality already coded ``high`` has the window probability it has now when the factor
    is set to ``high``, and likewise for ``low``; so, per block of draws, the observed design's
    window probabilities are computed once and a factor's counterfactual only for the
    municipalities whose code it changes (about a third less work with three levels)."""
    index = {factor: data.factors.index(factor) for factor in contrasts}

    def effects(d: dict) -> np.ndarray:
        now = window_probability(predictor.stream_probability(d, data.x, data.factor_group, data.agenda_window))
        out = []
        for factor, (high, low) in contrasts.items():
            f = index[factor]
            p = data.factor_phase[f]
            pis = []
            for level in (high, low):
                pi = now[:, :, p].copy()
                rows = np.flatnonzero(data.x[:, f] != level)
                if len(rows):
                    mine = {k: (v[:, rows] if k == "u" else v) for k, v in d.items()}
                    pi[:, rows] = phase_window_probability(mine, set_factor(data.x[rows], f, level), data.factor_group,
                                                           data.agenda_window[rows], p)
                pis.append(pi)
            out.append((pis[0] - pis[1]).mean(axis=1))
        return np.stack(out, axis=1) if out else np.zeros((len(next(iter(d.values()))), 0))

    samples = by_draw_blocks(effects, draws)
    return {factor: samples[:, k] for k, factor in enumerate(contrasts)}


def _ames(draws: dict, data: ModelData, f: int, identification: str, samples: np.ndarray | None = None) -> dict:
    """The contrast between the highest and lowest observed level (``ame_pp_observed_*``),
    and "+1 vs -1" only where both levels were observed (otherwise NaN, reason in ``ame_note``).

    "+1 vs 0" is not reported: with linear -1/0/+1 coding it is half of "+1 vs -1" on the
    logit scale by construction, not a separate estimate.
    """
    seen = sorted({int(v) for v in data.x[:, f]})
    row = {"ame_contrast_observed": "", **_empty_summary("ame_pp_observed_"),
           **_empty_summary("ame_pp_plus_vs_minus_")}
    if identification == "not identified":
        return row | {"ame_note": "not identified: no contrast reported"}
    lo, hi = seen[0], seen[-1]
    if samples is None:
        samples = average_marginal_effect(draws, data, data.factors[f], float(hi), float(lo))
    row["ame_contrast_observed"] = f"{LEVEL_LABELS[hi]} vs {LEVEL_LABELS[lo]}"
    row.update(summarise(samples, "ame_pp_observed_", 100))
    if (lo, hi) == (-1, 1):
        row.update(summarise(samples, "ame_pp_plus_vs_minus_", 100))
        return row | {"ame_note": ""}
    missing = " and ".join(LEVEL_LABELS[v] for v in (-1, 1) if v not in seen)
    return row | {"ame_note": f"+1 vs -1 not reported: level {missing} never observed"}


def factor_effects(idata: xr.DataTree, data: ModelData, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per factor: data support and identification, beta, stream-level versus factor-specific
    evidence, the calls made from them, average marginal effects (percentage points) for
    observed contrasts only, and a ``statement`` generated from those numbers.

    ``names``: optional mapping factor id -> English name (the codebook's ``name_en``).
    """
    draws = posterior_draws(idata)
    support = identification_for(idata, data, names).set_index("factor")
    contrasts = stream_contrasts(draws, data).set_index("factor")
    # every reported contrast (highest vs lowest observed level) in one pass over the draws
    observed = {factor: (float(data.x[:, f].max()), float(data.x[:, f].min())) for f, factor in enumerate(data.factors)
                if support.loc[factor, "identification"] != "not identified"}
    ames = average_marginal_effects(draws, data, observed)
    rows = []
    for f, factor in enumerate(data.factors):
        ident = support.loc[factor, "identification"]
        row = {
            "factor": factor,
            "name": (names or {}).get(factor, readable(factor, names)),
            "phase": PHASES[data.factor_phase[f]],
            "stream": STREAMS[data.factor_stream[f]],
            "origin": data.factor_origin[f],
            "highlighted": factor in HIGHLIGHTED_FACTORS,
            **support.loc[factor].to_dict(),
        }
        row.update(summarise(draws["beta"][:, f], "beta_"))
        row.update(contrasts.loc[factor].to_dict())
        row["sign_call"] = sign_call(row["p_beta_positive"], ident)
        row["evidence"] = evidence_label(ident, row["p_beta_above_mu"])
        row["call"] = factor_call(ident, row["p_beta_positive"], row["p_beta_above_mu"])
        row.update(_ames(draws, data, f, ident, ames.get(factor)))
        row["statement"] = factor_statement(row, names)
        rows.append(row)
    return pd.DataFrame(rows)


def describe_effect(row: Mapping, n_municipalities: int | None = None, names: Mapping[str, str] | None = None) -> str:
    """The statement for one row of :func:`factor_effects` (kept for the walkthrough notebook;
    ``n_municipalities`` is no longer needed because the row carries its own counts)."""
    return factor_statement(row, names)


def window_table(idata: xr.DataTree, data: ModelData) -> pd.DataFrame:
    """pi per municipality and phase beside the observed window, with the observed movement's
    posterior predictive probability per stream."""
    draws = posterior_draws(idata)
    theta = stream_probability(draws, data)
    pi = window_probability(theta)
    rows = []
    for m, municipality in enumerate(data.municipalities):
        for p, phase in enumerate(PHASES):
            row = {"municipality": municipality, "phase": phase, "observed_window": int(data.window[m, p])}
            row.update(summarise(pi[:, m, p], "window_probability_"))
            for s, stream in enumerate(STREAMS):
                y = data.movement[m, p, s]
                prob_obs = theta[:, m, p, s] if y == 1 else 1 - theta[:, m, p, s]
                row[f"movement_{stream}"] = int(y)
                row[f"ppp_observed_{stream}"] = float(prob_obs.mean())
            rows.append(row)
    return pd.DataFrame(rows)
