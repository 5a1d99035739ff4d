"""Quantities derived from the posterior: window probability, factor effects, what-if gains.

All counterfactuals recompute the linear predictor from posterior draws with a modified
factor matrix, using :func:`stream_probability`, which mirrors ``model.build_model``
(a test checks the two agree on the fitted data).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import expit

from .constants import HIGHLIGHTED_FACTORS, PHASES, STREAMS
from .design import ModelData

INTERVALS = (0.89, 0.95)


def posterior_draws(idata: xr.DataTree, names=("alpha", "beta", "u", "kappa")) -> dict[str, np.ndarray]:
    """Flatten chain x draw into one sample axis for the parameters that define theta."""
    post = idata["posterior"]
    out = {}
    for name in names:
        if name in post.data_vars:
            da = post[name].stack(sample=("chain", "draw")).transpose("sample", ...)
            out[name] = da.to_numpy()
    return out


def stream_probability(draws: dict[str, np.ndarray], data: ModelData, x: np.ndarray | None = None) -> np.ndarray:
    """theta with shape (sample, municipality, phase, stream) for factor codes ``x``."""
    x = data.x if x is None else x
    n_groups = len(PHASES) * len(STREAMS)
    one_hot = np.zeros((len(data.factors), n_groups))
    one_hot[np.arange(len(data.factors)), data.factor_group] = 1.0
    # (sample, municipality, group)
    block = np.einsum("mf,sf,fg->smg", x, draws["beta"], one_hot)
    eta = draws["alpha"][:, None, :, :] + block.reshape(block.shape[0], x.shape[0], len(PHASES), len(STREAMS))
    if "u" in draws:
        eta = eta + draws["u"][:, :, None, None]
    if "kappa" in draws:
        eta[:, :, 1, :] += draws["kappa"][:, None, :] * data.agenda_window[None, :, None]
    return expit(eta)


def window_probability(theta: np.ndarray) -> np.ndarray:
    """Kingdon: a window opens when all three streams move, so pi is the product over streams."""
    return theta.prod(axis=-1)


def summarise(samples: np.ndarray, prefix: str = "", scale: float = 1.0) -> dict[str, float]:
    """Mean, sd and equal-tailed 89% and 95% intervals of a 1-D sample."""
    s = np.asarray(samples, dtype=float) * scale
    out = {f"{prefix}mean": s.mean(), f"{prefix}sd": s.std(ddof=1)}
    for prob in INTERVALS:
        lo, hi = np.quantile(s, [(1 - prob) / 2, (1 + prob) / 2])
        pct = int(round(prob * 100))
        out[f"{prefix}eti{pct}_lb"] = lo
        out[f"{prefix}eti{pct}_ub"] = hi
    return out


def _set_factor(x: np.ndarray, f: int, value: float, rows=slice(None)) -> np.ndarray:
    x = x.copy()
    x[rows, f] = value
    return x


def average_marginal_effect(draws: dict, data: ModelData, factor: str, high: float, low: float) -> np.ndarray:
    """Per-draw change in the factor's phase window probability, averaged over municipalities."""
    f = data.factors.index(factor)
    p = data.factor_phase[f]
    pi_high = window_probability(stream_probability(draws, data, _set_factor(data.x, f, high)))[:, :, p]
    pi_low = window_probability(stream_probability(draws, data, _set_factor(data.x, f, low)))[:, :, p]
    return (pi_high - pi_low).mean(axis=1)


def factor_effects(idata: xr.DataTree, data: ModelData) -> pd.DataFrame:
    """Per factor: beta summary, P(beta > 0), and average marginal effects in percentage points."""
    draws = posterior_draws(idata)
    rows = []
    for f, factor in enumerate(data.factors):
        beta = draws["beta"][:, f]
        row = {
            "factor": factor,
            "phase": PHASES[data.factor_phase[f]],
            "stream": STREAMS[data.factor_stream[f]],
            "origin": data.factor_origin[f],
            "highlighted": factor in HIGHLIGHTED_FACTORS,
            "n_present": int((data.x[:, f] == 1).sum()),
            "n_not_reported": int((data.x[:, f] == 0).sum()),
            "n_lacking": int((data.x[:, f] == -1).sum()),
        }
        row.update(summarise(beta, "beta_"))
        row["p_beta_positive"] = float((beta > 0).mean())
        row.update(summarise(average_marginal_effect(draws, data, factor, 1.0, -1.0), "ame_pp_plus_vs_minus_", 100))
        row.update(summarise(average_marginal_effect(draws, data, factor, 1.0, 0.0), "ame_pp_plus_vs_zero_", 100))
        rows.append(row)
    return pd.DataFrame(rows)


def window_table(idata: xr.DataTree, data: ModelData) -> pd.DataFrame:
    """pi per municipality and phase beside the observed window, with the observed movement's
    posterior predictive probability per stream."""
    draws = posterior_draws(idata)
    theta = stream_probability(draws, data)
    pi = window_probability(theta)
    observed = data.window
    rows = []
    for m, municipality in enumerate(data.municipalities):
        for p, phase in enumerate(PHASES):
            row = {"municipality": municipality, "phase": phase, "observed_window": int(observed[m, p])}
            row.update(summarise(pi[:, m, p], "window_probability_"))
            for s, stream in enumerate(STREAMS):
                y = data.movement[m, p, s]
                prob_obs = theta[:, m, p, s] if y == 1 else 1 - theta[:, m, p, s]
                row[f"movement_{stream}"] = int(y)
                row[f"ppp_observed_{stream}"] = float(prob_obs.mean())
            rows.append(row)
    return pd.DataFrame(rows)


def what_if(idata: xr.DataTree, data: ModelData) -> pd.DataFrame:
    """For each municipality and each factor not already +1: the gain in its phase's window
    probability if that factor were +1, best single change first within each municipality."""
    draws = posterior_draws(idata)
    base = window_probability(stream_probability(draws, data))
    rows = []
    for m, municipality in enumerate(data.municipalities):
        for f, factor in enumerate(data.factors):
            if data.x[m, f] == 1:
                continue
            p = data.factor_phase[f]
            changed = window_probability(stream_probability(draws, data, _set_factor(data.x, f, 1.0, rows=m)))
            gain = changed[:, m, p] - base[:, m, p]
            row = {
                "municipality": municipality,
                "phase": PHASES[p],
                "stream": STREAMS[data.factor_stream[f]],
                "factor": factor,
                "current_code": int(data.x[m, f]),
                "window_probability_now": float(base[:, m, p].mean()),
                "window_probability_if_present": float(changed[:, m, p].mean()),
            }
            row.update(summarise(gain, "gain_pp_", 100))
            rows.append(row)
    table = pd.DataFrame(rows)
    table = table.sort_values(["municipality", "gain_pp_mean"], ascending=[True, False], kind="stable")
    table["rank"] = table.groupby("municipality").cumcount() + 1
    return table.reset_index(drop=True)


def describe_effect(row: pd.Series, n_municipalities: int) -> str:
    """A plain-language sentence about one factor that its own numbers support."""
    p = row["p_beta_positive"]
    if p >= 0.975:
        direction = "very probably goes with more movement in"
    elif p >= 0.9:
        direction = "probably goes with more movement in"
    elif p >= 0.75:
        direction = "may go with more movement in"
    elif p > 0.25:
        direction = "has no clear direction of association with"
    elif p > 0.1:
        direction = "may go with less movement in"
    else:
        direction = "probably goes with less movement in"
    lo, hi = row["ame_pp_plus_vs_minus_eti95_lb"], row["ame_pp_plus_vs_minus_eti95_ub"]
    zero = " The interval includes zero, so these data do not rule out no effect." if lo <= 0 <= hi else ""
    return (
        f"{row['factor']} {direction} its {row['phase']} {row['stream']} stream "
        f"(P(beta > 0) = {p:.2f}). Present rather than lacking, it changes the {row['phase']} "
        f"window probability by {row['ame_pp_plus_vs_minus_mean']:+.1f} percentage points on average "
        f"(95% interval {lo:+.1f} to {hi:+.1f}), from {n_municipalities} municipalities of which "
        f"{row['n_present']} have it present and {row['n_lacking']} lacking.{zero}"
    )
