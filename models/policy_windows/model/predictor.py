"""The linear predictor of the multiple-streams model, written once.

For municipality m, phase p and stream s::

    eta[m,p,s] = alpha[p,s]
                 + sum_{f in block (p,s)} ( beta[f] x[m,f] + delta[f] reported[m,f] )
                 + u[m]
                 + [p = institutionalisation] kappa[s] agenda_window[m]

``x`` holds the coded -1/0/+1 values and ``reported = |x|`` says whether anything was
reported at all. With ``delta = 0`` (the default configuration) a code of 0 sits halfway
between lacking and present; with ``delta`` free each of the three levels gets its own
position ("not reported" is not assumed to be halfway).

Every consumer of eta (the sampler's kernel, the posterior summaries, the what-if
counterfactuals, the predictive simulations) goes through :func:`linear_predictor`
or, inside the compiled kernel, through the same formula in ``kernel.py`` (a test checks
the two agree to floating-point precision).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

N_PHASES = 2
N_STREAMS = 3
N_GROUPS = N_PHASES * N_STREAMS


def block_matrix(factor_group: np.ndarray) -> np.ndarray:
    """(factor, group) one-hot matrix: which phase x stream block each factor feeds."""
    one_hot = np.zeros((len(factor_group), N_GROUPS))
    one_hot[np.arange(len(factor_group)), np.asarray(factor_group, dtype=int)] = 1.0
    return one_hot


def linear_predictor(
    draws: dict[str, np.ndarray],
    x: np.ndarray,
    factor_group: np.ndarray,
    agenda_window: np.ndarray,
) -> np.ndarray:
    """eta with shape (sample, municipality, phase, stream).

    draws: ``alpha`` (S, 2, 3) and ``beta`` (S, F) are required; ``delta`` (S, F),
    ``u`` (S, M) and ``kappa`` (S, 3) are optional (absent = switched off).
    x: (M, F) codes. agenda_window: (M,) observed, or (S, M) simulated per draw.
    """
    x = np.asarray(x, dtype=float)
    one_hot = block_matrix(factor_group)
    # (1, M, F) @ (S, F, 6): each draw's coefficients placed in their block, one matrix product.
    effect = x[None] @ (draws["beta"][:, :, None] * one_hot[None])
    if "delta" in draws:
        effect = effect + np.abs(x)[None] @ (draws["delta"][:, :, None] * one_hot[None])
    n_samples, n_mun = effect.shape[0], x.shape[0]
    eta = draws["alpha"][:, None, :, :] + effect.reshape(n_samples, n_mun, N_PHASES, N_STREAMS)
    if "u" in draws:
        eta = eta + draws["u"][:, :, None, None]
    if "kappa" in draws:
        window = np.asarray(agenda_window, dtype=float)
        window = np.broadcast_to(window, (n_samples, n_mun))
        eta[:, :, 1, :] += draws["kappa"][:, None, :] * window[:, :, None]
    return eta


def stream_probability(
    draws: dict[str, np.ndarray],
    x: np.ndarray,
    factor_group: np.ndarray,
    agenda_window: np.ndarray,
) -> np.ndarray:
    """theta = P(stream moves), shape (sample, municipality, phase, stream)."""
    return expit(linear_predictor(draws, x, factor_group, agenda_window))


def window_probability(theta: np.ndarray) -> np.ndarray:
    """Kingdon: a window opens when all three streams move, so pi is the product over streams."""
    return theta.prod(axis=-1)
