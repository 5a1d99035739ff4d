"""Sampling with explicit settings, and refits that reuse one compiled model.

Every sampler argument comes from the caller (ultimately ``config/config.yaml``):
nutpie's defaults for tune, chains and cores differ from PyMC's and depend on the machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pymc as pm
import xarray as xr


@dataclass(frozen=True)
class SamplerSettings:
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    cores: int = 1
    seed: int = 20201
    target_accept: float = 0.95

    @classmethod
    def from_config(cls, cfg: dict, *, cores: int | None = None, seed: int | None = None) -> "SamplerSettings":
        values = {k: cfg[k] for k in ("draws", "tune", "chains", "target_accept") if k in cfg}
        values["seed"] = cfg.get("seed", cls.seed) if seed is None else seed
        values["cores"] = cfg.get("cores", 1) if cores is None else cores
        return cls(**values)

    def as_dict(self) -> dict:
        return asdict(self)


def sample_posterior(model: pm.Model, settings: SamplerSettings, *, log_densities: bool = True) -> xr.DataTree:
    """NUTS via nutpie, with log_likelihood and log_prior groups for LOO and power-scaling."""
    idata = pm.sample(
        model=model,
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=settings.cores,
        random_seed=settings.seed,
        nuts_sampler="nutpie",
        nuts={"target_accept": settings.target_accept},
        progressbar=False,
    )
    if log_densities:
        pm.compute_log_likelihood(idata, model=model, progressbar=False)
        pm.stats.compute_log_prior(idata, model=model, progressbar=False)
    return idata


def sample_prior(model: pm.Model, draws: int, seed: int) -> xr.DataTree:
    """Prior and prior predictive draws (groups ``prior`` and ``prior_predictive``)."""
    return pm.sample_prior_predictive(model=model, draws=draws, random_seed=seed)


def sample_posterior_predictive(model: pm.Model, idata: xr.DataTree, seed: int) -> xr.DataTree:
    return pm.sample_posterior_predictive(
        idata, model=model, random_seed=seed, progressbar=False, extend_inferencedata=True
    )


def compile_for_refits(model: pm.Model):
    """Compile once with nutpie; refits then swap data with ``with_data`` (no recompilation)."""
    import nutpie

    return nutpie.compile_pymc_model(model, backend="numba")


def sample_compiled(compiled, settings: SamplerSettings, **data: np.ndarray) -> xr.DataTree:
    """Sample a compiled model with new values for its data containers."""
    import nutpie

    if data:
        compiled = compiled.with_data(**data)
    return nutpie.sample(
        compiled,
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=settings.cores,
        seed=settings.seed,
        save_warmup=False,
        progress_bar=False,
        target_accept=settings.target_accept,
    )


def divergences(idata: xr.DataTree) -> int:
    return int(idata["sample_stats"]["diverging"].sum())
