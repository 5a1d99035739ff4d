"""Model comparison: PSIS-LOO per observation and exact cross-validation over municipalities.

How far the standard error of an elpd difference can be trusted (Sivula, Magnusson,
Matamoros and Vehtari 2022, "Uncertainty in Bayesian leave-one-out cross-validation based
model comparison"): the normal approximation with that SE is poorly calibrated when the
models' predictions are close (|elpd difference| < 4) or the number of independent units
(municipalities) is small. Each row's ``note`` says which caveat applies, and the table
gives no "significance": the figure shows differences without whiskers.

LOO leaves out one stream observation at a time and is cheap but, with six correlated
observations per municipality, optimistic about predicting a new municipality. The exact
scheme refits without held-out municipalities and scores all six observations of each of
them jointly, integrating its propensity u over the fitted population; it answers the
question a new municipality asks. Up to ``max_lomo_municipalities`` municipalities every
municipality is held out on its own (leave-one-municipality-out, LOMO: one refit per
municipality); beyond, municipalities are split into K folds by a seeded permutation and
each fold is held out at once (grouped K-fold: K refits per model instead of one per
municipality). Both are :func:`heldout_elpd` over a list of held-out groups, LOMO the case of
singleton groups, and both score every municipality in the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


LOMO = "leave-one-municipality-out"
PSIS = "leave-one-observation-out (PSIS)"
#: ``method`` of the comparison table per exact scheme (PSIS-LOO rows: ``psis_loo``).
LOMO_METHOD, KFOLD_METHOD = "lomo_exact", "kfold_exact"


def kfold_scheme(k: int) -> str:
    return f"grouped {k}-fold"


def exact_method(scheme: str) -> str:
    """The comparison table's ``method`` of an exact scheme."""
    return LOMO_METHOD if scheme == LOMO else KFOLD_METHOD


@dataclass(frozen=True)
class CrossValidationPlan:
    """Which municipalities each refit holds out: ``fold[m]`` is municipality m's fold (0-based)."""

    scheme: str  # LOMO or kfold_scheme(K)
    reason: str  # why this scheme: the number of municipalities against the threshold
    fold: np.ndarray  # (municipality,) fold index

    @property
    def groups(self) -> list[np.ndarray]:
        """Indices of the municipalities held out by each refit, fold by fold."""
        return [np.flatnonzero(self.fold == k) for k in range(int(self.fold.max()) + 1)]

    @property
    def method(self) -> str:
        return exact_method(self.scheme)


def fold_assignment(n_municipalities: int, k_folds: int, seed: int) -> np.ndarray:
    """Fold (0..K-1) of each municipality: a seeded permutation dealt round-robin into K folds,
    so the folds partition the municipalities and their sizes differ by at most one."""
    if not 2 <= k_folds <= n_municipalities:
        raise ValueError(
            f"k_folds must be between 2 and the number of municipalities ({n_municipalities}), got {k_folds}"
        )
    order = np.random.default_rng(np.random.SeedSequence(int(seed))).permutation(n_municipalities)
    fold = np.empty(n_municipalities, dtype=int)
    fold[order] = np.arange(n_municipalities) % k_folds
    return fold


def cross_validation_plan(
    n_municipalities: int, max_lomo_municipalities: int, k_folds: int, seed: int
) -> CrossValidationPlan:
    """LOMO up to ``max_lomo_municipalities`` municipalities, grouped ``k_folds``-fold beyond
    (the ``cross_validation`` section of config/config.yaml)."""
    if n_municipalities <= max_lomo_municipalities:
        return CrossValidationPlan(
            LOMO,
            f"{n_municipalities} municipalities, at most max_lomo_municipalities = {max_lomo_municipalities}: "
            "one refit per municipality",
            np.arange(n_municipalities),
        )
    return CrossValidationPlan(
        kfold_scheme(k_folds),
        f"{n_municipalities} municipalities, more than max_lomo_municipalities = {max_lomo_municipalities}: "
        f"one refit per fold of about {n_municipalities / k_folds:.0f} municipalities instead of one per municipality",
        fold_assignment(n_municipalities, k_folds, seed),
    )


def heldout_elpd(
    compiled: KernelModel, data: ModelData, config: Configuration, priors: Priors, settings: SamplerSettings,
    groups: Sequence[Sequence[int]], log=None,
) -> pd.DataFrame:
    """Exact elpd of every held-out municipality: one refit per group on one compiled kernel.

    The municipalities of a group get likelihood weight 0, so their propensities u are drawn
    from the population; each one's six observations are then scored jointly. One row per
    held-out municipality (in design order): municipality, fold (1-based, the group),
    elpd, and the divergent transitions of the refit that held it out.
    """
    rows = []
    for k, group in enumerate(groups):
        held = np.asarray(group, dtype=int)
        weight = np.ones_like(data.movement, dtype=float)
        weight[held] = 0.0
        refit = fit(compiled, data, config, priors, settings, weights=weight, derived=False, checks=False)
        draws = predictor_draws(refit["posterior"].to_dataset(), data, config)
        if "u" in draws:
            draws["u"] = draws["u"][:, held]
        theta = stream_probability(draws, data.x[held], data.factor_group, data.agenda_window[held])
        ll = municipality_loglik(theta, data.movement[held])
        elpd = logsumexp(ll, axis=0) - np.log(ll.shape[0])
        rows += [
            {"index": m, "municipality": data.municipalities[m], "fold": k + 1, "elpd": float(e),
             "divergences": divergences(refit)}
            for m, e in zip(held, elpd)
        ]
        if log is not None:
            log.info(
                "%s fold %d/%d (%d municipalities held out, first %s): elpd %.3f, %d divergences, %.1f s",
                config.name, k + 1, len(groups), held.size, data.municipalities[held[0]], float(elpd.sum()),
                divergences(refit), refit.attrs["sampling_seconds"],
            )
    return pd.DataFrame(rows).sort_values("index", kind="stable").drop(columns="index").reset_index(drop=True)


def lomo_elpd(
    compiled: KernelModel, data: ModelData, config: Configuration, priors: Priors, settings: SamplerSettings,
    log=None,
) -> pd.DataFrame:
    """Exact leave-one-municipality-out: :func:`heldout_elpd` with one municipality per group."""
    groups = [[m] for m in range(data.n_municipalities)]
    return heldout_elpd(compiled, data, config, priors, settings, groups, log=log)


def cross_validation_elpd(
    compiled: KernelModel, data: ModelData, config: Configuration, priors: Priors, settings: SamplerSettings,
    plan: CrossValidationPlan, log=None,
) -> pd.DataFrame:
    """:func:`heldout_elpd` over the plan's folds, each row with the plan's scheme and the reason for it."""
    if plan.fold.shape != (data.n_municipalities,):
        raise ValueError(f"the plan has {plan.fold.size} municipalities, the data {data.n_municipalities}")
    table = heldout_elpd(compiled, data, config, priors, settings, plan.groups, log=log)
    return table.assign(scheme=plan.scheme, scheme_reason=plan.reason)


def _scheme(per_municipality: dict[str, pd.DataFrame]) -> tuple[str, str]:
    """The one scheme (and its reason) of every model's exact cross-validation table."""
    schemes = {pair for t in per_municipality.values() for pair in zip(t["scheme"], t["scheme_reason"])}
    if len(schemes) != 1:
        raise ValueError(f"the models were cross-validated under different schemes: {sorted(schemes)}")
    return schemes.pop()


def lomo_table(per_municipality: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Summed exact elpd (LOMO or grouped K-fold) per variant, with paired differences to the best."""
    scheme, reason = _scheme(per_municipality)
    rows = []
    for name, table in per_municipality.items():
        pointwise = table.sort_values("municipality")["elpd"].to_numpy()
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
    table = _with_differences(pd.DataFrame(rows), method=exact_method(scheme))
    return table.assign(scheme=scheme, scheme_reason=reason)


SIVULA_CLOSE = 4.0  # |elpd difference| below which the SE is unreliable (Sivula et al. 2022)


PSIS_REASON = "importance sampling from the fit to all data, no refits (Pareto k says where it is unreliable)"


def comparison_table(fits: dict[str, xr.DataTree], lomo: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """PSIS-LOO and exact cross-validation rows (LOMO or grouped K-fold, column ``scheme``, and
    ``scheme_reason`` says why) for every model, with a reliability note per difference."""
    loo = loo_table(fits).assign(scheme=PSIS, scheme_reason=PSIS_REASON)
    table = pd.concat([loo, lomo_table(lomo)], ignore_index=True)
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
