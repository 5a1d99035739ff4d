"""Identification, stream-level versus factor-specific evidence, what-if flags and the
agreement of conclusions across fits, on hand-made designs and fake posteriors (no sampling)."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy.special import log_expit

from policy_windows.summaries.counterfactuals import what_if
from policy_windows.summaries.derived import factor_effects
from policy_windows.data.design import ModelData
from policy_windows.summaries.evidence import DECISIVE, evidence_label, sign_call, stream_contrasts
from policy_windows.summaries.identification import factor_identification
from policy_windows.summaries.power_scaling import prior_sensitivity
from policy_windows.model.predictor import linear_predictor
from policy_windows.summaries.sensitivity import alternative_kind, calls_across_fits, highlighted_robustness, rank_agreement

M = 8
# One hand-made column per situation the identification rule must recognise (phase, stream, codes).
DESIGN = {
    "good": (0, 0, [-1, -1, 0, 0, 1, 1, 1, -1]),
    "constant_present": (0, 0, [1] * M),
    "constant_zero": (0, 0, [0] * M),
    "single_lacking": (0, 1, [-1, 0, 0, 0, 0, 0, 0, 0]),  # -1 only in municipality 1
    "rare_level": (0, 1, [1, -1, 0, 0, 0, 1, 1, 0]),  # -1 only in municipality 2, but 0 vs +1 identifies it
    "near_twin_a": (0, 2, [1, -1, 1, -1, 0, 1, -1, 1]),
    "near_twin_b": (0, 2, [1, -1, 1, -1, 0, 1, -1, -1]),  # equals near_twin_a except municipality 8
    "twin_a": (1, 0, [1, -1, 0, 1, -1, 0, 1, -1]),
    "twin_b": (1, 0, [1, -1, 0, 1, -1, 0, 1, -1]),  # identical to twin_a
    "never_present": (1, 1, [-1, -1, 0, 0, -1, 0, -1, 0]),  # +1 never observed, identified
    "politics": (1, 2, [1, 0, -1, 1, 0, -1, 1, 0]),
}


def hand_design(movement: np.ndarray | None = None) -> ModelData:
    factors = tuple(DESIGN)
    phase = np.array([DESIGN[f][0] for f in factors])
    stream = np.array([DESIGN[f][1] for f in factors])
    x = np.array([DESIGN[f][2] for f in factors], dtype=float).T
    if movement is None:
        movement = np.zeros((M, 2, 3), dtype=int)
        movement[[1, 3, 5, 7]] = 1
        movement[[0, 2], 0, :2] = 1
    return ModelData(
        municipalities=tuple(str(m + 1) for m in range(M)),
        factors=factors,
        factor_phase=phase,
        factor_stream=stream,
        factor_origin=tuple("theory" for _ in factors),
        x=x,
        movement=movement,
        agenda_window=movement[:, 0, :].all(axis=1).astype(int),
    )


def fake_draws(data: ModelData, n: int = 400, seed: int = 0, beta_shift: np.ndarray | None = None) -> dict:
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.5, 0.4, size=(n, 6))
    beta = mu[:, data.factor_group] + rng.normal(0.0, 0.5, size=(n, len(data.factors)))
    if beta_shift is not None:
        beta = beta + beta_shift
    return {
        "alpha": rng.normal(0.0, 0.5, size=(n, 2, 3)),
        "mu": mu,
        "tau": np.abs(rng.normal(0.5, 0.1, size=(n, 6))),
        "beta": beta,
        "sigma_u": np.abs(rng.normal(0.5, 0.1, size=n)),
        "u": rng.normal(0.0, 0.3, size=(n, data.n_municipalities)),
        "kappa": rng.normal(0.5, 0.3, size=(n, 3)),
    }


DIMS = {
    "alpha": ("phase", "stream"), "mu": ("group",), "tau": ("group",), "beta": ("factor",), "sigma_u": (),
    "u": ("municipality",), "kappa": ("stream",), "delta": ("factor",),
}


def fake_fit(data: ModelData, draws: dict, chains: int = 2) -> xr.DataTree:
    """A DataTree shaped like a fit: posterior, log_likelihood["movement"] and log_prior."""
    n = draws["alpha"].shape[0]
    shape = (chains, n // chains)
    coords = {k: v for k, v in data.coords.items()} | {"chain": np.arange(chains), "draw": np.arange(shape[1])}
    post = xr.Dataset(
        {k: (("chain", "draw", *DIMS[k]), v.reshape(*shape, *v.shape[1:])) for k, v in draws.items()}, coords=coords
    )
    eta = linear_predictor(draws, data.x, data.factor_group, data.agenda_window)
    loglik = np.where(data.movement[None] == 1, log_expit(eta), log_expit(-eta))
    dims4 = ("chain", "draw", "municipality", "phase", "stream")
    log_prior = xr.Dataset(
        {
            "alpha": -0.5 * post["alpha"] ** 2,
            "mu": -0.5 * (post["mu"] / 0.5) ** 2,
            "tau": -0.5 * post["tau"] ** 2,
            "sigma_u": -0.5 * post["sigma_u"] ** 2,
            "kappa": -0.5 * post["kappa"] ** 2,
        }
    )
    return xr.DataTree.from_dict(
        {
            "posterior": post,
            "log_likelihood": xr.Dataset({"movement": (dims4, loglik.reshape(*shape, *loglik.shape[1:]))},
                                         coords=coords),
            "log_prior": log_prior,
        }
    )


@pytest.fixture(scope="module")
def design():
    return hand_design()


@pytest.fixture(scope="module")
def ident(design):
    return factor_identification(design).set_index("factor")


def test_constant_factors_are_not_identified(ident):
    assert ident.loc["constant_present", "identification"] == "not identified"
    assert "confounded with the baseline of the agenda problem stream" in ident.loc["constant_present",
                                                                                   "identification_note"]
    assert ident.loc["constant_zero", "identification"] == "not identified"
    assert "never enters the likelihood" in ident.loc["constant_zero", "identification_note"]
    assert bool(ident.loc["constant_zero", "constant"]) and ident.loc["constant_zero", "levels_observed"] == "0"


def test_exact_twins_are_not_identified_and_name_each_other(ident):
    for a, b in (("twin_a", "twin_b"), ("twin_b", "twin_a")):
        assert ident.loc[a, "identification"] == "not identified"
        assert ident.loc[a, "confounded_with"] == b
        assert "only their joint effect is identified" in ident.loc[a, "identification_note"]


def test_single_municipality_support_is_weak_and_says_which(ident):
    row = ident.loc["single_lacking"]
    assert row["identification"] == "weakly identified"
    assert row["fragile_without"] == "1"
    assert "level -1 is seen only in municipality 1" in row["identification_note"]
    for a, b in (("near_twin_a", "near_twin_b"), ("near_twin_b", "near_twin_a")):
        assert ident.loc[a, "identification"] == "weakly identified"
        assert f"its codes equal those of {b} except in municipality 8" in ident.loc[a, "identification_note"]


def test_a_level_seen_once_is_named_even_when_identified(ident):
    row = ident.loc["rare_level"]
    assert row["identification"] == "identified"
    assert "level -1 is seen only in municipality 2" in row["identification_note"]


def test_unseen_level_is_reported_but_does_not_block_identification(ident):
    row = ident.loc["never_present"]
    assert row["identification"] == "identified"
    assert row["unseen_levels"] == "+1" and row["n_present"] == 0 and row["n_lacking"] == 4
    assert "level +1 never observed" in row["identification_note"]
    assert ident.loc["good", "identification"] == "identified"


def test_reported_indicator_coding_confounds_two_level_factors():
    data = hand_design()
    ident = factor_identification(data, reported_indicator=True).set_index("factor")
    # never_present takes -1 and 0 only: x = -|x|, so beta and the reported-at-all term coincide
    assert ident.loc["never_present", "identification"] == "not identified"
    assert "whether never_present was reported at all" in ident.loc["never_present", "confounded_with"]


def test_a_fit_with_delta_is_judged_under_the_reported_indicator_coding(design):
    draws = fake_draws(design)
    draws["delta"] = np.zeros_like(draws["beta"])
    effects = factor_effects(fake_fit(design, draws), design).set_index("factor")
    assert effects.loc["never_present", "identification"] == "not identified"
    assert effects.loc["never_present", "sign_call"] == "not identified"
    assert effects.loc["good", "identification"] != "not identified"


def test_p_beta_above_mu_matches_direct_computation(design):
    draws = fake_draws(design)
    table = stream_contrasts(draws, design).set_index("factor")
    for f, factor in enumerate(design.factors):
        diff = draws["beta"][:, f] - draws["mu"][:, design.factor_group[f]]
        assert table.loc[factor, "p_beta_above_mu"] == pytest.approx((diff > 0).mean())
        assert table.loc[factor, "p_mu_positive"] == pytest.approx((draws["mu"][:, design.factor_group[f]] > 0).mean())
        assert table.loc[factor, "beta_minus_mu_eti95_lb"] == pytest.approx(np.quantile(diff, 0.025), abs=1e-9)


def test_calls_use_one_threshold_and_never_sign_an_unidentified_factor():
    assert sign_call(DECISIVE) == "positive" and sign_call(1 - DECISIVE) == "negative"
    assert sign_call(0.99, "not identified") == "not identified"
    assert evidence_label("identified", 0.6) == "stream-level only"
    assert evidence_label("weakly identified", 0.95) == "factor-specific"
    assert evidence_label("not identified", 0.99) == "not identified"


def test_factor_effects_report_observed_contrasts_only(design):
    draws = fake_draws(design, beta_shift=np.where(np.array(design.factors) == "good", 3.0, 0.0))
    effects = factor_effects(fake_fit(design, draws), design).set_index("factor")
    assert effects.loc["good", "evidence"] == "factor-specific"
    assert effects.loc["constant_present", "sign_call"] == "not identified"
    assert "positive" not in effects.loc["constant_present", "statement"]
    assert np.isnan(effects.loc["never_present", "ame_pp_plus_vs_minus_mean"])
    assert effects.loc["never_present", "ame_note"] == "+1 vs -1 not reported: level +1 never observed"
    assert effects.loc["never_present", "ame_contrast_observed"] == "0 vs -1"
    assert np.isfinite(effects.loc["never_present", "ame_pp_observed_mean"])
    assert np.isfinite(effects.loc["good", "ame_pp_plus_vs_minus_mean"])
    assert not any(c.startswith("ame_pp_plus_vs_zero") for c in effects.columns)


def test_what_if_never_ranks_a_flagged_change_among_the_fine_ones(design):
    table = what_if(fake_fit(design, fake_draws(design)), design)
    flagged = table["flag"] != ""
    assert (table.loc[table["factor"] == "never_present", "unseen_level"]).all()
    assert flagged[table["factor"].isin(["constant_zero", "never_present", "twin_a", "twin_b"])].all()
    assert not flagged[table["factor"] == "good"].any()
    for _, part in table.groupby(["municipality", "phase"]):
        bad = part["flag"] != ""
        if bad.any() and (~bad).any():
            assert part.loc[bad, "rank"].min() > part.loc[~bad, "rank"].max()
        assert part.loc[~bad, "gain_pp_mean"].is_monotonic_decreasing
    agenda = table["phase"] == "agenda"
    assert table.loc[agenda, "knock_on_institutionalisation_pp_mean"].notna().all()
    assert table.loc[~agenda, "knock_on_institutionalisation_pp_mean"].isna().all()


def test_rank_agreement_on_constructed_fits(design):
    base = fake_draws(design, n=200)
    order = np.arange(len(design.factors), dtype=float)
    same = dict(base, beta=np.tile(order, (200, 1)))
    reverse = dict(base, beta=np.tile(order[::-1], (200, 1)))
    fits = {"default": fake_fit(design, same), "same": fake_fit(design, same), "reverse": fake_fit(design, reverse)}
    kinds = {"default": "default", "same": "prior_scale", "reverse": "prior_family"}
    table = rank_agreement(fits, design, kinds, identified=["good", "single_lacking", "never_present"]).set_index(
        "alternative")
    assert table.loc["same", "spearman_beta_mean"] == pytest.approx(1.0)
    assert table.loc["reverse", "spearman_beta_mean"] == pytest.approx(-1.0)
    assert table.loc["reverse", "spearman_beta_mean_identified"] == pytest.approx(-1.0)
    assert table.loc["same", "spearman_window_probability_mean"] == pytest.approx(1.0)
    assert table.loc["reverse", "kind"] == "prior_family"


def test_calls_across_fits_and_highlighted_robustness(design):
    draws = fake_draws(design, beta_shift=np.where(np.array(design.factors) == "good", 3.0, 0.0))
    flipped = dict(draws, beta=-draws["beta"], mu=-draws["mu"])
    fits = {"default": fake_fit(design, draws), "wide": fake_fit(design, draws), "coding": fake_fit(design, flipped)}
    kinds = {"default": "default", "wide": "prior_scale", "coding": "coding"}
    calls = calls_across_fits(fits, design, kinds)
    good = calls[calls["factor"] == "good"].set_index("fit")
    assert good.loc["wide", "call_as_default"] and not good.loc["coding", "sign_call_as_default"]
    assert not good["call_stable_all_fits"].any()
    effects = factor_effects(fits["default"], design)
    table = highlighted_robustness(effects, calls, factors=("good", "constant_present")).set_index("factor")
    assert bool(table.loc["good", "sign_call_survives_prior_scale"])
    assert not bool(table.loc["good", "sign_call_survives_coding"])
    assert pd.isna(table.loc["good", "sign_call_survives_prior_family"])
    assert "Changed: the sign call under the reported-indicator coding (coding: negative)" in table.loc["good",
                                                                                                      "robustness"]
    # an unidentified factor stays unidentified whatever the prior: its call is stable
    assert bool(table.loc["constant_present", "evidence_survives_coding"])
    assert alternative_kind({"prior_scale": 0.5}, {"prior_scale": 1.0}) == "prior_scale"
    assert alternative_kind({"reported_indicator": True, "prior_scale": 1.0}, {"reported_indicator": False}) == "coding"


def test_power_scaling_scales_one_prior_at_a_time(design):
    draws = fake_draws(design, n=1000)
    tree = fake_fit(design, draws)
    # a prior whose log density is unrelated to every target can hardly move any of them
    noise = np.random.default_rng(5).normal(0.0, 0.1, size=tree["log_prior"]["sigma_u"].shape)
    tree["log_prior"]["sigma_u"] = tree["log_prior"]["sigma_u"].copy(data=noise)
    table = prior_sensitivity(tree, design, priors=("mu", "sigma_u", "absent"))
    assert set(table["prior"]) == {"mu", "sigma_u"}
    assert list(table.columns) == ["prior", "target", "target_kind", "prior_sensitivity", "likelihood_sensitivity",
                                   "diagnosis"]
    unrelated = table[table["prior"] == "sigma_u"]
    mu_rows = table[(table["prior"] == "mu") & (table["target_kind"] == "stream pooled mean")]
    assert len(mu_rows) == 6
    assert mu_rows["prior_sensitivity"].min() > 3 * unrelated["prior_sensitivity"].max()
    assert (unrelated["diagnosis"] == "no issue").all()
    assert set(table["target_kind"]) >= {"factor coefficient", "window probability", "factor minus stream mean"}
