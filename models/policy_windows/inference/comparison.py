"""Model comparison: PSIS-LOO per observation and exact leave-one-municipality-out (LOMO).

How far the standard error of an elpd difference can be trusted (Sivula, Magnusson,
Matamoros and Vehtari 2022, "Uncertainty in Bayesian leave-one-out cross-validation based
model comparison"): the normal approximation with that SE is poorly calibrated when the
models' predictions are close (|elpd difference| < 4) or the number of independent units
is small. LOMO has 8 units here. Each row's ``note`` says which caveat applies, and the
table gives no "significance": the figure shows differences without whiskers.

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

from policy_windows.model.configuration import Configuration, Priors
from policy_windows.data.design import ModelData
from policy_windows.model.predictor import stream_probability
from policy_windows.inference.sampler import KernelModel, SamplerSettings, divergences, fit, predictor_draws


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


def lomo_elpd(
    compiled: KernelModel, data: ModelData, config: Configuration, priors: Priors, settings: SamplerSettings,
    log=None,
) -> pd.DataFrame:
    """Exact leave-one-municipality-out: one refit per municipality on one compiled kernel.

    The left-out municipality gets likelihood weight 0, so its propensity u is drawn from
    the population; its six observations are then scored jointly.
    """
    rows = []
    for m, municipality in enumerate(data.municipalities):
        weight = np.ones_like(data.movement, dtype=float)
        weight[m] = 0.0
        refit = fit(compiled, data, config, priors, settings, weights=weight, derived=False, checks=False)
        draws = predictor_draws(refit["posterior"].to_dataset(), data, config)
        theta = stream_probability(draws, data.x, data.factor_group, data.agenda_window)
        ll = municipality_loglik(theta, data.movement)[:, m]
        rows.append(
            {
                "municipality": municipality,
                "elpd": float(logsumexp(ll) - np.log(ll.size)),
                "divergences": divergences(refit),
            }
        )
        if log is not None:
            log.info(
                "LOMO %s fold %d/%d (without %s): elpd %.3f, %d divergences, %.1f s",
                config.name, m + 1, data.n_municipalities, municipality, rows[-1]["elpd"],
                rows[-1]["divergences"], refit.attrs["sampling_seconds"],
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


SIVULA_CLOSE = 4.0  # |elpd difference| below which the SE is unreliable (Sivula et al. 2022)


def comparison_table(fits: dict[str, xr.DataTree], lomo: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """PSIS-LOO and exact LOMO rows for every model, with a reliability note per difference."""
    table = pd.concat([loo_table(fits), lomo_table(lomo)], ignore_index=True)
    notes = []
    for row in table.itertuples():
        if row.rank == 0:
            notes.append("best by this method")
        elif abs(row.elpd_diff) < SIVULA_CLOSE:
            notes.append(
                f"|difference| < {SIVULA_CLOSE:g}: too close for its SE to be trusted "
                f"({row.n_points} units; Sivula et al. 2022)"
            )
        else:
            notes.append(f"difference of {row.elpd_diff:.1f} elpd over {row.n_points} units")
    return table.assign(note=notes)


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
