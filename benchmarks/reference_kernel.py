"""A hand-written reference log density and gradient of the full model, for timing only.

The plainest numba implementation of the full model (non-centred, every part on, no
switches, no weights, no configuration buffer): what a careful person would write for this
one model. ``run_benchmarks.py --gradient`` times the project's general kernel
(``policy_windows.model.kernel``) against it in one process, and checks that both return
the same log density and gradient at the timed point.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def reference_logp_and_grad(theta, grad, x, group, y, aw, mu_sd, tau_sd, alpha_sd, sigma_u_sd, kappa_mu, kappa_sd):
    n_mun, n_fac = x.shape
    o_mu, o_lt, o_z = 6, 12, 18
    o_zd = o_z + n_fac
    o_ls = o_zd + n_fac
    o_u = o_ls + 1
    o_k = o_u + n_mun
    grad[:] = 0.0
    half_log_2pi = 0.5 * math.log(2.0 * math.pi)
    beta = np.empty(n_fac)
    for f in range(n_fac):
        g = group[f]
        beta[f] = theta[o_mu + g] + math.exp(theta[o_lt + g]) * theta[o_z + f]
    sigma_u = math.exp(theta[o_ls])
    g_beta = np.zeros(n_fac)
    r = np.empty(6)
    lp = 0.0
    for m in range(n_mun):
        u = sigma_u * theta[o_u + m]
        eta = np.empty(6)
        for c in range(6):
            eta[c] = theta[c] + u
        for s in range(3):
            eta[3 + s] += theta[o_k + s] * aw[m]
        for f in range(n_fac):
            eta[group[f]] += beta[f] * x[m, f]
        total = 0.0
        for c in range(6):
            p = 1.0 / (1.0 + math.exp(-eta[c]))
            lp += y[m, c] * eta[c] - (max(eta[c], 0.0) + math.log1p(math.exp(-abs(eta[c]))))
            r[c] = y[m, c] - p
            grad[c] += r[c]
            total += r[c]
        for s in range(3):
            grad[o_k + s] += r[3 + s] * aw[m]
        grad[o_u + m] += sigma_u * total
        grad[o_ls] += u * total
        for f in range(n_fac):
            g_beta[f] += r[group[f]] * x[m, f]
    for f in range(n_fac):
        g = group[f]
        tau = math.exp(theta[o_lt + g])
        grad[o_mu + g] += g_beta[f]
        grad[o_lt + g] += g_beta[f] * tau * theta[o_z + f]
        grad[o_z + f] += g_beta[f] * tau - theta[o_z + f]
        lp += -0.5 * theta[o_z + f] ** 2 - half_log_2pi - 0.5 * theta[o_zd + f] ** 2 - half_log_2pi
        grad[o_zd + f] -= theta[o_zd + f]
    for c in range(6):
        lp += -0.5 * (theta[c] / alpha_sd) ** 2 - math.log(alpha_sd) - half_log_2pi
        grad[c] -= theta[c] / alpha_sd**2
        lp += -0.5 * (theta[o_mu + c] / mu_sd[c]) ** 2 - math.log(mu_sd[c]) - half_log_2pi
        grad[o_mu + c] -= theta[o_mu + c] / mu_sd[c] ** 2
        tau = math.exp(theta[o_lt + c])
        lp += math.log(2.0) - 0.5 * (tau / tau_sd[c]) ** 2 - math.log(tau_sd[c]) - half_log_2pi + theta[o_lt + c]
        grad[o_lt + c] += 1.0 - (tau / tau_sd[c]) ** 2
    lp += math.log(2.0) - 0.5 * (sigma_u / sigma_u_sd) ** 2 - math.log(sigma_u_sd) - half_log_2pi + theta[o_ls]
    grad[o_ls] += 1.0 - (sigma_u / sigma_u_sd) ** 2
    for m in range(n_mun):
        lp += -0.5 * theta[o_u + m] ** 2 - half_log_2pi
        grad[o_u + m] -= theta[o_u + m]
    for s in range(3):
        lp += -0.5 * ((theta[o_k + s] - kappa_mu) / kappa_sd) ** 2 - math.log(kappa_sd) - half_log_2pi
        grad[o_k + s] -= (theta[o_k + s] - kappa_mu) / kappa_sd**2
    return lp
