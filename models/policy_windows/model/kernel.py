"""One compiled log density (with gradient) that serves every model configuration.

Length: the log density, its gradient, the data packing and the two C entry points for
the sampler belong together (numba caches them as one module; a change to one must be
matched in the others and in tests/test_kernel.py).

The model (``docs/model_card.md``; reference implementation in PyMC:
:func:`policy_windows.model.reference.build_model`) in its unconstrained, non-centred form::

    alpha[p,s] ~ N(0, alpha_sd)                    mu[g] ~ N(0, mu_sd[g])
    tau[g] = exp(log_tau[g]),  tau ~ HalfN(tau_sd[g])
    beta[f] = mu[g_f] + tau_on * tau[g_f] * z[f],          z[f] ~ N(0, 1)
    delta[f] = delta_on * delta_sd[g_f] * zd[f],            zd[f] ~ N(0, 1)
    sigma_u = exp(log_sigma_u), sigma_u ~ HalfN(sigma_u_sd);  u[m] = sigma_u * u_z[m]
    kappa[s] ~ N(kappa_mu, kappa_sd)
    eta = predictor.linear_predictor(...) with factor_on, u_on, kappa_on switches
    movement[m,p,s] ~ Bernoulli(logit^-1 eta[m,p,s]), weighted by w[m,p,s]

The sampler may move other coordinates for the same model (``configuration.Centring``):
partially centred beta or u, intercepts at the average code, or signed scales, where
the slots named log_tau and log_sigma_u hold t and s with tau = |t|, sigma_u = |s| and
t ~ N(0, tau_sd), s ~ N(0, sigma_u_sd), beta = mu + t * z, u = s * u_z.

A *configuration* (variant, baseline, prior family or scale, leave-one-out weights,
simulated data) changes only the arrays passed in, never the compiled code: the kernel is
compiled by numba once and cached on disk (``cache=True``), so a new process, a new
variant or a new data set costs no compilation. Switched-off parts keep their prior
terms, so their parameters are sampled from the prior and have no influence on the rest:
the posterior of the remaining parameters equals that of the separately built model
(``tests/test_kernel.py`` checks log density and gradient against PyTensor's autodiff).
"""

from __future__ import annotations

import math

import numba
import numpy as np

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
LOG_2 = math.log(2.0)
N_CELLS = 6  # phase x stream


def layout(n_factors: int, n_municipalities: int) -> dict[str, slice]:
    """Positions of each unconstrained parameter block in the flat vector (with signed
    scales, log_tau and log_sigma_u hold the signed scales t and s)."""
    sizes = [
        ("alpha", N_CELLS),
        ("mu", N_CELLS),
        ("log_tau", N_CELLS),
        ("z", n_factors),
        ("zd", n_factors),
        ("log_sigma_u", 1),
        ("u_z", n_municipalities),
        ("kappa", 3),
    ]
    out, start = {}, 0
    for name, size in sizes:
        out[name] = slice(start, start + size)
        start += size
    return out


def n_dim(n_factors: int, n_municipalities: int) -> int:
    return 3 * N_CELLS + 2 * n_factors + 1 + n_municipalities + 3


FIELDS = (
    "x", "group", "y", "w", "aw", "factor_on", "lam", "x_centre", "abs_centre", "switches", "mu_sd", "tau_sd",
    "delta_sd", "scalars", "lam_u", "aw_centre", "signed",
)
HEADER = 3  # n_municipalities, n_factors, total length


def pack(arrays: dict) -> np.ndarray:
    """One contiguous float64 buffer holding every array the kernel reads, with a header.

    The sampler hands the kernel a pointer to this buffer, so swapping a configuration or
    a data set means building a new buffer, not compiling anything.
    """
    n_mun, n_fac = np.shape(arrays["x"])
    body = [np.asarray(arrays[name], dtype=np.float64).ravel() for name in FIELDS]
    total = HEADER + sum(b.size for b in body)
    return np.ascontiguousarray(np.concatenate([[n_mun, n_fac, total], *body]))


@numba.njit(cache=True, nogil=True)
def _views(buffer):
    n_mun, n_fac = int(buffer[0]), int(buffer[1])
    i = HEADER
    x = buffer[i : i + n_mun * n_fac].reshape((n_mun, n_fac))
    i += n_mun * n_fac
    group = buffer[i : i + n_fac]
    i += n_fac
    y = buffer[i : i + n_mun * 6].reshape((n_mun, 6))
    i += n_mun * 6
    w = buffer[i : i + n_mun * 6].reshape((n_mun, 6))
    i += n_mun * 6
    aw = buffer[i : i + n_mun]
    i += n_mun
    factor_on = buffer[i : i + n_fac]
    i += n_fac
    lam = buffer[i : i + n_fac]
    i += n_fac
    x_centre = buffer[i : i + n_fac]
    i += n_fac
    abs_centre = buffer[i : i + n_fac]
    i += n_fac
    switches = buffer[i : i + 4]
    mu_sd = buffer[i + 4 : i + 10]
    tau_sd = buffer[i + 10 : i + 16]
    delta_sd = buffer[i + 16 : i + 22]
    scalars = buffer[i + 22 : i + 26]
    lam_u = buffer[i + 26]
    aw_centre = buffer[i + 27]
    signed = buffer[i + 28]
    return (x, group, y, w, aw, factor_on, lam, x_centre, abs_centre, switches, mu_sd, tau_sd, delta_sd, scalars, lam_u,
            aw_centre, signed)


@numba.njit(cache=True, nogil=True, fastmath=False)
def _normal(value, sd):
    return -0.5 * (value / sd) ** 2 - math.log(sd) - LOG_SQRT_2PI


@numba.njit(cache=True, nogil=True, fastmath=False)
def _bernoulli_logit(y, eta):
    """log p(y | eta) and its derivative y - sigmoid(eta), with one exp and one log1p."""
    e = math.exp(-abs(eta))
    if eta > 0.0:
        return y * eta - eta - math.log1p(e), y - 1.0 / (1.0 + e)
    return y * eta - math.log1p(e), y - e / (1.0 + e)


@numba.njit(cache=True, nogil=True, fastmath=False)
def _partially_centred(value, location, log_scale, lam):
    """Log density of ``value`` ~ N(lam * location, scale**lam) and the effect it implies,
    ``location + scale**(1 - lam) * (value - lam * location)``, with their derivatives.

    lam = 0 is the non-centred form (value is a standard normal z), lam = 1 the centred
    form (value is the effect itself); any lam gives the same model (Gorinova, Moore and
    Hoffman 2020). Returns (logp, dlogp/dvalue, dlogp/dlocation, dlogp/dlog_scale,
    effect, deffect/dvalue, deffect/dlocation, deffect/dlog_scale).
    """
    d = value - lam * location
    inv_var = math.exp(-2.0 * lam * log_scale)
    logp = -0.5 * d * d * inv_var - lam * log_scale - LOG_SQRT_2PI
    outer = math.exp((1.0 - lam) * log_scale)
    return (
        logp, -d * inv_var, lam * d * inv_var, lam * d * d * inv_var - lam,
        location + outer * d, outer, 1.0 - lam * outer, (1.0 - lam) * outer * d,
    )


@numba.njit(cache=True, nogil=True, fastmath=False)
def _intercepts(theta, beta, delta, group, x_centre, abs_centre, aw_centre, delta_on, kappa_on, o_kappa):
    """alpha[c] = theta[c] - (sum of each term at its centre) for the six phase x stream cells."""
    alpha = np.empty(6)
    for c in range(6):
        alpha[c] = theta[c]
    for f in range(beta.shape[0]):
        alpha[int(group[f])] -= beta[f] * x_centre[f] + delta_on * delta[f] * abs_centre[f]
    if kappa_on != 0.0:
        for s in range(3):
            alpha[3 + s] -= theta[o_kappa + s] * aw_centre
    return alpha


@numba.njit(cache=True, nogil=True, fastmath=False)
def logp_and_grad(theta, grad, buffer):
    """Log density (every normalising constant included) and its gradient into ``grad``.

    theta, grad: (ndim,) float64; buffer: the packed arrays of :func:`pack`
    (x: (M, F) codes; group: (F,) block of each factor; y, w: (M, 6) movement and
    likelihood weights, cell = phase * 3 + stream; aw: (M,) agenda window; factor_on: (F,);
    lam: (F,) centring of each factor's beta; switches: (tau_on, delta_on, u_on, kappa_on);
    mu_sd, tau_sd, delta_sd: (6,) prior scales per block; scalars: (alpha_sd, sigma_u_sd,
    kappa_mu, kappa_sd); lam_u: centring of the municipality effects).
    """
    (x, group, y, w, aw, factor_on, lam, x_centre, abs_centre, switches, mu_sd, tau_sd, delta_sd, scalars, lam_u,
     aw_centre, signed) = _views(buffer)
    n_mun, n_fac = x.shape
    tau_on, delta_on, u_on, kappa_on = switches[0], switches[1], switches[2], switches[3]
    alpha_sd, sigma_u_sd, kappa_mu, kappa_sd = scalars[0], scalars[1], scalars[2], scalars[3]
    o_mu = 6
    o_ltau = 12
    o_z = 18
    o_zd = 18 + n_fac
    o_lsu = 18 + 2 * n_fac
    o_uz = o_lsu + 1
    o_kappa = o_uz + n_mun
    for i in range(grad.shape[0]):
        grad[i] = 0.0
    logp = 0.0

    # Effective coefficients and the priors of their standardised or centred values.
    beta = np.empty(n_fac)
    delta = np.empty(n_fac)
    db_dz = np.empty(n_fac)
    db_dmu = np.empty(n_fac)
    db_dltau = np.empty(n_fac)
    for f in range(n_fac):
        g = int(group[f])
        if tau_on != 0.0 and signed != 0.0:
            # Signed scale: theta holds t with tau = |t| (lam is 0 here).
            t = theta[o_ltau + g]
            logp += _normal(theta[o_z + f], 1.0)
            grad[o_z + f] -= theta[o_z + f]
            b, bz, bmu, blt = theta[o_mu + g] + t * theta[o_z + f], t, 1.0, theta[o_z + f]
        elif tau_on != 0.0:
            lp, dz, dmu, dlt, b, bz, bmu, blt = _partially_centred(
                theta[o_z + f], theta[o_mu + g], theta[o_ltau + g], lam[f]
            )
            logp += lp
            grad[o_z + f] += dz
            grad[o_mu + g] += dmu
            grad[o_ltau + g] += dlt
        else:
            logp += _normal(theta[o_z + f], 1.0)
            grad[o_z + f] -= theta[o_z + f]
            b, bz, bmu, blt = theta[o_mu + g], 0.0, 1.0, 0.0
        beta[f] = factor_on[f] * b
        db_dz[f], db_dmu[f], db_dltau[f] = bz, bmu, blt
        delta[f] = factor_on[f] * delta_on * delta_sd[g] * theta[o_zd + f]
    log_sigma_u = theta[o_lsu]
    if signed != 0.0:
        sigma_u = abs(log_sigma_u)  # theta holds s, sigma_u = |s| (lam_u is 0 here)
        u_inv_var, u_outer = 1.0, log_sigma_u
    else:
        sigma_u = math.exp(log_sigma_u)
        u_inv_var = math.exp(-2.0 * lam_u * log_sigma_u)
        u_outer = math.exp((1.0 - lam_u) * log_sigma_u)
    # With centred codes the sampler moves the intercept at the average code,
    # theta[c] = alpha[c] + sum_f beta[f] * x_centre[f] (+ delta, kappa terms); a shear, so
    # the log-Jacobian is 0. The likelihood and the prior use alpha itself.
    alpha = _intercepts(theta, beta, delta, group, x_centre, abs_centre, aw_centre, delta_on, kappa_on, o_kappa)

    # Likelihood: accumulate d logp / d eta into per-parameter sums.
    g_beta = np.zeros(n_fac)
    g_delta = np.zeros(n_fac)
    eta = np.empty(6)
    resid = np.empty(6)
    g_lsu_lik = 0.0
    for m in range(n_mun):
        u = 0.0
        if u_on != 0.0:
            # u = sigma_u**(1 - lam_u) * value,  value ~ N(0, sigma_u**lam_u)
            value = theta[o_uz + m]
            u = u_outer * value
            logp += -0.5 * value * value * u_inv_var - lam_u * log_sigma_u - LOG_SQRT_2PI
            grad[o_uz + m] -= value * u_inv_var
            grad[o_lsu] += lam_u * (value * value * u_inv_var - 1.0)
        for c in range(6):
            eta[c] = alpha[c] + u
        if kappa_on != 0.0:
            for s in range(3):
                eta[3 + s] += theta[o_kappa + s] * aw[m]
        if delta_on != 0.0:
            for f in range(n_fac):
                if x[m, f] != 0.0:
                    eta[int(group[f])] += beta[f] * x[m, f] + delta[f] * abs(x[m, f])
        else:
            for f in range(n_fac):
                eta[int(group[f])] += beta[f] * x[m, f]
        r_sum = 0.0
        for c in range(6):
            wc = w[m, c]
            resid[c] = 0.0
            if wc == 0.0:
                continue
            lp, r = _bernoulli_logit(y[m, c], eta[c])
            logp += wc * lp
            r *= wc
            resid[c] = r
            grad[c] += r
            r_sum += r
            if c >= 3 and kappa_on != 0.0:
                grad[o_kappa + c - 3] += r * aw[m]
        if u_on != 0.0:
            grad[o_uz + m] += u_outer * r_sum
            if signed != 0.0:
                g_lsu_lik += theta[o_uz + m] * r_sum
            else:
                g_lsu_lik += (1.0 - lam_u) * u * r_sum
        for f in range(n_fac):
            g_beta[f] += resid[int(group[f])] * x[m, f]
        if delta_on != 0.0:
            for f in range(n_fac):
                g_delta[f] += resid[int(group[f])] * abs(x[m, f])

    # The intercepts' prior, and the chain rule from alpha back to the sampled shifted
    # intercepts and to beta, delta, kappa.
    for c in range(6):
        logp += _normal(alpha[c], alpha_sd)
        grad[c] -= alpha[c] / alpha_sd**2
    for f in range(n_fac):
        g_beta[f] -= x_centre[f] * grad[int(group[f])]
        g_delta[f] -= abs_centre[f] * grad[int(group[f])]
    if kappa_on != 0.0:
        for s in range(3):
            grad[o_kappa + s] -= aw_centre * grad[3 + s]

    # Chain rule from beta, delta to mu, log_tau, z (or the centred beta), zd.
    for f in range(n_fac):
        g = int(group[f])
        gb = factor_on[f] * g_beta[f]
        grad[o_mu + g] += gb * db_dmu[f]
        grad[o_ltau + g] += gb * db_dltau[f]
        grad[o_z + f] += gb * db_dz[f]
        grad[o_zd + f] += factor_on[f] * g_delta[f] * delta_on * delta_sd[g]
    grad[o_lsu] += g_lsu_lik

    # Remaining priors (with the log-Jacobian of tau = exp(log_tau), sigma_u = exp(log_sigma_u);
    # a signed scale t ~ N(0, sd) makes |t| half-normal with no Jacobian).
    for c in range(6):
        logp += _normal(theta[o_mu + c], mu_sd[c])
        grad[o_mu + c] -= theta[o_mu + c] / mu_sd[c] ** 2
        if signed != 0.0:
            logp += _normal(theta[o_ltau + c], tau_sd[c])
            grad[o_ltau + c] -= theta[o_ltau + c] / tau_sd[c] ** 2
        else:
            tau = math.exp(theta[o_ltau + c])
            logp += LOG_2 + _normal(tau, tau_sd[c]) + theta[o_ltau + c]
            grad[o_ltau + c] += 1.0 - (tau / tau_sd[c]) ** 2
    for f in range(n_fac):
        logp += _normal(theta[o_zd + f], 1.0)
        grad[o_zd + f] -= theta[o_zd + f]
    if signed != 0.0:
        logp += _normal(log_sigma_u, sigma_u_sd)
        grad[o_lsu] -= log_sigma_u / sigma_u_sd**2
    else:
        logp += LOG_2 + _normal(sigma_u, sigma_u_sd) + log_sigma_u
        grad[o_lsu] += 1.0 - (sigma_u / sigma_u_sd) ** 2
    if u_on == 0.0:
        for m in range(n_mun):
            logp += _normal(theta[o_uz + m], 1.0)
            grad[o_uz + m] -= theta[o_uz + m]
    for s in range(3):
        logp += _normal(theta[o_kappa + s] - kappa_mu, kappa_sd)
        grad[o_kappa + s] -= (theta[o_kappa + s] - kappa_mu) / kappa_sd**2
    return logp


@numba.njit(cache=True, nogil=True)
def expand_into(theta, out, buffer):
    """Constrained parameters (alpha, mu, tau, beta, delta, sigma_u, u, kappa) into ``out``."""
    (x, group, y, w, aw, factor_on, lam, x_centre, abs_centre, switches, mu_sd, tau_sd, delta_sd, scalars, lam_u,
     aw_centre, signed) = _views(buffer)
    n_mun, n_fac = x.shape
    tau_on, delta_on, u_on, kappa_on = switches[0], switches[1], switches[2], switches[3]
    o_z, o_zd, o_lsu = 18, 18 + n_fac, 18 + 2 * n_fac
    o_uz, o_kappa = o_lsu + 1, o_lsu + 1 + n_mun
    for c in range(6, 12):
        out[c] = theta[c]  # mu
    for c in range(6):
        out[12 + c] = abs(theta[12 + c]) if signed != 0.0 else math.exp(theta[12 + c])  # tau
    j = 18
    for f in range(n_fac):
        g = int(group[f])
        beta = theta[6 + g]
        if tau_on != 0.0 and signed != 0.0:
            beta += theta[12 + g] * theta[o_z + f]
        elif tau_on != 0.0:
            beta += math.exp((1.0 - lam[f]) * theta[12 + g]) * (theta[o_z + f] - lam[f] * theta[6 + g])
        out[j + f] = factor_on[f] * beta
        out[j + n_fac + f] = factor_on[f] * delta_on * delta_sd[g] * theta[o_zd + f]
    alpha = _intercepts(theta, out[j : j + n_fac], out[j + n_fac : j + 2 * n_fac], group, x_centre, abs_centre,
                        aw_centre, delta_on, kappa_on, o_kappa)
    for c in range(6):
        out[c] = alpha[c]
    j += 2 * n_fac
    out[j] = abs(theta[o_lsu]) if signed != 0.0 else math.exp(theta[o_lsu])
    u_outer = theta[o_lsu] if signed != 0.0 else math.exp((1.0 - lam_u) * theta[o_lsu])
    for m in range(n_mun):
        out[j + 1 + m] = u_on * u_outer * theta[o_uz + m]
    for s in range(3):
        out[j + 1 + n_mun + s] = kappa_on * theta[o_kappa + s]


LOGP_SIGNATURE = numba.types.int64(
    numba.types.uint64,
    numba.types.CPointer(numba.types.double),
    numba.types.CPointer(numba.types.double),
    numba.types.CPointer(numba.types.double),
    numba.types.voidptr,
)
EXPAND_SIGNATURE = numba.types.int64(
    numba.types.uint64,
    numba.types.uint64,
    numba.types.CPointer(numba.types.double),
    numba.types.CPointer(numba.types.double),
    numba.types.voidptr,
)


@numba.njit(cache=True)
def _buffer_at(pointer):
    header = numba.carray(pointer, (HEADER,), np.float64)
    return numba.carray(pointer, (int(header[2]),), np.float64)


@numba.cfunc(LOGP_SIGNATURE, cache=True)
def logp_cfunc(dim, theta_, grad_, logp_, data_):
    """C entry point for nutpie: status 0 ok, 3 non-finite gradient, 4 non-finite log density."""
    buffer = _buffer_at(data_)
    theta = numba.carray(theta_, (dim,))
    grad = numba.carray(grad_, (dim,))
    out = numba.carray(logp_, (1,))
    value = logp_and_grad(theta, grad, buffer)
    out[0] = value
    for i in range(dim):
        if not math.isfinite(grad[i]):
            return 3
    if not math.isfinite(value):
        return 4
    return 0


@numba.cfunc(EXPAND_SIGNATURE, cache=True)
def expand_cfunc(dim, n_expanded, theta_, out_, data_):
    buffer = _buffer_at(data_)
    theta = numba.carray(theta_, (dim,))
    out = numba.carray(out_, (n_expanded,))
    expand_into(theta, out, buffer)
    return 0


def warm_up() -> None:
    """Compile (or load from numba's on-disk cache) the kernel on a tiny problem."""
    n_fac, n_mun = 6, 2
    arrays = {
        "x": np.zeros((n_mun, n_fac)), "group": np.arange(n_fac), "y": np.zeros((n_mun, 6)),
        "w": np.ones((n_mun, 6)), "aw": np.zeros(n_mun), "factor_on": np.ones(n_fac), "lam": np.zeros(n_fac),
        "x_centre": np.zeros(n_fac), "abs_centre": np.zeros(n_fac), "aw_centre": np.zeros(1),
        "switches": np.ones(4), "mu_sd": np.ones(6), "tau_sd": np.ones(6), "delta_sd": np.ones(6),
        "scalars": np.array([1.0, 1.0, 0.0, 1.0]), "lam_u": np.zeros(1), "signed": np.zeros(1),
    }
    theta = np.zeros(n_dim(n_fac, n_mun))
    logp_and_grad(theta, np.empty_like(theta), pack(arrays))
    expand_into(theta, np.empty(n_expanded(n_fac, n_mun)), pack(arrays))


def n_expanded(n_factors: int, n_municipalities: int) -> int:
    return 18 + 2 * n_factors + 1 + n_municipalities + 3
