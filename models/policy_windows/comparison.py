"""Model comparison: PSIS-LOO per observation and exact leave-one-municipality-out (LOMO).

LOO leaves out one stream observation at a time and is cheap but, with 48 correlated
observations, optimistic about predicting a new municipality. LOMO refits without one
municipality and scores all six of its observations jointly, integrating its propensity
u over the fitted population; it answers the question a new municipality asks.
"""

from __future__ import annotations

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import logsumexp

from .design import ModelData
from .fitting import SamplerSettings, divergences, sample_compiled


def loo_table(fits: dict[str, xr.DataTree]) -> pd.DataFrame:
    """PSIS-LOO elpd per variant with Pareto-k diagnostics, best first."""
    rows = []
    for name, idata in fits.items():
        loo = az.loo(idata, pointwise=True)
        k = np.asarray(loo.pareto_k).ravel()
        rows.append(
            {
                "variant": name,
                "elpd": float(loo.elpd),
                "se": float(loo.se),
                "p_eff": float(loo.p),
                "pareto_k_max": float(k.max()),
                "n_pareto_k_gt_0_7": int((k > 0.7).sum()),
                "pointwise": np.asarray(loo.elpd_i).ravel(),
            }
        )
    return _with_differences(pd.DataFrame(rows), method="psis_loo")


def municipality_loglik(theta: np.ndarray, movement: np.ndarray) -> np.ndarray:
    """Joint log-likelihood of each municipality's six stream observations, per draw.

    theta: (sample, municipality, phase, stream); movement: (municipality, phase, stream).
    """
    theta = np.clip(theta, 1e-12, 1 - 1e-12)
    ll = movement[None] * np.log(theta) + (1 - movement[None]) * np.log1p(-theta)
    return ll.sum(axis=(2, 3))


def lomo_elpd(compiled, data: ModelData, settings: SamplerSettings) -> pd.DataFrame:
    """Exact leave-one-municipality-out: one refit per municipality on one compiled model.

    The compiled model must come from ``build_model(..., likelihood="weighted")``; the
    left-out municipality gets weight 0, so its propensity is drawn from the population.
    """
    rows = []
    for m, municipality in enumerate(data.municipalities):
        weight = np.ones_like(data.movement, dtype=float)
        weight[m] = 0.0
        fit = sample_compiled(compiled, settings, obs_weight=weight)
        theta = (
            fit["posterior"]["stream_movement"]
            .stack(sample=("chain", "draw"))
            .transpose("sample", ...)
            .to_numpy()
        )
        ll = municipality_loglik(theta, data.movement)[:, m]
        rows.append(
            {
                "municipality": municipality,
                "elpd": float(logsumexp(ll) - np.log(ll.size)),
                "divergences": divergences(fit),
            }
        )
    return pd.DataFrame(rows)


def lomo_table(per_municipality: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Summed LOMO elpd per variant, with paired differences to the best variant."""
    rows = []
    for name, table in per_municipality.items():
        pointwise = table["elpd"].to_numpy()
        rows.append(
            {
                "variant": name,
                "elpd": float(pointwise.sum()),
                "se": float(np.sqrt(pointwise.size * pointwise.var(ddof=1))),
                "p_eff": np.nan,
                "pareto_k_max": np.nan,
                "n_pareto_k_gt_0_7": 0,
                "pointwise": pointwise,
            }
        )
    return _with_differences(pd.DataFrame(rows), method="lomo_exact")


def _with_differences(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """elpd difference to the best variant and the SE of that paired difference."""
    table = table.sort_values("elpd", ascending=False).reset_index(drop=True)
    best = table.loc[0, "pointwise"]
    diffs, dses = [], []
    for pointwise in table["pointwise"]:
        d = best - pointwise
        diffs.append(float(d.sum()))
        dses.append(float(np.sqrt(d.size * d.var(ddof=1))) if d.any() else 0.0)
    table["elpd_diff"] = diffs
    table["dse"] = dses
    table["method"] = method
    table["rank"] = np.arange(len(table))
    table["n_points"] = [len(p) for p in table["pointwise"]]
    return table.drop(columns="pointwise")[
        ["method", "rank", "variant", "elpd", "se", "elpd_diff", "dse", "p_eff", "pareto_k_max", "n_pareto_k_gt_0_7", "n_points"]
    ]
