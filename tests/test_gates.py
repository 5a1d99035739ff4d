"""The convergence gates raise on fits that violate them and name the offenders."""

import numpy as np
import pytest
import xarray as xr

from policy_windows.inference.gates import ConvergenceError, GateThresholds, check_gates

GATES = GateThresholds(max_rhat=1.01, min_ess_bulk=400, min_ess_tail=400, max_divergences=0)


def _fake_fit(beta: np.ndarray, diverging: np.ndarray) -> xr.DataTree:
    chains, draws = beta.shape[:2]
    posterior = xr.Dataset(
        {"beta": (("chain", "draw", "factor"), beta)},
        coords={"chain": range(chains), "draw": range(draws), "factor": list("abcdefgh")[: beta.shape[2]]},
    )
    stats = xr.Dataset({"diverging": (("chain", "draw"), diverging)}, coords={"chain": range(chains), "draw": range(draws)})
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})


def test_good_fit_passes():
    rng = np.random.default_rng(0)
    fit = _fake_fit(rng.normal(size=(4, 1000, 2)), np.zeros((4, 1000), bool))
    table = check_gates(fit, ["beta"], GATES)
    assert table["passes"].all() and len(table) == 2


def test_stuck_chain_fails_rhat_and_names_parameter():
    rng = np.random.default_rng(0)
    beta = rng.normal(size=(4, 1000, 2))
    beta[0, :, 1] += 5.0  # one chain elsewhere for factor b
    with pytest.raises(ConvergenceError, match=r"beta\[b\]: R-hat") as err:
        check_gates(_fake_fit(beta, np.zeros((4, 1000), bool)), ["beta"], GATES)
    assert "beta[a]" not in str(err.value)


def test_low_ess_fails():
    rng = np.random.default_rng(1)
    walk = np.cumsum(rng.normal(size=(4, 1000, 2)), axis=1)  # strongly autocorrelated
    with pytest.raises(ConvergenceError, match="bulk ESS"):
        check_gates(_fake_fit(walk, np.zeros((4, 1000), bool)), ["beta"], GATES)


def test_divergences_fail():
    rng = np.random.default_rng(2)
    diverging = np.zeros((4, 1000), bool)
    diverging[1, 10] = True
    with pytest.raises(ConvergenceError, match="1 divergent transitions"):
        check_gates(_fake_fit(rng.normal(size=(4, 1000, 2)), diverging), ["beta"], GATES)


def test_switched_off_elements_pass_and_stuck_ones_fail():
    rng = np.random.default_rng(3)
    draws = rng.normal(size=(4, 1000, 3))
    draws[:, :, 1] = 0.0  # switched off by the configuration: exactly 0 everywhere
    table = check_gates(_fake_fit(draws, np.zeros((4, 1000), bool)), ["beta"], GATES)
    assert table["switched_off"].tolist() == [False, True, False] and table["passes"].all()
    draws[:, :, 1] = 0.37  # constant but not 0: a stuck chain, not a switched-off part
    with pytest.raises(ConvergenceError, match="cannot be computed"):
        check_gates(_fake_fit(draws, np.zeros((4, 1000), bool)), ["beta"], GATES)


def _fake_sampler(monkeypatch, good_from: int, diverging: bool = False) -> list:
    """Replace the sampler inside fit_to_gates: fits with fewer than ``good_from`` draws mix
    badly (random walks), longer ones well; every call's settings are recorded."""
    from policy_windows.inference import gates

    calls = []

    def fake_fit(compiled, data, config, priors, settings):
        calls.append(settings)
        rng = np.random.default_rng(settings.draws)
        size = (4, settings.draws, 2)
        beta = rng.normal(size=size) if settings.draws >= good_from else np.cumsum(rng.normal(size=size), axis=1)
        flags = np.zeros((4, settings.draws), bool)
        flags[0, 0] = diverging
        return _fake_fit(beta, flags)

    monkeypatch.setattr(gates, "fit", fake_fit)
    return calls


def _settings(max_draws):
    from policy_windows.inference.sampler import SamplerSettings

    return SamplerSettings(draws=250, tune=100, chains=4, target_accept=0.9, seed=1, max_draws=max_draws)


class _Config:
    name = "fake"


def test_a_slowly_mixing_fit_is_rerun_longer_until_it_passes(monkeypatch):
    from policy_windows.inference.gates import fit_to_gates

    calls = _fake_sampler(monkeypatch, good_from=1000)
    idata, _ = fit_to_gates(None, None, _Config(), None, _settings(4000), GATES)
    assert [(s.draws, s.tune) for s in calls] == [(250, 100), (500, 200), (1000, 400)]
    assert idata.attrs["draws_tried"] == "250, 500, 1000"
    check_gates(idata, ["beta"], GATES)


def test_longer_runs_stop_at_max_draws_and_the_gate_still_fails(monkeypatch):
    from policy_windows.inference.gates import fit_to_gates

    calls = _fake_sampler(monkeypatch, good_from=10_000)
    idata, _ = fit_to_gates(None, None, _Config(), None, _settings(600), GATES)
    assert [s.draws for s in calls] == [250, 500]
    with pytest.raises(ConvergenceError):
        check_gates(idata, ["beta"], GATES)


def test_a_divergent_fit_is_not_rerun(monkeypatch):
    from policy_windows.inference.gates import fit_to_gates

    calls = _fake_sampler(monkeypatch, good_from=1000, diverging=True)
    idata, _ = fit_to_gates(None, None, _Config(), None, _settings(4000), GATES)
    assert len(calls) == 1 and idata.attrs["draws_tried"] == "250"
