"""Tests for policy_windows.model.simulate: the shipped design, synthetic designs, the generative
order (agenda window -> institutionalisation), reproducibility and parameter recovery."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policy_windows.model.configuration import Configuration, Priors, kernel_arrays
from policy_windows.constants import CODES
from policy_windows.model.predictor import stream_probability, window_probability
from policy_windows.model.simulate import (
    code_frequencies,
    draw_at,
    prior_draws,
    sequential_movement,
    simulate_dataset,
    simulate_movement,
    simulation_rng,
    synthetic_design,
)

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture(scope="module")
def shipped(model_data):
    return model_data


def arrays_for(design, config=Configuration("full")):
    return kernel_arrays(config, Priors(), design)


@pytest.fixture(scope="module")
def draws(shipped):
    return prior_draws(arrays_for(shipped), 50, np.random.default_rng(11))


def test_shipped_design_matches_raw_windows(shipped):
    assert shipped.x.shape == (8, 24)
    assert set(np.unique(shipped.x)) <= set(CODES)
    windows = pd.read_csv(RAW / "policy_windows.csv")
    agenda = windows[windows["phase"] == "agenda"].sort_values("municipality")["window"].to_numpy()
    np.testing.assert_array_equal(shipped.agenda_window, agenda)


def test_code_frequencies(shipped):
    freqs = code_frequencies(shipped)
    np.testing.assert_allclose(freqs.sum(axis=1), 1.0)
    f = shipped.factors.index("expert_function")
    np.testing.assert_allclose(freqs[f], [0, 0, 1])  # coded +1 in all eight municipalities
    assert (code_frequencies(shipped, pseudo_count=0.5) > 0).all()


def test_synthetic_design_is_reproducible_and_matches_frequencies(shipped):
    a = synthetic_design(shipped, 50, np.random.default_rng(1))
    b = synthetic_design(shipped, 50, np.random.default_rng(1))
    c = synthetic_design(shipped, 50, np.random.default_rng(2))
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    assert a.municipalities[0] == "sim01" and a.movement.shape == (50, 2, 3)
    big = synthetic_design(shipped, 40_000, np.random.default_rng(3))
    np.testing.assert_allclose(code_frequencies(big), code_frequencies(shipped), atol=0.01)


def test_prior_draws_follow_the_model(shipped, draws):
    assert draws["beta"].shape == (50, 24) and draws["u"].shape == (50, 8)
    assert draws["alpha"].shape == (50, 2, 3) and draws["sigma_u"].shape == (50,)
    assert (draws["tau"] > 0).all() and (draws["sigma_u"] > 0).all()
    again = prior_draws(arrays_for(shipped), 50, np.random.default_rng(11))
    for name in draws:
        np.testing.assert_array_equal(draws[name], again[name])
    assert not draws["delta"].any()  # switched off in the full model


def test_switched_off_parts_are_zero_in_prior_draws(shipped):
    config = Configuration("x", factors="theory", coupling=False, municipality_effect=False)
    draws = prior_draws(arrays_for(shipped, config), 20, np.random.default_rng(2))
    empirical = np.array([o == "empirical" for o in shipped.factor_origin])
    assert not draws["beta"][:, empirical].any() and draws["beta"][:, ~empirical].all()
    assert not draws["kappa"].any() and not draws["u"].any()


def test_simulation_is_reproducible(shipped, draws):
    params = draw_at(draws, 3)
    first, truth = simulate_dataset(params, shipped, simulation_rng(5, 3))
    second, _ = simulate_dataset(params, shipped, simulation_rng(5, 3))
    np.testing.assert_array_equal(first.movement, second.movement)
    np.testing.assert_array_equal(first.agenda_window, first.movement[:, 0, :].all(axis=1))
    assert truth["window_probability"].shape == (8, 2)
    assert np.isin(first.movement, [0, 1]).all()


def test_institutionalisation_follows_the_simulated_agenda_window(shipped):
    design = synthetic_design(shipped, 400, np.random.default_rng(4))
    params = {
        "alpha": np.array([[1.5, 1.5, 1.5], [-40.0, -40.0, -40.0]]),
        "beta": np.zeros(24),
        "u": np.zeros(400),
        "kappa": np.array([80.0, 80.0, 80.0]),
    }
    movement = simulate_movement(params, design, np.random.default_rng(5))
    agenda_window = movement[:, 0, :].all(axis=1)
    assert 0 < agenda_window.sum() < 400
    np.testing.assert_array_equal(movement[:, 1, :], np.repeat(agenda_window[:, None], 3, axis=1))


def test_true_window_probability_uses_the_simulated_window(shipped, draws):
    params = draw_at(draws, 0)
    data, truth = simulate_dataset(params, shipped, simulation_rng(1, 0))
    one = {k: params[k][None] for k in ("alpha", "beta", "u", "kappa")}
    theta = stream_probability(one, data.x, data.factor_group, data.agenda_window)
    np.testing.assert_allclose(truth["window_probability"], window_probability(theta)[0])


def test_sequential_simulation_matches_the_model_likelihood(shipped, draws):
    """Frequencies of a simulated pattern match the probability the model gives it."""
    params = {k: v[:1] for k, v in draws.items()}
    n = 100_000
    tiled = {k: np.repeat(v, n, axis=0) for k, v in params.items()}
    movement = sequential_movement(tiled, shipped, np.random.default_rng(3))
    agenda_window = movement[:, :, 0, :].all(axis=2)
    theta = stream_probability(params, shipped.x, shipped.factor_group, np.ones(shipped.n_municipalities))[0]
    opened = agenda_window[:, 0]
    observed = movement[opened, 0, 1, :].mean(axis=0)
    se = np.sqrt(theta[0, 1, :] * (1 - theta[0, 1, :]) / opened.sum())
    assert opened.sum() > 1000
    assert np.all(np.abs(observed - theta[0, 1, :]) < 5 * se), (observed, theta[0, 1, :], se)
    closed_theta = stream_probability(params, shipped.x, shipped.factor_group, np.zeros(shipped.n_municipalities))[0]
    observed = movement[~opened, 0, 1, :].mean(axis=0)
    se = np.sqrt(closed_theta[0, 1, :] * (1 - closed_theta[0, 1, :]) / (~opened).sum())
    assert np.all(np.abs(observed - closed_theta[0, 1, :]) < 5 * se)


def test_recovery_with_many_municipalities(shipped):
    """M=200 simulated municipalities on the compiled kernel: intervals cover the truth."""
    from policy_windows.inference.sampler import SamplerSettings, compile_design, fit

    config = Configuration("full")
    design = synthetic_design(shipped, 200, np.random.default_rng(7), code_frequencies(shipped, pseudo_count=0.5))
    params = draw_at(prior_draws(arrays_for(design), 1, np.random.default_rng(8)), 0)
    data, truth = simulate_dataset(params, design, simulation_rng(8, 0))
    settings = SamplerSettings(draws=300, tune=300, chains=2, cores=2, seed=9, target_accept=0.9)
    idata = fit(compile_design(design), data, config, Priors(), settings)
    beta = idata["posterior"]["beta"].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
    lo, hi = np.quantile(beta, [0.025, 0.975], axis=0)
    inside = (lo <= truth["beta"]) & (truth["beta"] <= hi)
    assert inside.mean() >= 0.8, f"only {inside.sum()} of 24 true betas inside their 95% intervals"
    # The stored window probability uses the simulated agenda window, not the design's.
    post = idata["posterior"]
    draws = {k: post[k].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy() for k in ("alpha", "beta", "u", "kappa")}
    expected = window_probability(stream_probability(draws, data.x, data.factor_group, data.agenda_window)).mean(axis=0)
    np.testing.assert_allclose(post["window_probability"].mean(("chain", "draw")).to_numpy(), expected, atol=1e-9)
