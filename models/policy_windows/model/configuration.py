"""Model configurations as data: which parts of the one model are switched on, and priors.

Every model this project fits (the full model, its variants, the baselines, alternative
prior families and scales) is a :class:`Configuration` of the same compiled kernel
(``kernel.py``); :func:`kernel_arrays` turns a configuration and a design into the arrays
the kernel reads. Defaults live in ``workflow/schemas/config.schema.yaml`` and
``config/config.yaml``; the dataclasses here carry no defaults of their own except for
building the reference PyMC model in tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from policy_windows.data.design import ModelData
from policy_windows.model.predictor import N_GROUPS

FACTOR_SETS = ("all", "theory", "none")
PRIOR_FAMILIES = ("scaled", "unscaled")


@dataclass(frozen=True)
class Priors:
    """Prior scales on the logit scale (justified in docs/model_card.md)."""

    alpha_sd: float = 1.0
    mu_sd: float = 1.0
    tau_sd: float = 1.0
    sigma_u_sd: float = 0.75
    kappa_mu: float = 0.0
    kappa_sd: float = 1.0
    delta_sd: float = 1.0

    @classmethod
    def from_config(cls, cfg: dict | None) -> "Priors":
        return cls(**(cfg or {}))

    def scaled(self, factor: float) -> "Priors":
        """Every prior scale (``*_sd``) multiplied by ``factor``; locations unchanged."""
        values = {k: (v * factor if k.endswith("_sd") else v) for k, v in asdict(self).items()}
        return Priors(**values)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Configuration:
    """One model of the family.

    factors: "all", "theory" (empirical factors off) or "none" (intercept-only per cell).
    factor_specific: False gives the sum-score model, beta[f] = mu[block] (tau off).
    reported_indicator: True frees delta[f], so a code of 0 ("not reported") is not forced
    halfway between lacking (-1) and present (+1).
    prior_family: "scaled" (mu, tau scales divided by sqrt(factors in the block)) or
    "unscaled"; prior_scale multiplies every prior sd.
    """

    name: str
    factors: str = "all"
    factor_specific: bool = True
    reported_indicator: bool = False
    coupling: bool = True
    municipality_effect: bool = True
    prior_family: str = "scaled"
    prior_scale: float = 1.0

    def __post_init__(self):
        if self.factors not in FACTOR_SETS:
            raise ValueError(f"model {self.name!r}: factors={self.factors!r}; expected one of {FACTOR_SETS}")
        if self.prior_family not in PRIOR_FAMILIES:
            raise ValueError(
                f"model {self.name!r}: prior_family={self.prior_family!r}; expected one of {PRIOR_FAMILIES}"
            )

    @classmethod
    def from_config(cls, name: str, cfg: dict | None) -> "Configuration":
        return cls(name=name, **(cfg or {}))

    def factor_on(self, data: ModelData) -> np.ndarray:
        """(factor,) 1.0 where the factor enters the linear predictor."""
        if self.factors == "all":
            return np.ones(len(data.factors))
        if self.factors == "theory":
            return np.array([1.0 if o == "theory" else 0.0 for o in data.factor_origin])
        return np.zeros(len(data.factors))

    @property
    def parameters(self) -> tuple[str, ...]:
        """Parameters this configuration actually estimates (the gates and summaries use these)."""
        names = ["alpha"]
        if self.factors != "none":
            names += ["mu"]
            if self.factor_specific:
                names += ["tau", "beta"]
            if self.reported_indicator:
                names += ["delta"]
        if self.municipality_effect:
            names += ["sigma_u", "u"]
        if self.coupling:
            names += ["kappa"]
        return tuple(names)

    def as_dict(self) -> dict:
        return asdict(self)


def block_scale(config: Configuration, data: ModelData) -> np.ndarray:
    """(group,) multiplier of the block-level prior sds: 1/sqrt(active factors) or 1."""
    sizes = np.bincount(data.factor_group[config.factor_on(data) > 0], minlength=N_GROUPS)
    if config.prior_family == "unscaled":
        return np.ones(N_GROUPS)
    return 1.0 / np.sqrt(np.maximum(sizes, 1))


@dataclass(frozen=True)
class Centring:
    """How the sampler sees the factor effects and municipality effects: a change of
    variables, never a change of model (``kernel._partially_centred``).

    ``beta``: per factor, 0 = non-centred (the sampler moves z, beta = mu + tau * z),
    1 = centred (it moves beta itself), in between = partially centred; ``u``: the same for
    the municipality effects. Factors that are switched off, and every factor of a model
    without factor-specific effects, are always non-centred (their value only feels its
    N(0, 1) prior). ``codes``: the sampler moves each phase x stream intercept at the
    average code of the design instead of at code 0 (the shear
    ``alpha + sum_f beta_f * mean(x_f)``, log-Jacobian 0), so an intercept and the slope of
    a factor that is mostly coded +1 are not one long diagonal ridge. ``signed``: the
    sampler moves t and s with tau = |t| and sigma_u = |s| instead of log(tau) and
    log(sigma_u); t ~ N(0, tau_sd) makes |t| exactly HalfNormal(tau_sd), and the effects
    beta = mu + t * z, u = s * u_z keep their distribution because z and u_z are symmetric
    (needs beta and u non-centred).
    """

    beta: tuple[float, ...] | None
    u: float
    codes: bool
    signed: bool = False

    @classmethod
    def non_centred(cls) -> "Centring":
        """The form shipped before issue 12: z and u_z standard normal, intercepts at code 0."""
        return cls(beta=None, u=0.0, codes=False)


def centring_of(arrays: dict) -> Centring:
    """The centring a set of kernel arrays encodes."""
    lam = np.asarray(arrays["lam"], dtype=float)
    return Centring(
        beta=None if not lam.any() else tuple(np.round(lam, 4)), u=float(arrays["lam_u"][0]),
        codes=bool(np.any(arrays["x_centre"]) or np.any(arrays["aw_centre"])),
        signed=bool(arrays["signed"][0]),
    )


def kernel_arrays(
    config: Configuration, priors: Priors, data: ModelData, weights: np.ndarray | None = None,
    centring: Centring | None = None,
) -> dict:
    """Everything the kernel reads for this configuration and design (see ``kernel.logp_and_grad``);
    ``centring`` defaults to :func:`choose_centring`."""
    priors = priors.scaled(config.prior_scale)
    factor_on = config.factor_on(data)
    active_groups = np.unique(data.factor_group[factor_on > 0])
    if config.factors != "none" and len(active_groups) < N_GROUPS:
        raise ValueError(f"model {config.name!r} leaves a phase x stream block without factors")
    scale = block_scale(config, data)
    n_mun = data.n_municipalities
    w = np.ones((n_mun, N_GROUPS)) if weights is None else np.asarray(weights, dtype=float).reshape(n_mun, N_GROUPS)
    return {
        "x": np.ascontiguousarray(data.x, dtype=float),
        "group": np.ascontiguousarray(data.factor_group, dtype=np.int64),
        "y": np.ascontiguousarray(data.movement.reshape(n_mun, N_GROUPS), dtype=float),
        "w": np.ascontiguousarray(w),
        "aw": np.ascontiguousarray(data.agenda_window, dtype=float),
        "factor_on": factor_on,
        "switches": np.array(
            [
                float(config.factor_specific),
                float(config.reported_indicator and config.factors != "none"),
                float(config.municipality_effect),
                float(config.coupling),
            ]
        ),
        "mu_sd": priors.mu_sd * scale,
        "tau_sd": priors.tau_sd * scale,
        "delta_sd": priors.delta_sd * scale,
        "scalars": np.array([priors.alpha_sd, priors.sigma_u_sd, priors.kappa_mu, priors.kappa_sd]),
        **_centring_arrays(choose_centring(data) if centring is None else centring, config, data),
    }


def choose_centring(data: ModelData) -> Centring:
    """The parameterisation the sampler uses for a design (docs/model_card.md, "Sampling").

    At every size: beta and u non-centred, intercepts moved at the average code, and the
    seven scales (tau per block, sigma_u) sampled as signed values (tau = |t|, sigma_u = |s|,
    t, s ~ N(0, sd): exactly the half-normal priors, with no log-Jacobian). Evidence
    (``benchmarks/run_benchmarks.py --scale``; simulated designs of 355 and 3,550
    municipalities, and the shipped 8): centring the codes removes the ridge between an
    intercept and the slope of a factor coded (nearly) the same everywhere; signed scales
    remove the long left tail that log(sigma_u) and log(tau) have when a scale's posterior
    reaches zero, which made sigma_u the slowest parameter (at M = 355, 1.6 times the
    effective draws per gradient of log scales and 1.7 to 3.4 times those of the non-centred
    form, results/benchmarks/summary.md); partially
    centred beta or u, even with the weights a Gaussian approximation calls optimal, mixed worse.
    """
    return Centring(beta=None, u=0.0, codes=True, signed=True)


FORMS = ("chosen", "non-centred")


def centring_for_form(form: str) -> Centring | None:
    """A named parameterisation: ``chosen`` (None: :func:`choose_centring` decides per
    design) or ``non-centred`` (the form shipped before issue 12)."""
    if form == "chosen":
        return None
    if form == "non-centred":
        return Centring.non_centred()
    raise ValueError(f"unknown sampler form {form!r}; expected one of {FORMS}")


def _centring_arrays(centring: Centring, config: Configuration, data: ModelData) -> dict:
    n_fac = len(data.factors)
    lam = np.zeros(n_fac) if centring.beta is None else np.asarray(centring.beta, dtype=float)
    if lam.shape != (n_fac,) or np.any((lam < 0) | (lam > 1)) or not 0.0 <= centring.u <= 1.0:
        raise ValueError("centring: one value in [0, 1] per factor for beta, and one in [0, 1] for u")
    if centring.signed and (lam.any() or centring.u):
        raise ValueError("centring: signed scales need beta and u non-centred (all weights 0)")
    free = config.factor_on(data) * float(config.factor_specific and config.factors != "none")
    on = config.factor_on(data) * float(centring.codes)
    return {
        "lam": lam * free,
        "lam_u": np.array([centring.u * float(config.municipality_effect)]),
        "x_centre": on * data.x.mean(axis=0),
        "abs_centre": on * np.abs(data.x).mean(axis=0),
        "aw_centre": np.array([float(centring.codes) * float(np.mean(data.agenda_window))]),
        "signed": np.array([float(centring.signed)]),
    }
