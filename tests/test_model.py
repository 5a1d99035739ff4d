"""The model builds with the right structure, and derived quantities are computed right."""

import numpy as np
import pandas as pd
import pytest

from policy_windows.constants import PHASES
from policy_windows.summaries.counterfactuals import what_if
from policy_windows.summaries.derived import (
    average_marginal_effect,
    posterior_draws,
    stream_probability,
    window_probability,
    window_table,
)
from policy_windows.data.design import model_data_from_table
from policy_windows.model.reference import Variant, build_model, group_sizes


def test_design_has_thesis_shape(model_data):
    assert model_data.x.shape == (8, 24)
    assert model_data.movement.shape == (8, 2, 3)
    assert list(np.flatnonzero(model_data.window[:, 0]) + 1) == [2, 6, 7, 8]
    assert list(np.flatnonzero(model_data.window[:, 1]) + 1) == [2, 7, 8]
    assert group_sizes(model_data).tolist() == [6, 3, 3, 2, 7, 3]


def test_model_dims_and_coords(model_data):
    model = build_model(model_data)
    assert model.named_vars_to_dims["beta"] == ("factor",)
    assert model.named_vars_to_dims["window_probability"] == ("municipality", "phase")
    assert model.named_vars_to_dims["movement"] == ("municipality", "phase", "stream")
    assert list(model.coords["phase"]) == list(PHASES)
    assert len(model.coords["factor"]) == 24


def test_model_accepts_a_ninth_municipality(model_table):
    nine = model_table[model_table["municipality"] == 8].assign(municipality=9)
    data = model_data_from_table(pd.concat([model_table, nine]))
    model = build_model(data)
    assert len(model.coords["municipality"]) == 9
    assert data.x[8].tolist() == data.x[7].tolist()


@pytest.mark.parametrize(
    "variant, absent",
    [
        (Variant("no_coupling", coupling=False), "kappa"),
        (Variant("no_municipality", municipality_effect=False), "sigma_u"),
    ],
)
def test_variants_switch_parts_off(model_data, variant, absent):
    assert absent not in build_model(model_data, variant).named_vars


def test_theory_only_drops_empirical_factors(model_data):
    model = build_model(model_data, Variant("theory_only", factors="theory"))
    factors = list(model.coords["factor"])
    assert "insight_nature_scale" not in factors and "framing" in factors
    assert len(factors) == sum(o == "theory" for o in model_data.factor_origin)


def test_window_probability_is_product_of_streams():
    theta = np.array([[[[0.5, 0.4, 0.2], [0.9, 0.9, 0.1]]]])
    np.testing.assert_allclose(window_probability(theta), [[[0.04, 0.081]]])


def _hand_draws(model_data):
    rng = np.random.default_rng(3)
    return {
        "alpha": rng.normal(size=(5, 2, 3)),
        "beta": rng.normal(size=(5, 24)),
        "u": rng.normal(size=(5, 8)),
        "kappa": rng.normal(size=(5, 3)),
    }


def test_stream_probability_by_hand(model_data):
    draws = _hand_draws(model_data)
    theta = stream_probability(draws, model_data)
    s, m = 2, 5  # one draw, one municipality, institutionalisation / politics by hand
    f = model_data.factor_mask("institutionalisation", "politics")
    eta = (
        draws["alpha"][s, 1, 2]
        + model_data.x[m, f] @ draws["beta"][s, f]
        + draws["u"][s, m]
        + draws["kappa"][s, 2] * model_data.agenda_window[m]
    )
    assert theta[s, m, 1, 2] == pytest.approx(1 / (1 + np.exp(-eta)))


def test_marginal_effect_matches_direct_computation(model_data):
    draws = _hand_draws(model_data)
    f = model_data.factors.index("insight_nature_scale")
    x_hi, x_lo = model_data.x.copy(), model_data.x.copy()
    x_hi[:, f], x_lo[:, f] = 1, -1
    direct = (
        window_probability(stream_probability(draws, model_data, x_hi))[:, :, 0]
        - window_probability(stream_probability(draws, model_data, x_lo))[:, :, 0]
    ).mean(axis=1)
    np.testing.assert_allclose(
        average_marginal_effect(draws, model_data, "insight_nature_scale", 1.0, -1.0), direct
    )


def test_numpy_theta_matches_model_deterministic(small_fit, model_data):
    _, idata = small_fit
    ours = stream_probability(posterior_draws(idata), model_data)
    pymc = idata["posterior"]["stream_movement"].stack(sample=("chain", "draw")).transpose("sample", ...)
    np.testing.assert_allclose(ours, pymc.to_numpy(), rtol=1e-6)


def test_what_if_gain_matches_direct_computation(small_fit, model_data):
    _, idata = small_fit
    table = what_if(idata, model_data)
    row = table[(table["municipality"] == "1") & (table["factor"] == "insight_nature_scale")].iloc[0]
    draws = posterior_draws(idata)
    f = model_data.factors.index("insight_nature_scale")
    x = model_data.x.copy()
    x[0, f] = 1
    gain = window_probability(stream_probability(draws, model_data, x))[:, 0, 0] - window_probability(
        stream_probability(draws, model_data)
    )[:, 0, 0]
    assert row["gain_pp_mean"] == pytest.approx(100 * gain.mean())
    assert row["current_code"] == -1
    # only factors not already present are listed, best change first
    assert not ((table["municipality"] == "8") & (table["factor"] == "insight_nature_scale")).any()
    for _, first in table[table["municipality"] == "1"].groupby("phase"):
        flagged = first["flag"] != ""
        assert first.loc[~flagged, "gain_pp_mean"].is_monotonic_decreasing and first["rank"].iloc[0] == 1
    assert first.loc[flagged, "gain_pp_mean"].is_monotonic_decreasing
    assert first.loc[flagged, "rank"].min() > first.loc[~flagged, "rank"].max()


def test_window_table_matches_observed_windows(small_fit, model_data):
    _, idata = small_fit
    table = window_table(idata, model_data)
    assert len(table) == 16
    agenda = table[table["phase"] == "agenda"].set_index("municipality")["observed_window"]
    assert agenda.to_dict() == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 0, "6": 1, "7": 1, "8": 1}
    assert ((table["window_probability_eti95_lb"] <= table["window_probability_mean"])
            & (table["window_probability_mean"] <= table["window_probability_eti95_ub"])).all()


def test_fit_stores_log_densities(small_fit):
    _, idata = small_fit
    assert "log_likelihood" in idata.children and "log_prior" in idata.children
    assert idata["log_likelihood"]["movement"].shape[-3:] == (8, 2, 3)


def test_describe_effect_never_calls_an_unidentified_factor_positive():
    from policy_windows.summaries.derived import describe_effect

    row = {"factor": "f", "phase": "agenda", "stream": "problem", "identification": "identified",
           "identification_note": "", "p_beta_positive": 0.95, "p_mu_positive": 0.96, "p_beta_above_mu": 0.6,
           "beta_minus_mu_mean": 0.1, "beta_minus_mu_eti95_lb": -0.8, "beta_minus_mu_eti95_ub": 1.1,
           "ame_contrast_observed": "+1 vs -1", "ame_pp_observed_mean": 9.0, "ame_pp_observed_eti95_lb": -1.8,
           "ame_pp_observed_eti95_ub": 24.2}
    text = describe_effect(row, names={"f": "Insight into nature and scale"})
    assert "cannot single out insight into nature and scale from its stream (P(β>μ)=0.60" in text
    assert "P(μ>0)=0.96" in text and "includes zero" in text
    row.update(p_beta_above_mu=0.95, ame_pp_observed_eti95_lb=2.0)
    text = describe_effect(row)
    assert "f goes with more movement than its stream's pooled mean (P(β>μ)=0.95" in text
    assert "includes zero" not in text
    row.update(identification="not identified", identification_note="coded present (+1) in all 8 municipalities")
    text = describe_effect(row)
    assert "not identified" in text and "positive" not in text and "Observed contrast" not in text
