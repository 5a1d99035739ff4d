"""Exact cross-validation over municipalities (policy_windows.inference.comparison): leave-one-municipality-out
up to a threshold, grouped K-fold beyond, both through one function over held-out groups."""

import numpy as np
import pandas as pd
import pytest
from scipy.special import logsumexp

from policy_windows.inference.comparison import (
    KFOLD_METHOD,
    LOMO,
    LOMO_METHOD,
    comparison_table,
    cross_validation_elpd,
    cross_validation_plan,
    fold_assignment,
    heldout_elpd,
    lomo_elpd,
    municipality_loglik,
)
from policy_windows.inference.sampler import SamplerSettings, compile_design, fit, predictor_draws
from policy_windows.model.configuration import Configuration, Priors
from policy_windows.model.predictor import stream_probability

SETTINGS = SamplerSettings(draws=150, tune=200, chains=2, target_accept=0.9, seed=3, cores=1)


@pytest.mark.parametrize(("n", "k"), [(21, 10), (355, 10), (3550, 10), (8, 3), (10, 10)])
def test_folds_partition_the_municipalities_into_balanced_folds(n, k):
    fold = fold_assignment(n, k, seed=5)
    assert fold.shape == (n,) and set(np.unique(fold)) == set(range(k))
    sizes = np.bincount(fold, minlength=k)
    assert sizes.sum() == n and sizes.max() - sizes.min() <= 1
    plan = cross_validation_plan(n, max_lomo_municipalities=n - 1, k_folds=k, seed=5)
    held = np.concatenate(plan.groups)
    assert sorted(held) == list(range(n))  # every municipality held out exactly once
    np.testing.assert_array_equal(plan.fold, fold)


def test_fold_assignment_is_deterministic_for_a_seed_and_shuffled():
    a, b, c = fold_assignment(355, 10, 7), fold_assignment(355, 10, 7), fold_assignment(355, 10, 8)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert (a != np.arange(355) % 10).any()  # a permutation, not municipality order
    with pytest.raises(ValueError, match="k_folds"):
        fold_assignment(5, 6, 7)


def test_the_scheme_switches_above_the_threshold():
    at = cross_validation_plan(20, max_lomo_municipalities=20, k_folds=10, seed=1)
    above = cross_validation_plan(21, max_lomo_municipalities=20, k_folds=10, seed=1)
    assert (at.scheme, at.method) == (LOMO, LOMO_METHOD)
    assert [list(g) for g in at.groups] == [[m] for m in range(20)]
    assert "20 municipalities, at most max_lomo_municipalities = 20" in at.reason
    assert (above.scheme, above.method) == ("grouped 10-fold", KFOLD_METHOD)
    assert len(above.groups) == 10
    assert "21 municipalities, more than max_lomo_municipalities = 20" in above.reason


def _reference_elpd(compiled, data, config, held):
    """What leave-one-municipality-out computed before the grouped generalisation: one refit with the held-out
    municipalities' weights 0, theta of every municipality, each held-out column scored on its own."""
    weight = np.ones_like(data.movement, dtype=float)
    weight[held] = 0.0
    refit = fit(compiled, data, config, Priors(), SETTINGS, weights=weight, derived=False, checks=False)
    draws = predictor_draws(refit["posterior"].to_dataset(), data, config)
    ll = municipality_loglik(stream_probability(draws, data.x, data.factor_group, data.agenda_window), data.movement)
    return [float(logsumexp(ll[:, m]) - np.log(ll.shape[0])) for m in held]


@pytest.fixture(scope="module")
def compiled(model_data):
    return compile_design(model_data)


def test_lomo_is_the_grouped_code_with_singleton_groups(model_data, compiled):
    config = Configuration("full")
    plan = cross_validation_plan(model_data.n_municipalities, 20, 4, seed=1)
    table = cross_validation_elpd(compiled, model_data, config, Priors(), SETTINGS, plan)
    assert list(table.columns) == ["municipality", "fold", "elpd", "divergences", "scheme", "scheme_reason"]
    assert list(table["municipality"]) == list(model_data.municipalities)
    assert list(table["fold"]) == list(range(1, 9)) and set(table["scheme"]) == {LOMO}
    expected = [_reference_elpd(compiled, model_data, config, [m])[0] for m in range(model_data.n_municipalities)]
    np.testing.assert_allclose(table["elpd"], expected, rtol=1e-10)
    direct = lomo_elpd(compiled, model_data, config, Priors(), SETTINGS)
    pd.testing.assert_frame_equal(direct, table.drop(columns=["scheme", "scheme_reason"]))


def test_a_grouped_fold_scores_each_held_out_municipality_as_lomo_does(model_data, compiled):
    config = Configuration("sum_score", factor_specific=False)
    groups = [[6, 1, 3], [0, 2, 4, 5, 7]]
    table = heldout_elpd(compiled, model_data, config, Priors(), SETTINGS, groups)
    assert list(table["municipality"]) == list(model_data.municipalities)  # design order, whatever the folds
    assert list(table["fold"]) == [2, 1, 2, 1, 2, 2, 1, 2]
    for k, group in enumerate(groups):
        rows = table.set_index("municipality").loc[[model_data.municipalities[m] for m in group]]
        np.testing.assert_allclose(rows["elpd"], _reference_elpd(compiled, model_data, config, group), rtol=1e-10)
        assert rows["divergences"].nunique() == 1  # one refit per fold


def _per_municipality(scheme, reason, elpd):
    return pd.DataFrame({"municipality": range(1, len(elpd) + 1), "fold": 1, "elpd": elpd, "divergences": 0,
                         "scheme": scheme, "scheme_reason": reason})


def test_the_comparison_table_names_the_scheme_and_why(small_fit):
    _, idata = small_fit
    fits = {"full": idata, "copy": idata}
    reason = "355 municipalities, more than max_lomo_municipalities = 20: one refit per fold"
    rng = np.random.default_rng(0)
    kfold = {name: _per_municipality("grouped 10-fold", reason, rng.normal(-2, 0.5, 355)) for name in fits}
    table = comparison_table(fits, kfold)
    exact = table[table["method"] != "psis_loo"]
    assert set(exact["method"]) == {KFOLD_METHOD} and set(exact["scheme"]) == {"grouped 10-fold"}
    assert set(exact["scheme_reason"]) == {reason} and set(exact["n_points"]) == {355}
    psis = table[table["method"] == "psis_loo"]
    assert set(psis["scheme"]) == {"leave-one-observation-out (PSIS)"}
    lomo = {name: _per_municipality(LOMO, "8 municipalities", rng.normal(-2, 0.5, 8)) for name in fits}
    assert set(comparison_table(fits, lomo).query("method != 'psis_loo'")["scheme"]) == {LOMO}
    with pytest.raises(ValueError, match="different schemes"):
        comparison_table(fits, {"full": kfold["full"], "copy": lomo["copy"]})
