"""The reference implementation of the model in PyMC, as a pure ``ModelData -> pm.Model`` function.

The pipeline samples the same model through one compiled kernel (``kernel.py``), whose
configurations are data; ``tests/test_kernel.py`` checks that the kernel's log density and
gradient equal this model's for every variant, and that both give the same posterior.
This model also draws the model graph (``pm.model_to_graphviz``).

For municipality m, phase p and stream s::

    movement[m,p,s] ~ Bernoulli(theta[m,p,s])
    logit theta[m,p,s] = alpha[p,s] + sum_{f in (p,s)} beta[f] x[m,f] + u[m]
                         + [p = institutionalisation] kappa[s] agenda_window[m]
    window_probability[m,p] = prod_s theta[m,p,s]

``beta`` is partially pooled within its phase x stream block ("group") so that eight
cases borrow strength and separation cannot push a coefficient to infinity.
Prior scales live in :class:`Priors`; the model card (``docs/model_card.md``) justifies them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from policy_windows.constants import PHASES, STREAMS
from policy_windows.model.configuration import Priors
from policy_windows.data.design import ModelData


@dataclass(frozen=True)
class Variant:
    """Which parts of the full model are switched on."""

    name: str = "full"
    factors: str = "all"  # "all" or "theory"
    coupling: bool = True
    municipality_effect: bool = True

    @classmethod
    def from_config(cls, name: str, cfg: dict | None) -> "Variant":
        return cls(name=name, **(cfg or {}))


def variant_data(data: ModelData, variant: Variant) -> ModelData:
    """Restrict the design to the variant's factors (theory-only drops empirical ones)."""
    if variant.factors == "all":
        return data
    if variant.factors == "theory":
        return data.select_factors(np.array([o == "theory" for o in data.factor_origin]))
    raise ValueError(f"unknown factor set {variant.factors!r}; expected 'all' or 'theory'")


def group_sizes(data: ModelData) -> np.ndarray:
    """Number of factors in each of the six phase x stream groups."""
    return np.bincount(data.factor_group, minlength=len(PHASES) * len(STREAMS))


def build_model(
    data: ModelData,
    variant: Variant = Variant(),
    priors: Priors = Priors(),
    *,
    likelihood: str = "bernoulli",
    centred: bool = False,
    store_derived: bool = True,
) -> pm.Model:
    """Build the PyMC model.

    likelihood="bernoulli" gives an observed ``movement`` variable (for LOO and posterior
    predictive checks). likelihood="weighted" adds the same log-likelihood as a Potential
    weighted by the data container ``obs_weight``, so that leave-one-municipality-out
    refits only swap data and reuse one compiled model. ``centred`` switches the
    hierarchical effects to the centred form, which mixes better once hundreds of
    municipalities inform each group. ``store_derived=False`` skips the per-municipality
    deterministics (large at national scale).
    """
    data = variant_data(data, variant)
    sizes = group_sizes(data)
    if (sizes == 0).any():
        empty = [g for g, n in zip(data.coords["group"], sizes) if n == 0]
        raise ValueError(f"variant {variant.name!r} leaves groups without factors: {empty}")
    scale = 1.0 / np.sqrt(sizes)

    with pm.Model(coords=data.coords) as model:
        x = pm.Data("x", data.x, dims=("municipality", "factor"))
        y = pm.Data("movement_data", data.movement, dims=("municipality", "phase", "stream"))
        agenda_window = pm.Data("agenda_window", data.agenda_window, dims="municipality")
        group = data.factor_group

        alpha = pm.Normal("alpha", 0.0, priors.alpha_sd, dims=("phase", "stream"))
        mu = pm.Normal("mu", 0.0, priors.mu_sd * scale, dims="group")
        tau = pm.HalfNormal("tau", priors.tau_sd * scale, dims="group")
        if centred:
            beta = pm.Normal("beta", mu[group], tau[group], dims="factor")
        else:
            z = pm.Normal("beta_z", 0.0, 1.0, dims="factor")
            beta = pm.Deterministic("beta", mu[group] + tau[group] * z, dims="factor")

        # Contribution of each factor block to its own phase x stream cell.
        contrib = x * beta[None, :]  # (municipality, factor)
        one_hot = np.zeros((len(data.factors), len(PHASES) * len(STREAMS)))
        one_hot[np.arange(len(data.factors)), group] = 1.0
        eta = alpha.reshape((1, len(PHASES), len(STREAMS))) + pt.dot(contrib, one_hot).reshape(
            (-1, len(PHASES), len(STREAMS))
        )

        if variant.municipality_effect:
            sigma_u = pm.HalfNormal("sigma_u", priors.sigma_u_sd)
            if centred:
                u = pm.Normal("u", 0.0, sigma_u, dims="municipality")
            else:
                u_z = pm.Normal("u_z", 0.0, 1.0, dims="municipality")
                u = pm.Deterministic("u", sigma_u * u_z, dims="municipality")
            eta = eta + u[:, None, None]

        if variant.coupling:
            kappa = pm.Normal("kappa", priors.kappa_mu, priors.kappa_sd, dims="stream")
            phase2 = np.array([0.0, 1.0])[None, :, None]
            eta = eta + phase2 * kappa[None, None, :] * agenda_window[:, None, None]

        theta = pm.math.invlogit(eta)
        if store_derived:
            theta = pm.Deterministic("stream_movement", theta, dims=("municipality", "phase", "stream"))
            pm.Deterministic(
                "window_probability", theta.prod(axis=2), dims=("municipality", "phase")
            )

        if likelihood == "bernoulli":
            pm.Bernoulli(
                "movement", logit_p=eta, observed=y, dims=("municipality", "phase", "stream")
            )
        elif likelihood == "weighted":
            weight = pm.Data(
                "obs_weight", np.ones_like(data.movement, dtype=float), dims=("municipality", "phase", "stream")
            )
            logp = pm.logp(pm.Bernoulli.dist(logit_p=eta), y)
            pm.Potential("movement_loglik", (weight * logp).sum())
        else:
            raise ValueError(f"unknown likelihood {likelihood!r}; expected 'bernoulli' or 'weighted'")
    return model
