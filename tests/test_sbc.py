"""Tests for policy_windows.inference.sbc: ranks, uniformity tests, ECDF bands and recovery summaries."""

from __future__ import annotations

import numpy as np
from scipy import stats
import pandas as pd
import pytest
import xarray as xr

from policy_windows.inference.sbc import (
    chisq_uniform,
    clustered_chisq_uniform,
    ecdf_band,
    ecdf_difference,
    element_labels,
    fractional_rank,
    holm,
    interval_rows,
    m_needed,
    width_curve,
    rank_statistic,
    recovery_table,
    simulation_ranks,
    thin,
    uniformity_table,
)


def test_rank_counts_draws_below_truth():
    draws = np.array([3.0, 1.0, 4.0, 2.0])
    assert rank_statistic(draws, 2.5) == 2
    assert rank_statistic(draws, 0.0) == 0
    assert rank_statistic(draws, 9.0) == 4


def test_ties_are_split_at_random_within_range():
    draws = np.array([0.0, 0.0, 0.0, 1.0])
    assert rank_statistic(draws, 0.0) == 0  # without a generator ties count as above
    rng = np.random.default_rng(1)
    seen = {rank_statistic(draws, 0.0, rng) for _ in range(200)}
    assert seen == {0, 1, 2, 3}


def test_thin_keeps_every_step_th_draw_per_chain():
    draws = np.arange(20).reshape(2, 10)
    assert thin(draws, 5).tolist() == [0, 5, 10, 15]
    assert thin(np.zeros((4, 100, 3)), 10).shape == (40, 3)


def test_element_labels_follow_c_order():
    labels = element_labels("alpha", ("phase", "stream"), {"phase": ["a", "i"], "stream": ["p", "q"]})
    assert labels == ["alpha[a,p]", "alpha[a,q]", "alpha[i,p]", "alpha[i,q]"]
    assert element_labels("sigma_u", (), {}) == ["sigma_u"]


def test_simulation_ranks_on_hand_made_posterior():
    posterior = xr.Dataset(
        {
            "beta": (("chain", "draw", "factor"), np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]]])),
            "sigma_u": (("chain", "draw"), np.array([[0.1, 0.2, 0.3, 0.4]])),
        },
        coords={"factor": ["f1", "f2"]},
    )
    truth = {"beta": np.array([2.5, 45.0]), "sigma_u": np.array(0.05)}
    ranks = simulation_ranks(truth, posterior, step=1, rng=np.random.default_rng(0), sim=7)
    assert ranks.set_index("parameter")["rank"].to_dict() == {"beta[f1]": 2, "beta[f2]": 4, "sigma_u": 0}
    assert (ranks["n_draws"] == 4).all() and (ranks["sim"] == 7).all()
    assert ranks["fractional_rank"].between(0, 1).all()
    thinned = simulation_ranks(truth, posterior, step=2, rng=np.random.default_rng(0))
    assert thinned.set_index("parameter")["rank"].to_dict() == {"beta[f1]": 1, "beta[f2]": 2, "sigma_u": 0}


def test_truth_shape_mismatch_is_an_error():
    posterior = xr.Dataset({"kappa": (("chain", "draw", "stream"), np.zeros((1, 3, 3)))}, coords={"stream": list("abc")})
    with pytest.raises(ValueError, match="kappa"):
        simulation_ranks({"kappa": np.zeros(2)}, posterior, 1, np.random.default_rng(0))


def test_fractional_ranks_of_uniform_ranks_are_uniform():
    rng = np.random.default_rng(2)
    u = fractional_rank(rng.integers(0, 10, size=20000), 9, rng)
    assert chisq_uniform(u, 20) > 0.001
    assert abs(np.mean(u) - 0.5) < 0.01


def _ranks_table(rank_fn, n_sims=300, n_draws=99, seed=3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for family, n_el in (("alpha", 6), ("beta", 24), ("sigma_u", 1)):
        for e in range(n_el):
            ranks = rank_fn(rng, n_sims, n_draws)
            for sim, r in enumerate(ranks):
                rows.append((sim, family, f"{family}[{e}]", r, n_draws, fractional_rank(r, n_draws, rng)))
    return pd.DataFrame(rows, columns=["sim", "family", "parameter", "rank", "n_draws", "fractional_rank"])


def test_uniformity_accepts_uniform_ranks():
    table = _ranks_table(lambda rng, n, L: rng.integers(0, L + 1, size=n))
    assert table["rank"].max() <= 99
    result = uniformity_table(table)
    assert list(result["family"]) == ["alpha", "beta", "sigma_u"]
    assert result["uniform"].all(), result


def test_uniformity_rejects_overconfident_and_biased_ranks():
    # Too-narrow posterior: ranks pile up at both ends (U shape); biased: ranks skew low.
    def u_shape(rng, n, L):
        return np.where(rng.random(n) < 0.5, rng.integers(0, 10, n), rng.integers(L - 9, L + 1, n))

    def biased(rng, n, L):
        return np.minimum((rng.beta(1.0, 1.6, n) * (L + 1)).astype(int), L)

    for fn in (u_shape, biased):
        result = uniformity_table(_ranks_table(fn))
        assert not result["uniform"].any()
        assert (result["p_elements_holm"] < 0.05).all()


def _dependent_uniform(rng, n_sims, n_elements, shared=0.9):
    """Ranks that are uniform for each element but strongly dependent within a simulation
    (a Gaussian copula with correlation ``shared``): calibrated, like window probabilities
    that share the intercepts."""
    z = np.sqrt(shared) * rng.normal(size=(n_sims, 1)) + np.sqrt(1 - shared) * rng.normal(size=(n_sims, n_elements))
    return stats.norm.cdf(z)


def test_clustered_chisq_holds_its_level_under_dependence_where_the_pooled_one_does_not():
    rng = np.random.default_rng(21)
    clustered, pooled = [], []
    for _ in range(300):
        u = _dependent_uniform(rng, 100, 50)
        sim = np.repeat(np.arange(100), 50)
        clustered.append(clustered_chisq_uniform(u.ravel(), sim, 20) < 0.05)
        pooled.append(chisq_uniform(u.ravel(), 20) < 0.05)
    assert np.mean(clustered) < 0.10
    assert np.mean(pooled) > 0.5


def test_clustered_chisq_matches_chisq_with_one_element_and_rejects_skew():
    rng = np.random.default_rng(22)
    rates = []
    for _ in range(300):
        u = rng.random(200)
        rates.append(clustered_chisq_uniform(u, np.arange(200), 20) < 0.05)
    assert 0.01 < np.mean(rates) < 0.10
    assert clustered_chisq_uniform(rng.beta(1.0, 1.3, 5000), np.repeat(np.arange(100), 50), 20) < 0.001


def test_holm_matches_hand_computation():
    adjusted = holm([0.01, 0.04, 0.03, 0.5])
    np.testing.assert_allclose(adjusted, [0.04, 0.09, 0.09, 0.5])


def test_ecdf_band_has_simultaneous_coverage():
    z = np.linspace(0, 1, 51)[1:-1]
    low, high = ecdf_band(100, z, alpha=0.1, rng=np.random.default_rng(4))
    assert (low < 0).all() and (high > 0).all()
    rng = np.random.default_rng(5)
    inside = [((d := ecdf_difference(rng.random(100), z)) >= low).all() and (d <= high).all() for _ in range(400)]
    assert 0.84 <= np.mean(inside) <= 0.96


def test_ecdf_difference_of_perfect_grid_is_small():
    z = np.linspace(0, 1, 11)[1:-1]
    assert np.abs(ecdf_difference((np.arange(1000) + 0.5) / 1000, z)).max() < 0.002


def test_interval_rows_and_recovery_table():
    rng = np.random.default_rng(6)
    truth = np.zeros(3)
    draws = rng.normal(size=(4000, 3)) + np.array([0.0, 0.3, 5.0])
    rows = interval_rows(truth, draws, ["b1", "b2", "b3"])
    assert rows["covered90"].tolist() == [True, True, False]
    assert rows["width90"].between(3.1, 3.5).all()
    assert rows["width50"].between(1.2, 1.5).all()

    frames = []
    for m in (100, 400):
        part = rows.assign(M=m, replicate=0, identified=True, divergences=0, passes_gates=True)
        part["width90"] = 2.0 / np.sqrt(m)
        frames.append(part)
        # A replicate that failed its gates is excluded and counted, never averaged in.
        frames.append(rows.assign(M=m, replicate=1, identified=True, divergences=9, passes_gates=False, covered90=False))
    table = recovery_table(pd.concat(frames), target_halfwidth=0.5)
    assert table["coverage90"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert table["n_excluded_fits"].tolist() == [1, 1] and table["n_replicates"].tolist() == [1, 1]
    # The excluded replicates' widths (3.1-3.5) would bend the curve; they are not used.
    assert table["curve_slope"].iloc[0] == pytest.approx(-0.5)
    assert table["M_needed_halfwidth"].iloc[0] == pytest.approx(4.0)


def test_width_curve_recovers_its_slope_and_m_needed_inverts_it():
    rng = np.random.default_rng(3)
    m = np.repeat([100, 355, 3550], 8)
    width = 7.0 * m**-0.4 * np.exp(rng.normal(0, 0.02, m.size))
    log_c, slope, se = width_curve(m, width)
    assert slope == pytest.approx(-0.4, abs=3 * se) and se < 0.02
    assert m_needed(log_c, slope, 0.5) == pytest.approx(np.exp((np.log(1.0) - log_c) / slope))
    assert m_needed(np.log(10.0), -0.5, 0.25) == pytest.approx(400.0)
    with pytest.raises(ValueError, match="two or more M"):
        width_curve(np.array([100, 100]), np.array([1.0, 1.1]))
