"""The sequential posterior predictive simulator and the window-level and calibration checks,
on hand-made designs and fixed parameter draws (no sampling)."""

import numpy as np
import pytest

from policy_windows.summaries.checks import (
    calibration_checks,
    generative_checks,
    score_checks,
    sequential_log_probability,
    simulate_sequential,
    window_statistics,
)
from policy_windows.summaries.counterfactuals import coupling_lift, knock_on
from policy_windows.summaries.derived import set_factor, stream_probability, window_probability
from test_summaries import fake_draws, fake_fit, hand_design

COLUMNS = ["check", "phase", "observed", "replicated_mean", "replicated_eti89_lb", "replicated_eti89_ub", "p_value",
           "verdict"]


def hand_loglik(draw: dict, data, movement) -> np.ndarray:
    """The model's Bernoulli log-likelihood per municipality, written out term by term:
    alpha + sum of the block's beta * x + u + [institutionalisation] kappa * observed agenda window."""
    out = np.zeros(data.n_municipalities)
    for m in range(data.n_municipalities):
        for p in range(2):
            for s in range(3):
                in_block = (data.factor_phase == p) & (data.factor_stream == s)
                eta = draw["alpha"][p, s] + data.x[m, in_block] @ draw["beta"][in_block] + draw["u"][m]
                if p == 1:
                    eta += draw["kappa"][s] * data.agenda_window[m]
                theta = 1.0 / (1.0 + np.exp(-eta))
                out[m] += np.log(theta) if movement[m, p, s] == 1 else np.log(1.0 - theta)
    return out


@pytest.fixture(scope="module")
def design():
    return hand_design()


@pytest.fixture(scope="module")
def one_draw(design):
    return {k: v[:1] for k, v in fake_draws(design, seed=11).items()}


def test_sequential_probability_of_observed_data_is_the_likelihood(design, one_draw):
    ours = sequential_log_probability(one_draw, design, design.movement)[0]
    single = {k: v[0] for k, v in one_draw.items()}
    np.testing.assert_allclose(ours, hand_loglik(single, design, design.movement), rtol=1e-12)
    np.testing.assert_allclose(np.exp(ours.sum()), np.exp(hand_loglik(single, design, design.movement).sum()))


def test_simulator_frequencies_match_sequential_probabilities(design, one_draw):
    """Simulate many data sets from one fixed draw: the share of replicates that reproduce each
    municipality's six observations (and an all-moving pattern, which opens the agenda window
    where the data do not) matches exp(log probability) within Monte Carlo error."""
    n = 100_000
    draws = {k: np.repeat(v, n, axis=0) for k, v in one_draw.items()}
    replicated = simulate_sequential(draws, design, np.random.default_rng(3))
    all_moving = np.ones_like(design.movement)
    for pattern in (design.movement, all_moving):
        expected = np.exp(sequential_log_probability(one_draw, design, pattern)[0])
        observed = (replicated == pattern[None]).all(axis=(2, 3)).mean(axis=0)
        se = np.sqrt(expected * (1 - expected) / n)
        assert np.all(np.abs(observed - expected) < 5 * se + 1e-4), (observed, expected)


def test_simulator_uses_the_simulated_agenda_window(design, one_draw):
    """With a huge kappa, institutionalisation moves exactly when the simulated agenda window opened."""
    draw = dict(one_draw, kappa=np.full((1, 3), 40.0), alpha=np.concatenate(
        [one_draw["alpha"][:, :1], np.full((1, 1, 3), -20.0)], axis=1))
    draws = {k: np.repeat(v, 2000, axis=0) for k, v in draw.items()}
    rep = simulate_sequential(draws, design, np.random.default_rng(0))
    agenda_open = rep[:, :, 0, :].all(axis=-1)
    assert np.array_equal(rep[:, :, 1, :].all(axis=-1), agenda_open)
    assert agenda_open.any() and not agenda_open.all()


def test_window_statistics_by_hand():
    movement = np.zeros((1, 3, 2, 3), dtype=int)
    movement[0, 0] = [[1, 1, 1], [1, 1, 1]]  # both windows
    movement[0, 1] = [[0, 0, 0], [1, 1, 1]]  # institutionalisation without agenda: a violation
    movement[0, 2] = [[1, 0, 1], [0, 0, 0]]
    stats = window_statistics(movement)
    assert stats[("windows", "agenda")].tolist() == [1]
    assert stats[("windows", "institutionalisation")].tolist() == [2]
    assert stats[("all_or_nothing", "agenda")].tolist() == [2]
    assert stats[("all_or_nothing", "institutionalisation")].tolist() == [3]
    assert stats[("necessity_violations", "institutionalisation")].tolist() == [1]


def test_generative_checks_table(design):
    table = generative_checks(fake_fit(design, fake_draws(design, n=400)), design, seed=1)
    assert list(table.columns) == COLUMNS
    assert len(table) == 5
    violations = table[table["check"] == "necessity_violations"].iloc[0]
    assert violations["observed"] == 0 and "necessity" in violations["verdict"]
    assert ((table["p_value"] >= 0) & (table["p_value"] <= 1)).all()
    assert table["verdict"].str.match(r"^(consistent|misfit): ").all()


def test_score_checks_detect_under_and_overconfidence():
    rng = np.random.default_rng(0)
    y = np.tile([1.0, 0.0], 50)
    # outcomes always match the favoured side, but predictions say only 0.7: underconfident
    under = np.tile(np.where(y == 1, 0.7, 0.3), (500, 1))
    table = score_checks(under, y, rng).set_index("check")
    assert table.loc["brier_score", "verdict"].startswith("underconfident")
    assert table.loc["log_score", "verdict"].startswith("underconfident")
    # predictions near certainty, but a third of them wrong: overconfident
    theta = np.where(y == 1, 0.97, 0.03)
    wrong = np.arange(y.size) % 3 == 0
    theta[wrong] = 1 - theta[wrong]
    table = score_checks(np.tile(theta, (500, 1)), y, rng).set_index("check")
    assert table.loc["brier_score", "verdict"].startswith("overconfident")
    # outcomes drawn from the predictions themselves: calibrated
    p = rng.uniform(0.05, 0.95, 400)
    table = score_checks(np.tile(p, (500, 1)), (rng.random(400) < p).astype(float), rng).set_index("check")
    assert table.loc["brier_score", "verdict"].startswith("calibrated")


def test_calibration_checks_on_a_fake_fit(design):
    table = calibration_checks(fake_fit(design, fake_draws(design, n=400)), design, seed=2)
    assert list(table.columns) == COLUMNS
    assert table["check"].tolist() == ["brier_score", "log_score", "brier_score_loo", "brier_score_per_draw"]
    assert table["verdict"].str.match(r"^(calibrated|underconfident|overconfident): ").all()


def test_knock_on_equals_simulating_the_agenda_window(design, one_draw):
    """The closed-form knock-on effect equals the mean over simulated agenda windows."""
    one_draw = dict(one_draw, kappa=np.full((1, 3), 3.0), beta=one_draw["beta"] + 1.0)
    f = design.factors.index("good")
    changed_x = set_factor(design.x, f, 1.0)
    now = window_probability(stream_probability(one_draw, design))[:, :, 0]
    changed = window_probability(stream_probability(one_draw, design, changed_x))[:, :, 0]
    exact = knock_on(now, changed, coupling_lift(one_draw, design))[0]
    n = 60_000
    draws = {k: np.repeat(v, n, axis=0) for k, v in one_draw.items()}

    def institutionalisation_windows(x):
        # the same seed for both runs: common random numbers make the paired difference precise
        rep = simulate_sequential(draws, design, np.random.default_rng(9), x=x)
        return rep[:, :, 1, :].all(axis=-1).astype(float)

    diff = institutionalisation_windows(changed_x) - institutionalisation_windows(design.x)
    se = diff.std(axis=0) / np.sqrt(n)
    assert np.all(np.abs(diff.mean(axis=0) - exact) < 4 * se + 1e-4), (diff.mean(axis=0), exact, se)
    assert np.abs(exact).max() > 20 * se.max()  # large enough for a wrong formula to be caught
