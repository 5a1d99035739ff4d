"""Simulate data from a model configuration for simulation-based calibration and recovery.

Everything is pure and seeded. True parameters are drawn from the prior of exactly the
configuration that is later fitted, using the same prior arrays the compiled kernel reads
(:func:`configuration.kernel_arrays`), so the simulated truth and the fitted prior cannot
drift apart. Movement is simulated with an explicit ``np.random.Generator``.

The generative order matters. The model conditions institutionalisation on the agenda
window (``kappa[s] * agenda_window[m]``), and the agenda window is itself an outcome: it
opens when all three agenda streams move. So movement is simulated phase by phase:

1. agenda movement from ``alpha``, ``beta``, ``delta``, ``u``;
2. agenda window = all three agenda streams moved;
3. institutionalisation movement with ``kappa * simulated agenda window``.

A fit on simulated data therefore uses the simulated agenda window (``ModelData.with_outcomes``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from policy_windows.constants import CODES, PHASES, STREAMS
from policy_windows.data.design import ModelData
from policy_windows.model.predictor import stream_probability, window_probability

# Parameter families SBC ranks (those present in the configuration), and the derived one.
PARAMETERS: tuple[str, ...] = ("alpha", "mu", "tau", "beta", "delta", "u", "kappa", "sigma_u")
DERIVED: tuple[str, ...] = ("window_probability",)


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


def prior_draws(arrays: dict, n_draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draws of every parameter from the prior encoded in the kernel ``arrays``.

    Mirrors ``kernel.logp_and_grad`` term by term (a test compares the two): switched-off
    parts are zero, exactly as the sampler's ``expand`` reports them. Each array has the
    draw axis first, e.g. ``beta`` is (draw, factor), ``u`` is (draw, municipality).
    """
    n_mun, n_fac = np.shape(arrays["x"])
    group, on = np.asarray(arrays["group"], dtype=int), arrays["factor_on"]
    tau_on, delta_on, u_on, kappa_on = arrays["switches"]
    alpha_sd, sigma_u_sd, kappa_mu, kappa_sd = arrays["scalars"]
    alpha = rng.normal(0.0, alpha_sd, (n_draws, 2, 3))
    mu = rng.normal(0.0, 1.0, (n_draws, 6)) * arrays["mu_sd"]
    tau = np.abs(rng.normal(0.0, 1.0, (n_draws, 6))) * arrays["tau_sd"]
    z = rng.normal(0.0, 1.0, (n_draws, n_fac))
    zd = rng.normal(0.0, 1.0, (n_draws, n_fac))
    sigma_u = np.abs(rng.normal(0.0, sigma_u_sd, n_draws))
    u_z = rng.normal(0.0, 1.0, (n_draws, n_mun))
    kappa = rng.normal(kappa_mu, kappa_sd, (n_draws, 3))
    return {
        "alpha": alpha,
        "mu": mu,
        "tau": tau,
        "beta": on * (mu[:, group] + tau_on * tau[:, group] * z),
        "delta": on * delta_on * arrays["delta_sd"][group] * zd,
        "sigma_u": sigma_u,
        "u": u_on * sigma_u[:, None] * u_z,
        "kappa": kappa_on * kappa,
    }


def draw_at(draws: dict[str, np.ndarray], i: int) -> dict[str, np.ndarray]:
    """One parameter set (no draw axis) out of :func:`prior_draws`."""
    return {name: np.asarray(value[i]) for name, value in draws.items()}


def sequential_movement(
    draws: dict[str, np.ndarray], data: ModelData, rng: np.random.Generator, x: np.ndarray | None = None
) -> np.ndarray:
    """Movement (sample, municipality, phase, stream) simulated phase by phase, per draw.

    Agenda streams first; the agenda window they open (all three move) then enters the
    institutionalisation streams through ``kappa``, exactly as the model conditions on it.
    ``draws`` holds the predictor's parameters with a leading sample axis; ``x`` replaces
    the observed codes (counterfactuals).
    """
    x = data.x if x is None else x
    no_window = np.zeros(data.n_municipalities)
    theta_agenda = stream_probability(draws, x, data.factor_group, no_window)[:, :, 0, :]
    agenda = rng.random(theta_agenda.shape) < theta_agenda
    window = agenda.all(axis=-1).astype(float)  # (sample, municipality): simulated, per draw
    theta_inst = stream_probability(draws, x, data.factor_group, window)[:, :, 1, :]
    inst = rng.random(theta_inst.shape) < theta_inst
    return np.stack([agenda, inst], axis=2).astype(int)


def simulate_movement(params: dict[str, np.ndarray], data: ModelData, rng: np.random.Generator) -> np.ndarray:
    """Movement (municipality, phase, stream) simulated phase by phase from one parameter set."""
    one = {k: np.asarray(v)[None, ...] for k, v in params.items() if k in ("alpha", "beta", "delta", "u", "kappa")}
    return sequential_movement(one, data, rng)[0]


def prior_predictive(arrays: dict, data: ModelData, n_draws: int, rng: np.random.Generator):
    """Prior draws, the theta and pi they imply at the observed agenda window, and movement
    simulated phase by phase, as an ArviZ-style DataTree (groups prior, prior_predictive,
    observed_data)."""
    import xarray as xr

    draws = prior_draws(arrays, n_draws, rng)
    theta = stream_probability(draws, data.x, data.factor_group, data.agenda_window)
    movement = sequential_movement(draws, data, rng)
    dims = ("chain", "draw", "municipality", "phase", "stream")
    prior = {name: (("chain", "draw") + DIMS[name], value[None]) for name, value in draws.items()}
    prior["stream_movement"] = (dims, theta[None])
    prior["window_probability"] = (dims[:-1], window_probability(theta)[None])
    coords = data.coords
    return xr.DataTree.from_dict(
        {
            "prior": xr.Dataset(prior, coords=coords),
            "prior_predictive": xr.Dataset({"movement": (dims, movement[None])}, coords=coords),
            "observed_data": xr.Dataset({"movement": (dims[2:], data.movement)}, coords=coords),
        }
    )


DIMS = {
    "alpha": ("phase", "stream"), "mu": ("group",), "tau": ("group",), "beta": ("factor",),
    "delta": ("factor",), "sigma_u": (), "u": ("municipality",), "kappa": ("stream",),
}


def true_window_probability(params: dict[str, np.ndarray], data: ModelData) -> np.ndarray:
    """window_probability (municipality, phase) implied by ``params`` given ``data``'s agenda window."""
    one = {k: np.asarray(v)[None, ...] for k, v in params.items() if k in ("alpha", "beta", "delta", "u", "kappa")}
    return window_probability(stream_probability(one, data.x, data.factor_group, data.agenda_window))[0]


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


def simulation_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """Independent generator for simulation ``index`` (independent of how sims are chunked)."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(stream), int(index)]))


def simulation_seed(seed: int, index: int, stream: int = 0) -> int:
    """An integer seed (for the sampler) derived like :func:`simulation_rng`."""
    return int(np.random.SeedSequence([int(seed), int(stream), int(index)]).generate_state(1)[0])


def sbc_design(shipped: ModelData, design: str, n_municipalities: int, seed: int, max_municipalities: int) -> ModelData:
    """The design SBC simulates on: the shipped one, or a seeded synthetic one of that size.

    A shipped design with more than ``max_municipalities`` municipalities is replaced by a
    seeded sample of that many of its municipalities (their codes as coded), so that the
    default build's SBC stays affordable at national scale; the report says so.
    """
    if design == "observed":
        if shipped.n_municipalities <= max_municipalities:
            return shipped
        rows = np.sort(simulation_rng(seed, 0, stream=98).choice(shipped.n_municipalities, max_municipalities, replace=False))
        return replace(
            shipped,
            municipalities=tuple(shipped.municipalities[i] for i in rows),
            x=shipped.x[rows],
            movement=shipped.movement[rows],
            agenda_window=shipped.agenda_window[rows],
            extra={},
        )
    if design == "synthetic":
        return synthetic_design(shipped, n_municipalities, simulation_rng(seed, 0, stream=99))
    raise ValueError(f"unknown SBC design {design!r}; expected 'observed' or 'synthetic'")
