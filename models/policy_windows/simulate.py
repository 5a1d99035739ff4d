"""Simulate data from the ``full`` model for simulation-based calibration and recovery.

Everything is pure and seeded: parameter draws come from ``pm.sample_prior_predictive`` on
the model that :func:`policy_windows.model.build_model` builds (so the truth of an SBC
simulation is drawn from exactly the prior that is later fitted), and movement is simulated
with an explicit ``np.random.Generator``.

The generative order matters. The model conditions institutionalisation on the agenda
window (``kappa[s] * agenda_window[m]``), and the agenda window is itself an outcome: it
opens when all three agenda streams move. So movement is simulated phase by phase:

1. agenda movement from ``alpha``, ``beta``, ``u``;
2. agenda window = all three agenda streams moved;
3. institutionalisation movement with ``kappa * simulated agenda window``.

A fit on simulated data must therefore swap ``movement_data`` *and* ``agenda_window``
together (see :func:`data_containers`); leaving the shipped agenda window in place would
fit a different likelihood from the one that generated the data.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pymc as pm

from .constants import CODES, PHASES, STREAMS
from .derived import stream_probability, window_probability
from .design import ModelData, model_data_from_table
from .model import Priors, Variant, build_model

# Free parameters of the full model, and the derived quantity SBC also checks.
PARAMETERS: tuple[str, ...] = ("alpha", "mu", "tau", "beta", "u", "kappa", "sigma_u")
DERIVED: tuple[str, ...] = ("window_probability",)


def observed_model_data(
    factor_codes: pd.DataFrame, codebook: pd.DataFrame, stream_movement: pd.DataFrame
) -> ModelData:
    """The shipped design straight from the raw tables (before the pipeline has run).

    Same layout as ``data/processed/model_table.csv``: codes joined with the codebook's
    origin (in codebook order) and the coded stream movement.
    """
    table = factor_codes[["municipality", "phase", "stream", "factor", "code"]].merge(
        codebook[["factor", "origin"]], on="factor", how="inner", validate="many_to_one"
    )
    table = table.merge(
        stream_movement[["municipality", "phase", "stream", "movement"]],
        on=["municipality", "phase", "stream"],
        how="left",
        validate="many_to_one",
    )
    order = {f: i for i, f in enumerate(codebook["factor"])}
    table = table.assign(_order=table["factor"].map(order)).sort_values(["municipality", "_order"])
    return model_data_from_table(table.drop(columns="_order").reset_index(drop=True))


def code_frequencies(data: ModelData, pseudo_count: float = 0.0) -> np.ndarray:
    """Observed frequency of each code (columns ordered as ``CODES``) per factor, (factor, 3).

    ``pseudo_count`` adds that many pseudo-observations to every code (0 = the observed
    frequencies exactly; a positive value keeps never-observed codes possible, so factors
    that the thesis coded identically everywhere become identifiable in a large design).
    """
    counts = np.stack([(data.x == c).sum(axis=0) for c in CODES], axis=1).astype(float)
    counts = counts + pseudo_count
    return counts / counts.sum(axis=1, keepdims=True)


def synthetic_design(
    template: ModelData,
    n_municipalities: int,
    rng: np.random.Generator,
    frequencies: np.ndarray | None = None,
) -> ModelData:
    """A design of ``n_municipalities`` with the template's factors and code frequencies.

    Each factor's code is drawn independently per municipality from ``frequencies``
    (default: the template's observed frequencies). Movement and agenda window are zero
    placeholders until :func:`simulate_dataset` fills them in.
    """
    freqs = code_frequencies(template) if frequencies is None else np.asarray(frequencies, dtype=float)
    if freqs.shape != (len(template.factors), len(CODES)):
        raise ValueError(f"frequencies must have shape {(len(template.factors), len(CODES))}, got {freqs.shape}")
    cumulative = np.cumsum(freqs, axis=1)
    cumulative[:, -1] = 1.0
    uniform = rng.random((n_municipalities, len(template.factors)))
    index = (uniform[:, :, None] >= cumulative[None, :, :]).sum(axis=2)
    x = np.asarray(CODES, dtype=float)[index]
    width = len(str(n_municipalities))
    return replace(
        template,
        municipalities=tuple(f"sim{i + 1:0{width}d}" for i in range(n_municipalities)),
        x=x,
        movement=np.zeros((n_municipalities, len(PHASES), len(STREAMS)), dtype=int),
        agenda_window=np.zeros(n_municipalities, dtype=int),
        extra={},
    )


def prior_draws(
    data: ModelData,
    n_draws: int,
    seed: int,
    priors: Priors = Priors(),
    *,
    centred: bool = False,
) -> dict[str, np.ndarray]:
    """Prior draws of the free parameters of the full model built on ``data``.

    Drawn with ``pm.sample_prior_predictive`` on ``build_model(data)``, so the priors and
    their ``1/sqrt(group size)`` scaling are the model's own. Each array has the draw axis
    first, e.g. ``beta`` is (draw, factor), ``u`` is (draw, municipality).
    """
    model = build_model(data, Variant(), priors, centred=centred, store_derived=False)
    idata = pm.sample_prior_predictive(model=model, draws=n_draws, random_seed=seed, var_names=list(PARAMETERS))
    prior = idata["prior"]
    return {name: prior[name].isel(chain=0).to_numpy() for name in PARAMETERS}


def draw_at(draws: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    """One parameter set (no draw axis) out of :func:`prior_draws`."""
    return {name: np.asarray(value[i]) for name, value in draws.items()}


def simulate_movement(params: dict[str, np.ndarray], data: ModelData, rng: np.random.Generator) -> np.ndarray:
    """Movement (municipality, phase, stream) simulated phase by phase from one parameter set.

    Agenda streams first; the agenda window they open then enters institutionalisation
    through ``kappa``, exactly as ``build_model`` conditions on it.
    """
    one = {k: np.asarray(v)[None, ...] for k, v in params.items() if k in ("alpha", "beta", "u", "kappa")}
    n = data.n_municipalities
    closed = stream_probability(one, replace(data, agenda_window=np.zeros(n, dtype=int)))[0]
    opened = stream_probability(one, replace(data, agenda_window=np.ones(n, dtype=int)))[0]
    agenda = (rng.random(closed[:, 0, :].shape) < closed[:, 0, :]).astype(int)
    agenda_window = agenda.all(axis=1)
    theta_inst = np.where(agenda_window[:, None], opened[:, 1, :], closed[:, 1, :])
    inst = (rng.random(theta_inst.shape) < theta_inst).astype(int)
    return np.stack([agenda, inst], axis=1)


def true_window_probability(params: dict[str, np.ndarray], data: ModelData) -> np.ndarray:
    """window_probability (municipality, phase) implied by ``params`` on ``data``'s design.

    ``data`` must carry the simulated agenda window (as :func:`simulate_dataset` returns it),
    which is what the model's ``window_probability`` deterministic uses after a data swap.
    """
    one = {k: np.asarray(v)[None, ...] for k, v in params.items() if k in ("alpha", "beta", "u", "kappa")}
    return window_probability(stream_probability(one, data))[0]


def simulate_dataset(
    params: dict[str, np.ndarray], design: ModelData, rng: np.random.Generator
) -> tuple[ModelData, dict[str, np.ndarray]]:
    """Simulated data and the full truth (parameters plus ``window_probability``)."""
    if np.asarray(params["u"]).shape != (design.n_municipalities,):
        raise ValueError("params['u'] must have one value per municipality of the design")
    data = design.with_outcomes(simulate_movement(params, design, rng))
    truth = {name: np.asarray(value) for name, value in params.items()}
    truth["window_probability"] = true_window_probability(params, data)
    return data, truth


def data_containers(data: ModelData, *, include_x: bool = False) -> dict[str, np.ndarray]:
    """Values for ``compiled.with_data(...)``: movement and agenda window always together."""
    out = {
        "movement_data": np.asarray(data.movement, dtype=np.int32),
        "agenda_window": np.asarray(data.agenda_window, dtype=np.int32),
    }
    if include_x:
        out["x"] = np.asarray(data.x, dtype=float)
    return out


def simulation_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """Independent generator for simulation ``index`` (independent of how sims are chunked)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(stream), int(index)]))


def simulation_seed(seed: int, index: int, stream: int = 0) -> int:
    """An integer seed (for the sampler) derived like :func:`simulation_rng`."""
    return int(np.random.SeedSequence([int(seed), int(stream), int(index)]).generate_state(1)[0])


def sbc_design(shipped: ModelData, design: str, n_municipalities: int, seed: int) -> ModelData:
    """The design SBC simulates on: the shipped one, or a seeded synthetic one of that size."""
    if design == "observed":
        return shipped
    if design == "synthetic":
        return synthetic_design(shipped, n_municipalities, simulation_rng(seed, 0, stream=99))
    raise ValueError(f"unknown SBC design {design!r}; expected 'observed' or 'synthetic'")
