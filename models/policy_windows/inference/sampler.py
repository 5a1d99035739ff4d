"""NUTS (nutpie) on the one compiled kernel, and the posterior as an ArviZ DataTree.

:func:`compile_design` wraps :func:`kernel.logp_and_grad` for one design shape
(municipalities x factors); :func:`fit` samples one configuration (or one set of weights,
or one simulated data set) by swapping arrays with ``with_data``: no compilation after the
first call in a process, and none at all once numba's on-disk cache is warm. Derived
quantities, pointwise log-likelihood, per-variable log prior and posterior predictive
draws are computed afterwards from the draws with :mod:`policy_windows.model.predictor`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, replace

import numpy as np
import xarray as xr
from scipy.special import expit, log_expit

from policy_windows.model import kernel
from policy_windows.model.configuration import Centring, Configuration, Priors, centring_of, kernel_arrays
from policy_windows.data.design import ModelData
from policy_windows.model.predictor import N_GROUPS, linear_predictor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SamplerSettings:
    draws: int
    tune: int
    chains: int
    target_accept: float
    seed: int
    cores: int = 1
    #: Most draws per chain a fit of the observed data may grow to when only R-hat or ESS
    #: gates fail (:func:`policy_windows.inference.gates.fit_to_gates`); None: no growth.
    max_draws: int | None = None

    @classmethod
    def from_config(cls, cfg: dict, *, seed: int, cores: int) -> "SamplerSettings":
        return cls(
            draws=cfg["draws"], tune=cfg["tune"], chains=cfg["chains"],
            target_accept=cfg["target_accept"], seed=seed, cores=cores, max_draws=cfg.get("max_draws"),
        )

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class KernelModel:
    """A nutpie model whose log density is the cached C function ``kernel.logp_cfunc``.

    ``buffer`` is the packed data of one configuration (``kernel.pack``); ``with_data``
    returns the same model with another buffer. Built on nutpie's own model interface
    (the one its PyMC/numba path uses), with our module-level numba C functions, which
    numba caches on disk, instead of closures compiled anew in every process.
    """

    n_factors: int
    n_municipalities: int
    coords: dict
    buffer: np.ndarray

    @property
    def n_dim(self) -> int:
        return kernel.n_dim(self.n_factors, self.n_municipalities)

    def with_data(self, buffer: np.ndarray) -> "KernelModel":
        buffer = np.ascontiguousarray(buffer, dtype=np.float64)
        if int(buffer[0]) != self.n_municipalities or int(buffer[1]) != self.n_factors:
            raise ValueError("buffer was packed for a design of another shape")
        return replace(self, buffer=buffer)

    def nutpie_model(self):
        import nutpie
        from nutpie import _lib
        from nutpie.sample import CompiledModel

        names, shapes, dims = _expanded(self.n_factors, self.n_municipalities)
        outer = self

        @dataclass(frozen=True)
        class _Compiled(CompiledModel):
            @property
            def n_dim(self):
                return outer.n_dim

            @property
            def shapes(self):
                return dict(zip(names, shapes))

            @property
            def coords(self):
                return outer.coords

            def _make_model(self, init_mean):
                pointer = outer.buffer.ctypes.data
                expand = _lib.ExpandFunc(
                    outer.n_dim, kernel.n_expanded(outer.n_factors, outer.n_municipalities),
                    kernel.expand_cfunc.address, pointer, outer,
                )
                logp = _lib.LogpFunc(kernel.logp_cfunc.address, pointer, outer)
                sizes = {k: len(v) for k, v in outer.coords.items()}
                variables = _lib.PyVariable.new_variables(names, ["float64"] * len(names), shapes, sizes, dims)
                return _lib.PyMcModel(
                    logp, expand, variables, outer.n_dim, sizes, dict(outer.coords), _initial_point(outer.n_dim),
                    None,
                )

            def _make_sampler(self, settings, init_mean, cores, progress_type, extra_callback,
                              extra_callback_rate, store):
                return _lib.PySampler.from_pymc(
                    settings, cores, self._make_model(init_mean), progress_type, extra_callback,
                    extra_callback_rate, store,
                )

        del nutpie
        return _Compiled(dims=dims)


def _initial_point(ndim: int):
    """PyMC's default: uniform(-1, 1) jitter around zero on the unconstrained scale, seeded."""

    def initial_point(seed):
        return np.random.default_rng(seed).uniform(-1.0, 1.0, ndim)

    return initial_point


def _expanded(n_fac: int, n_mun: int) -> tuple[list[str], list[tuple[int, ...]], dict]:
    names = ["alpha", "mu", "tau", "beta", "delta", "sigma_u", "u", "kappa"]
    shapes = [(2, 3), (N_GROUPS,), (N_GROUPS,), (n_fac,), (n_fac,), (), (n_mun,), (3,)]
    dims = {
        "alpha": ("phase", "stream"), "mu": ("group",), "tau": ("group",), "beta": ("factor",),
        "delta": ("factor",), "sigma_u": (), "u": ("municipality",), "kappa": ("stream",),
    }
    return names, shapes, dims


def compile_design(data: ModelData) -> KernelModel:
    """A sampler-ready model for designs of this shape (loads the cached kernel)."""
    kernel.warm_up()
    placeholder = kernel.pack(kernel_arrays(Configuration("placeholder"), Priors(), data))
    return KernelModel(len(data.factors), data.n_municipalities, dict(data.coords), placeholder)


def sample_arrays(model: KernelModel, arrays: dict, settings: SamplerSettings, *, save_warmup: bool = False) -> xr.DataTree:
    """Raw nutpie draws for these kernel arrays (posterior and sample_stats; with
    ``save_warmup`` also the tuning phase, for counting gradient evaluations)."""
    import nutpie

    return nutpie.sample(
        model.with_data(kernel.pack(arrays)).nutpie_model(),
        draws=settings.draws, tune=settings.tune, chains=settings.chains, cores=settings.cores,
        seed=settings.seed, target_accept=settings.target_accept, save_warmup=save_warmup, progress_bar=False,
    )


def stacked(posterior: xr.Dataset, names) -> dict[str, np.ndarray]:
    """Draws with chain and draw flattened into one leading sample axis."""
    return {
        n: posterior[n].stack(sample=("chain", "draw")).transpose("sample", ...).to_numpy()
        for n in names if n in posterior.data_vars
    }


def predictor_draws(posterior: xr.Dataset, data: ModelData, config: Configuration) -> dict[str, np.ndarray]:
    """Stacked draws of what the linear predictor needs; for models without a free beta
    (sum-score: beta = mu of its block; intercept-only: no factor term) the implied beta."""
    draws = stacked(posterior, ("alpha", "beta", "delta", "u", "kappa"))
    if "beta" not in draws:
        on = config.factor_on(data)
        if "mu" in posterior.data_vars:
            draws["beta"] = stacked(posterior, ("mu",))["mu"][:, data.factor_group] * on
        else:
            draws["beta"] = np.zeros((draws["alpha"].shape[0], len(data.factors)))
    return draws


def _log_prior(post: xr.Dataset, arrays: dict, config: Configuration) -> xr.Dataset:
    """Log prior density of each free parameter (natural scale, no Jacobian), per draw."""
    from scipy.stats import halfnorm, norm

    def normal(value, loc, sd):
        return xr.apply_ufunc(norm.logpdf, value, loc, sd)

    alpha_sd, sigma_u_sd, kappa_mu, kappa_sd = arrays["scalars"]
    block = xr.DataArray(arrays["group"], dims="factor")
    out = {"alpha": normal(post["alpha"], 0.0, alpha_sd)}
    if "mu" in config.parameters:
        out["mu"] = normal(post["mu"], 0.0, xr.DataArray(arrays["mu_sd"], dims="group"))
    if "tau" in config.parameters:
        tau_sd = xr.DataArray(arrays["tau_sd"], dims="group")
        out["tau"] = xr.apply_ufunc(lambda t, s: halfnorm.logpdf(t, scale=s), post["tau"], tau_sd)
        z = (post["beta"] - post["mu"].isel(group=block)) / post["tau"].isel(group=block)
        out["beta_z"] = normal(z.drop_vars("group", errors="ignore"), 0.0, 1.0)
    if "delta" in config.parameters:
        out["delta"] = normal(post["delta"], 0.0, xr.DataArray(arrays["delta_sd"][arrays["group"]], dims="factor"))
    if "sigma_u" in config.parameters:
        out["sigma_u"] = xr.apply_ufunc(lambda t: halfnorm.logpdf(t, scale=sigma_u_sd), post["sigma_u"])
        out["u_z"] = normal(post["u"] / post["sigma_u"], 0.0, 1.0)
    if "kappa" in config.parameters:
        out["kappa"] = normal(post["kappa"], kappa_mu, kappa_sd)
    return xr.Dataset(out)


def posterior_tree(
    raw: xr.DataTree, data: ModelData, config: Configuration, arrays: dict, seed: int, *,
    derived: bool = True, checks: bool = True,
) -> xr.DataTree:
    """The fit as reviewers expect it: posterior (active parameters and, with ``derived``,
    stream_movement and window_probability), sample_stats, and with ``checks`` also
    log_likelihood, log_prior, posterior_predictive, observed_data and constant_data."""
    post = raw["posterior"].to_dataset()
    post = post[[n for n in config.parameters]]
    shape = (post.sizes["chain"], post.sizes["draw"])
    draws = predictor_draws(post, data, config)
    eta = linear_predictor(draws, data.x, data.factor_group, data.agenda_window)
    eta = eta.reshape(*shape, *eta.shape[1:])
    dims4 = ("chain", "draw", "municipality", "phase", "stream")
    coords = {k: v for k, v in data.coords.items()}
    if derived:
        theta = expit(eta)
        post["stream_movement"] = xr.DataArray(theta, dims=dims4)
        post["window_probability"] = xr.DataArray(theta.prod(axis=-1), dims=dims4[:-1])
    if not checks:
        return xr.DataTree.from_dict(
            {"posterior": post.assign_coords({k: v for k, v in coords.items() if k in post.dims}),
             "sample_stats": raw["sample_stats"].to_dataset()}
        )
    y = data.movement[None, None]
    loglik = y * log_expit(eta) + (1 - y) * log_expit(-eta)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    replicated = (rng.random(eta.shape) < expit(eta)).astype(np.int8)
    tree = xr.DataTree.from_dict(
        {
            "posterior": post,
            "sample_stats": raw["sample_stats"].to_dataset(),
            "log_likelihood": xr.Dataset({"movement": xr.DataArray(loglik, dims=dims4)}),
            "log_prior": _log_prior(post, arrays, config),
            "posterior_predictive": xr.Dataset({"movement": xr.DataArray(replicated, dims=dims4)}),
            "observed_data": xr.Dataset({"movement": xr.DataArray(data.movement, dims=dims4[2:])}),
            "constant_data": xr.Dataset(
                {
                    "x": xr.DataArray(data.x, dims=("municipality", "factor")),
                    "agenda_window": xr.DataArray(data.agenda_window, dims="municipality"),
                    "weight": xr.DataArray(arrays["w"].reshape(data.movement.shape), dims=dims4[2:]),
                }
            ),
        }
    )
    for group in tree.children:
        tree[group] = tree[group].to_dataset().assign_coords(
            {k: v for k, v in coords.items() if k in tree[group].to_dataset().dims}
        )
    return tree


def fit(
    compiled, data: ModelData, config: Configuration, priors: Priors, settings: SamplerSettings,
    *, weights: np.ndarray | None = None, derived: bool = True, checks: bool = True,
    centring: Centring | None = None, count_gradients: bool = False,
) -> xr.DataTree:
    """Sample one configuration on a compiled design and return the DataTree
    (``checks=False`` leaves out the groups only model checking needs: simulation studies;
    ``centring`` overrides the automatic choice of parameterisation, see
    :func:`policy_windows.model.configuration.choose_centring`; ``count_gradients`` records
    the gradient evaluations of tuning and sampling in the attribute ``gradient_evaluations``)."""
    arrays = kernel_arrays(config, priors, data, weights, centring=centring)
    start = time.perf_counter()
    raw = sample_arrays(compiled, arrays, settings, save_warmup=count_gradients)
    seconds = time.perf_counter() - start
    evaluations = None
    if count_gradients:
        evaluations = int(raw["sample_stats"]["n_steps"].sum() + raw["warmup_sample_stats"]["n_steps"].sum())
        raw = xr.DataTree.from_dict({"posterior": raw["posterior"].to_dataset(), "sample_stats": raw["sample_stats"].to_dataset()})
    tree = posterior_tree(raw, data, config, arrays, settings.seed, derived=derived, checks=checks)
    tree.attrs.update(
        {
            "model": config.name,
            "configuration": str(config.as_dict()),
            "priors": str(priors.as_dict()),
            "sampler_settings": str(settings.as_dict()),
            "sampling_seconds": round(seconds, 3),
            "centring": str(centring_of(arrays)),
        }
    )
    if evaluations is not None:
        tree.attrs["gradient_evaluations"] = evaluations
    return tree


def divergences(idata: xr.DataTree) -> int:
    return int(idata["sample_stats"]["diverging"].sum())
