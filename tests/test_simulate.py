"""Tests for policy_windows.simulate: the shipped design, synthetic designs, the generative
order (agenda window -> institutionalisation), reproducibility and parameter recovery."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policy_windows.constants import CODES
from policy_windows.derived import posterior_draws, stream_probability, window_probability
from policy_windows.model import Priors
from policy_windows.simulate import (
    code_frequencies,
    data_containers,
    draw_at,
    observed_model_data,
    prior_draws,
    simulate_dataset,
    simulate_movement,
    simulation_rng,
    synthetic_design,
)

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture(scope="module")
def shipped():
    return observed_model_data(
        pd.read_csv(RAW / "factor_codes.csv"), pd.read_csv(RAW / "codebook.csv"), pd.read_csv(RAW / "stream_movement.csv")
    )


@pytest.fixture(scope="module")
def draws(shipped):
    return prior_draws(shipped, 50, seed=11)


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
    again = prior_draws(shipped, 50, seed=11)
    for name in draws:
        np.testing.assert_array_equal(draws[name], again[name])


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
    np.testing.assert_allclose(truth["window_probability"], window_probability(stream_probability(one, data))[0])


def test_data_containers_swap_movement_and_agenda_window_together(shipped, draws):
    data, _ = simulate_dataset(draw_at(draws, 1), shipped, simulation_rng(1, 1))
    containers = data_containers(data)
    assert set(containers) == {"movement_data", "agenda_window"}
    np.testing.assert_array_equal(containers["agenda_window"], data.agenda_window)
    assert "x" in data_containers(data, include_x=True)


def test_recovery_with_many_municipalities(shipped):
    """M=200 simulated municipalities, centred model, compiled once and fitted via with_data."""
    from policy_windows.fitting import SamplerSettings, compile_for_refits, sample_compiled
    from policy_windows.model import build_model

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    design = synthetic_design(shipped, 200, np.random.default_rng(7), code_frequencies(shipped, pseudo_count=0.5))
    params = draw_at(prior_draws(design, 1, seed=8, centred=True), 0)
    data, truth = simulate_dataset(params, design, simulation_rng(8, 0))
    # Compile on a design whose outcomes differ, so the fit only sees the simulation via with_data.
    compiled = compile_for_refits(build_model(design, priors=Priors(), centred=True))
    settings = SamplerSettings(draws=300, tune=300, chains=2, cores=2, seed=9, target_accept=0.9)
    idata = sample_compiled(compiled, settings, **data_containers(data))
    beta = idata["posterior"]["beta"].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
    lo, hi = np.quantile(beta, [0.025, 0.975], axis=0)
    inside = (lo <= truth["beta"]) & (truth["beta"] <= hi)
    assert inside.mean() >= 0.8, f"only {inside.sum()} of 24 true betas inside their 95% intervals"
    # The deterministic window probability must use the swapped agenda window.
    post = posterior_draws(idata)
    expected = window_probability(stream_probability(post, data)).mean(axis=0)
    fitted = idata["posterior"]["window_probability"].mean(("chain", "draw")).to_numpy()
    np.testing.assert_allclose(fitted, expected, atol=1e-6)
