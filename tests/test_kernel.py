"""The one compiled kernel equals the separately built PyMC models, configuration by configuration.

Equal log densities (up to the prior terms of switched-off parameters) and equal gradients
at arbitrary points mean equal posteriors; one sampling test checks posterior means too.
"""

import numpy as np
import pytensor
import pytest
from scipy import stats
from scipy.special import log_expit

from policy_windows.model import kernel
from policy_windows.model import simulate
from policy_windows.model.configuration import Centring, Configuration, Priors, kernel_arrays
from policy_windows.model.reference import Variant, build_model
from policy_windows.model.predictor import linear_predictor
from policy_windows.inference.sampler import SamplerSettings, compile_design, fit

FAST = pytensor.compile.mode.get_mode("FAST_COMPILE")
# The PyMC reference model is written non-centred with intercepts at code 0; the chosen
# form is checked against it by a change of variables (test_partial_centring_...).
REFERENCE_FORM = Centring.non_centred()
PRIORS = Priors(alpha_sd=1.3, mu_sd=0.8, tau_sd=1.1, sigma_u_sd=0.6, kappa_mu=0.2, kappa_sd=0.9, delta_sd=0.7)


def kernel_logp(theta, arrays):
    grad = np.empty_like(theta)
    value = kernel.logp_and_grad(theta, grad, kernel.pack(arrays))
    return value, grad


def random_theta(data, seed):
    return np.random.default_rng(seed).normal(0.0, 0.7, kernel.n_dim(len(data.factors), data.n_municipalities))


def pymc_point(theta, data, keep):
    """PyMC's value variables at the kernel's point (``keep``: factors of the variant)."""
    at = kernel.layout(len(data.factors), data.n_municipalities)
    return {
        "alpha": theta[at["alpha"]].reshape(2, 3),
        "mu": theta[at["mu"]],
        "tau_log__": theta[at["log_tau"]],
        "beta_z": theta[at["z"]][keep],
        "sigma_u_log__": theta[at["log_sigma_u"]][0],
        "u_z": theta[at["u_z"]],
        "kappa": theta[at["kappa"]],
    }


def off_prior(theta, data, config, keep):
    """Log prior and its gradient of the parameters a configuration switches off."""
    at = kernel.layout(len(data.factors), data.n_municipalities)
    value, grad = 0.0, np.zeros_like(theta)
    idx = np.arange(theta.size)
    unit = list(idx[at["zd"]]) + list(idx[at["z"]][~keep])
    if not config.municipality_effect:
        unit += list(idx[at["u_z"]])
        ls = theta[at["log_sigma_u"]][0]
        value += stats.halfnorm.logpdf(np.exp(ls), scale=PRIORS.sigma_u_sd) + ls
        grad[at["log_sigma_u"]] = 1.0 - (np.exp(ls) / PRIORS.sigma_u_sd) ** 2
    if not config.coupling:
        k = theta[at["kappa"]]
        value += stats.norm.logpdf(k, PRIORS.kappa_mu, PRIORS.kappa_sd).sum()
        grad[at["kappa"]] = -(k - PRIORS.kappa_mu) / PRIORS.kappa_sd**2
    unit = np.array(unit, dtype=int)
    value += stats.norm.logpdf(theta[unit]).sum()
    grad[unit] = -theta[unit]
    return value, grad


VARIANTS = {
    "full": (Configuration("full"), Variant("full")),
    "theory_only": (Configuration("theory_only", factors="theory"), Variant("theory_only", factors="theory")),
    "no_coupling": (Configuration("no_coupling", coupling=False), Variant("no_coupling", coupling=False)),
    "no_municipality": (
        Configuration("no_municipality", municipality_effect=False),
        Variant("no_municipality", municipality_effect=False),
    ),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_kernel_equals_separately_built_pymc_model(model_data, name):
    config, variant = VARIANTS[name]
    model = build_model(model_data, variant, PRIORS)
    logp_fn = model.compile_logp(mode=FAST)
    dlogp_fn = model.compile_dlogp(mode=FAST)
    keep = config.factor_on(model_data) > 0
    arrays = kernel_arrays(config, PRIORS, model_data, centring=REFERENCE_FORM)
    at = kernel.layout(len(model_data.factors), model_data.n_municipalities)
    for seed in range(3):
        theta = random_theta(model_data, seed)
        value, grad = kernel_logp(theta, arrays)
        extra, extra_grad = off_prior(theta, model_data, config, keep)
        names = {v.name for v in model.value_vars}
        point = {k: v for k, v in pymc_point(theta, model_data, keep).items() if k in names}
        assert value - extra == pytest.approx(float(logp_fn(point)), rel=1e-10, abs=1e-8)
        # PyMC's gradient is ordered by value variables; rebuild the kernel's in that order.
        shared = [
            grad[at["alpha"]], grad[at["mu"]], grad[at["log_tau"]], grad[at["z"]][keep],
            grad[at["log_sigma_u"]] if variant.municipality_effect else None,
            grad[at["u_z"]] if variant.municipality_effect else None,
            grad[at["kappa"]] if variant.coupling else None,
        ]
        expected = np.concatenate([g.ravel() for g in shared if g is not None])
        np.testing.assert_allclose(expected, dlogp_fn(point), rtol=1e-9, atol=1e-9)
        # Switched-off parameters feel only their prior: the likelihood's gradient is zero.
        off = extra_grad != 0
        np.testing.assert_allclose(grad[off], extra_grad[off], rtol=1e-12, atol=1e-12)


def reference_logp(theta, data, config):
    """The log posterior written out directly (numpy/scipy), for the new configurations."""
    at = kernel.layout(len(data.factors), data.n_municipalities)
    arrays = kernel_arrays(config, PRIORS, data, centring=REFERENCE_FORM)
    g = data.factor_group
    alpha, mu = theta[at["alpha"]].reshape(2, 3), theta[at["mu"]]
    tau, sigma_u = np.exp(theta[at["log_tau"]]), np.exp(theta[at["log_sigma_u"]][0])
    on = config.factor_on(data)
    beta = on * (mu[g] + (tau[g] * theta[at["z"]] if config.factor_specific else 0.0))
    delta = on * (arrays["delta_sd"][g] * theta[at["zd"]] if config.reported_indicator else 0.0)
    draws = {"alpha": alpha[None], "beta": beta[None], "delta": delta[None]}
    if config.municipality_effect:
        draws["u"] = (sigma_u * theta[at["u_z"]])[None]
    if config.coupling:
        draws["kappa"] = theta[at["kappa"]][None]
    eta = linear_predictor(draws, data.x, g, data.agenda_window)[0]
    y = data.movement
    value = (y * log_expit(eta) + (1 - y) * log_expit(-eta)).sum()
    alpha_sd, sigma_u_sd, kappa_mu, kappa_sd = arrays["scalars"]
    value += stats.norm.logpdf(alpha, 0, alpha_sd).sum() + stats.norm.logpdf(mu, 0, arrays["mu_sd"]).sum()
    value += (stats.halfnorm.logpdf(tau, scale=arrays["tau_sd"]) + theta[at["log_tau"]]).sum()
    value += stats.norm.logpdf(theta[at["z"]]).sum() + stats.norm.logpdf(theta[at["zd"]]).sum()
    value += stats.halfnorm.logpdf(sigma_u, scale=sigma_u_sd) + theta[at["log_sigma_u"]][0]
    value += stats.norm.logpdf(theta[at["u_z"]]).sum()
    value += stats.norm.logpdf(theta[at["kappa"]], kappa_mu, kappa_sd).sum()
    return value


@pytest.mark.parametrize(
    "config",
    [
        Configuration("sum_score", factor_specific=False),
        Configuration("intercept_only", factors="none", factor_specific=False, coupling=False, municipality_effect=False),
        Configuration("reported_indicator", reported_indicator=True),
        Configuration("unscaled", prior_family="unscaled", prior_scale=0.5),
    ],
    ids=lambda c: c.name,
)
def test_new_configurations_match_a_direct_computation(model_data, config):
    arrays = kernel_arrays(config, PRIORS, model_data, centring=REFERENCE_FORM)
    for seed in range(3):
        theta = random_theta(model_data, 10 + seed)
        value, grad = kernel_logp(theta, arrays)
        assert value == pytest.approx(reference_logp(theta, model_data, config), rel=1e-10)
        step = 1e-6
        for i in np.random.default_rng(seed).choice(theta.size, 12, replace=False):
            plus, minus = theta.copy(), theta.copy()
            plus[i] += step
            minus[i] -= step
            numeric = (kernel_logp(plus, arrays)[0] - kernel_logp(minus, arrays)[0]) / (2 * step)
            assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_sum_score_is_one_slope_on_the_sum_of_codes(model_data):
    """beta[f] = mu[block] makes the factor term mu[block] * (sum of the block's codes)."""
    theta = random_theta(model_data, 3)
    at = kernel.layout(len(model_data.factors), model_data.n_municipalities)
    mu = theta[at["mu"]]
    draws = {"alpha": theta[at["alpha"]].reshape(1, 2, 3), "beta": mu[model_data.factor_group][None]}
    eta = linear_predictor(draws, model_data.x, model_data.factor_group, model_data.agenda_window)[0]
    sums = np.stack([model_data.x[:, model_data.factor_group == g].sum(axis=1) for g in range(6)], axis=1)
    np.testing.assert_allclose(eta.reshape(-1, 6), theta[at["alpha"]][None] + mu[None] * sums)


def test_weights_remove_a_municipality_from_the_likelihood(model_data):
    config = Configuration("full")
    theta = random_theta(model_data, 4)
    weights = np.ones((model_data.n_municipalities, 6))
    weights[2] = 0.0
    without = kernel_logp(theta, kernel_arrays(config, PRIORS, model_data, weights, centring=REFERENCE_FORM))[0]
    full = kernel_logp(theta, kernel_arrays(config, PRIORS, model_data, centring=REFERENCE_FORM))[0]
    draws = {"alpha": theta[:6].reshape(1, 2, 3)}
    at = kernel.layout(len(model_data.factors), model_data.n_municipalities)
    tau = np.exp(theta[at["log_tau"]])
    draws["beta"] = (theta[at["mu"]][model_data.factor_group] + tau[model_data.factor_group] * theta[at["z"]])[None]
    draws["u"] = (np.exp(theta[at["log_sigma_u"]][0]) * theta[at["u_z"]])[None]
    draws["kappa"] = theta[at["kappa"]][None]
    eta = linear_predictor(draws, model_data.x, model_data.factor_group, model_data.agenda_window)[0, 2]
    y = model_data.movement[2]
    assert full - without == pytest.approx((y * log_expit(eta) + (1 - y) * log_expit(-eta)).sum(), rel=1e-10)


def test_prior_draws_match_the_kernel_prior(model_data):
    """Sampling the kernel with every likelihood weight 0 reproduces simulate.prior_draws."""
    config = Configuration("full")
    weights = np.zeros((model_data.n_municipalities, 6))
    settings = SamplerSettings(draws=1000, tune=500, chains=2, target_accept=0.9, seed=5, cores=1)
    prior_fit = fit(compile_design(model_data), model_data, config, PRIORS, settings, weights=weights, derived=False)
    direct = simulate.prior_draws(kernel_arrays(config, PRIORS, model_data), 4000, np.random.default_rng(1))
    post = prior_fit["posterior"]
    for name, index in [("tau", 1), ("beta", 7), ("sigma_u", None), ("kappa", 2), ("alpha", (1, 2))]:
        sampled = post[name].to_numpy().reshape(post.sizes["chain"] * post.sizes["draw"], -1)
        ref = direct[name].reshape(4000, -1)
        column = 0 if index is None else np.ravel_multi_index(np.atleast_1d(index), direct[name].shape[1:])
        # Thinned to roughly independent draws; a wrong scale or location fails clearly.
        assert stats.ks_2samp(sampled[::5, column], ref[:, column]).pvalue > 0.001, name


def test_fits_are_bit_reproducible_and_switched_off_parts_absent(model_data):
    settings = SamplerSettings(draws=200, tune=200, chains=2, target_accept=0.9, seed=11, cores=2)
    compiled = compile_design(model_data)
    config = Configuration("no_coupling", coupling=False)
    first = fit(compiled, model_data, config, PRIORS, settings)
    second = fit(compiled, model_data, config, PRIORS, settings)
    np.testing.assert_array_equal(first["posterior"]["beta"].to_numpy(), second["posterior"]["beta"].to_numpy())
    assert "kappa" not in first["posterior"].data_vars
    theta = first["posterior"]["stream_movement"].to_numpy()
    ll = first["log_likelihood"]["movement"].to_numpy()
    y = model_data.movement[None, None]
    np.testing.assert_allclose(ll, np.log(np.where(y == 1, theta, 1 - theta)), rtol=1e-10)
    assert np.all((theta > 0) & (theta < 1))


def test_posterior_means_equal_pymc_nutpie_within_monte_carlo_error(model_data):
    """The same posterior from two samplers: the kernel and PyMC's own model through nutpie."""
    import arviz as az
    import pymc as pm

    settings = SamplerSettings(draws=1000, tune=1000, chains=4, target_accept=0.95, seed=21, cores=2)
    ours = fit(compile_design(model_data), model_data, Configuration("full"), PRIORS, settings, derived=False)
    theirs = pm.sample(
        model=build_model(model_data, Variant("full"), PRIORS, store_derived=False), draws=1000, tune=1000,
        chains=4, cores=2, random_seed=22, nuts_sampler="nutpie", nuts={"target_accept": 0.95}, progressbar=False,
    )
    names = ["alpha", "mu", "tau", "beta", "sigma_u", "kappa"]
    a = az.summary(ours, var_names=names, kind="all", round_to="none")
    b = az.summary(theirs, var_names=names, kind="all", round_to="none")
    z = (a["mean"] - b["mean"]) / np.sqrt(a["mcse_mean"] ** 2 + b["mcse_mean"] ** 2)
    assert len(z) == 6 + 6 + 6 + 24 + 1 + 3
    assert np.abs(z).max() < 4.5, z.abs().sort_values().tail()


@pytest.mark.parametrize("name", ["full", "sum_score", "theory_only", "reported_indicator"])
def test_partial_centring_is_the_same_model_under_a_change_of_variables(model_data, name):
    """Any centring (lam, centred codes) gives log p_lam(theta) = log p_0(T(theta)) + log |dT/dtheta|,
    where T maps the partially centred values back to the non-centred z and u_z; and the
    gradient equals central finite differences."""
    cfg = {
        "full": Configuration("full"),
        "sum_score": Configuration("sum_score", factor_specific=False),
        "theory_only": Configuration("theory_only", factors="theory"),
        "reported_indicator": Configuration("reported_indicator", reported_indicator=True),
    }[name]
    rng = np.random.default_rng(11)
    n_fac, n_mun = len(model_data.factors), model_data.n_municipalities
    on = cfg.factor_on(model_data) * float(cfg.factor_specific)
    centring = Centring(beta=tuple(rng.uniform(0.0, 1.0, n_fac)), u=0.6, codes=True)
    arrays = kernel_arrays(cfg, Priors(), model_data, centring=centring)
    assert np.array_equal(arrays["lam"], np.asarray(centring.beta) * on)
    theta = rng.normal(0.0, 0.5, kernel.n_dim(n_fac, n_mun))
    grad = np.empty_like(theta)
    logp = kernel.logp_and_grad(theta, grad, kernel.pack(arrays))

    expanded = np.empty(kernel.n_expanded(n_fac, n_mun))
    kernel.expand_into(theta, expanded, kernel.pack(arrays))
    slots = kernel.layout(n_fac, n_mun)
    group = model_data.factor_group
    mu, tau = theta[slots["mu"]], np.exp(theta[slots["log_tau"]])
    sigma_u = np.exp(theta[slots["log_sigma_u"]][0])
    beta = expanded[18 : 18 + n_fac]
    u = expanded[18 + 2 * n_fac + 1 : 18 + 2 * n_fac + 1 + n_mun]
    theta0 = theta.copy()
    theta0[slots["z"]] = np.where(on > 0, (beta - mu[group]) / tau[group], theta[slots["z"]])
    theta0[slots["u_z"]] = u / sigma_u
    theta0[slots["alpha"]] = expanded[:6]
    log_jacobian = -(arrays["lam"] * np.log(tau[group])).sum() - n_mun * 0.6 * np.log(sigma_u)
    flat = kernel_arrays(cfg, Priors(), model_data, centring=Centring.non_centred())
    assert logp == pytest.approx(kernel_logp(theta0, flat)[0] + log_jacobian, rel=1e-12, abs=1e-9)

    step = 1e-6
    numeric = np.array(
        [
            (kernel_logp(theta + h, arrays)[0] - kernel_logp(theta - h, arrays)[0]) / (2 * step)
            for h in np.eye(theta.size) * step
        ]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["full", "sum_score", "no_municipality"])
def test_signed_scales_are_the_same_model_under_a_change_of_variables(model_data, name):
    """Signed scales (tau = |t|, sigma_u = |s| with t, s ~ N(0, sd)): log p_signed(theta) =
    log p_log(T(theta)) - sum over the seven scales of log(2 |t|), where T maps t to log|t|
    and flips the sign of the standardised effects that t multiplies; gradient = finite differences."""
    cfg = {
        "full": Configuration("full"),
        "sum_score": Configuration("sum_score", factor_specific=False),
        "no_municipality": Configuration("no_municipality", municipality_effect=False),
    }[name]
    rng = np.random.default_rng(12)
    n_fac, n_mun = len(model_data.factors), model_data.n_municipalities
    arrays = kernel_arrays(cfg, Priors(), model_data, centring=Centring(beta=None, u=0.0, codes=True, signed=True))
    theta = rng.normal(0.0, 0.7, kernel.n_dim(n_fac, n_mun))
    slots = kernel.layout(n_fac, n_mun)
    grad = np.empty_like(theta)
    logp = kernel.logp_and_grad(theta, grad, kernel.pack(arrays))

    t, s = theta[slots["log_tau"]], theta[slots["log_sigma_u"]][0]
    theta0 = theta.copy()
    theta0[slots["log_tau"]] = np.log(np.abs(t))
    theta0[slots["z"]] = theta[slots["z"]] * np.sign(t)[model_data.factor_group]
    theta0[slots["log_sigma_u"]] = np.log(abs(s))
    theta0[slots["u_z"]] = theta[slots["u_z"]] * np.sign(s)
    log_jacobian = -(np.log(2 * np.abs(t)).sum() + np.log(2 * abs(s)))
    flat = kernel_arrays(cfg, Priors(), model_data, centring=Centring(beta=None, u=0.0, codes=True))
    assert logp == pytest.approx(kernel_logp(theta0, flat)[0] + log_jacobian, rel=1e-12, abs=1e-9)
    signed_out, log_out = np.empty(kernel.n_expanded(n_fac, n_mun)), np.empty(kernel.n_expanded(n_fac, n_mun))
    kernel.expand_into(theta, signed_out, kernel.pack(arrays))
    kernel.expand_into(theta0, log_out, kernel.pack(flat))
    np.testing.assert_allclose(signed_out, log_out, rtol=1e-12, atol=1e-12)

    step = 1e-6
    numeric = np.array(
        [
            (kernel_logp(theta + h, arrays)[0] - kernel_logp(theta - h, arrays)[0]) / (2 * step)
            for h in np.eye(theta.size) * step
        ]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


def test_signed_scales_need_non_centred_effects(model_data):
    with pytest.raises(ValueError, match="signed scales"):
        kernel_arrays(Configuration("full"), Priors(), model_data, centring=Centring(beta=None, u=0.5, codes=True, signed=True))
