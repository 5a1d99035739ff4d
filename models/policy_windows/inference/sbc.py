"""Simulation-based calibration (Talts et al. 2018) and parameter-recovery summaries,
as small pure functions.

For each simulation the true value of every scalar parameter element is ranked among
``L`` thinned posterior draws; if the sampler and the model's implementation are right,
ranks are discrete-uniform on ``0..L``. Ranks are turned into fractional ranks
``u = (rank + v) / (L + 1)`` with ``v ~ U(0, 1)``, which are exactly continuous-uniform
under calibration whatever ``L`` is, so one set of tests and bands serves every thinning.

Tests are per parameter family (alpha, mu, tau, beta, u, kappa, sigma_u,
window_probability):

* ``chisq``: the binned fractional ranks pooled over the family's elements (the classical
  SBC histogram), tested with simulations as clusters: the pooled chi-square with the
  second-order Rao-Scott correction, its design effects estimated from the spread of the
  bin shares across simulations (:func:`clustered_chisq_uniform`). Elements of one simulation are dependent
  (betas share mu and tau; every window probability shares the intercepts), so a plain
  chi-square on the pooled counts is liberal (tests/test_sbc.py: under strong within-
  simulation dependence it rejects calibrated ranks most of the time, the clustered test at
  its nominal 5%). With one element per simulation it is the chi-square test.
* ``ks``: the smallest per-element Kolmogorov-Smirnov p-value times the number of elements
  (Bonferroni within the family, so valid under any dependence; KS sees a shift of the
  whole rank distribution that coarse bins can miss).
* ``elements``: the smallest per-element chi-square p-value times the number of elements
  (Bonferroni within the family; valid under any dependence between elements).

Each kind of p-value is Holm-adjusted across families. The ECDF-difference bands are the
simulation-based simultaneous bands of Säilynoja, Bürkner and Vehtari (2022).

``simuk`` was evaluated and not used: it refits with ``pm.sample`` in one loop (no
compiled-model reuse, no one-job-per-simulation), and its prior SBC draws the data with
the model's fixed ``agenda_window`` container, which is wrong for this model, where the
agenda window is itself an outcome.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

FAMILIES: tuple[str, ...] = ("alpha", "mu", "tau", "beta", "delta", "u", "kappa", "sigma_u", "window_probability")
RANK_COLUMNS: tuple[str, ...] = ("sim", "family", "parameter", "rank", "n_draws", "fractional_rank")


def rank_statistic(draws: np.ndarray, truth: float, rng: np.random.Generator | None = None) -> int:
    """Number of draws below ``truth``; ties (e.g. a bounded parameter at its bound) split at random."""
    draws = np.asarray(draws, dtype=float).ravel()
    below = int(np.sum(draws < truth))
    ties = int(np.sum(draws == truth))
    if ties and rng is not None:
        below += int(rng.integers(0, ties + 1))
    return below


def thin(draws: np.ndarray, step: int) -> np.ndarray:
    """Every ``step``-th draw of each chain of a (chain, draw, ...) array, chains then stacked."""
    draws = np.asarray(draws)
    kept = draws[:, ::step]
    return kept.reshape((-1,) + draws.shape[2:])


def element_labels(name: str, dims: tuple[str, ...], coords: dict) -> list[str]:
    """``beta[media_attention]``-style labels in C order for an array with these dims."""
    if not dims:
        return [name]
    values = [list(coords[d]) for d in dims]
    return [f"{name}[{','.join(str(v) for v in combo)}]" for combo in itertools.product(*values)]


def simulation_ranks(
    truth: dict[str, np.ndarray],
    posterior: xr.Dataset,
    step: int,
    rng: np.random.Generator,
    sim: int = 0,
    families: tuple[str, ...] = FAMILIES,
) -> pd.DataFrame:
    """Rank of every true scalar element among the thinned posterior draws of one fit.

    ``posterior`` has dims (chain, draw, ...) as nutpie / ArviZ return it; ``truth`` maps
    each family to an array with the same non-sample shape.
    """
    rows = []
    for family in families:
        if family not in truth or family not in posterior.data_vars:
            continue
        da = posterior[family]
        dims = tuple(d for d in da.dims if d not in ("chain", "draw"))
        draws = thin(da.transpose("chain", "draw", *dims).to_numpy(), step)
        n_draws = draws.shape[0]
        flat = draws.reshape(n_draws, -1)
        values = np.asarray(truth[family], dtype=float).ravel()
        if values.size != flat.shape[1]:
            raise ValueError(f"{family}: truth has {values.size} elements, posterior {flat.shape[1]}")
        labels = element_labels(family, dims, {d: da[d].to_numpy() for d in dims})
        for label, column, value in zip(labels, flat.T, values):
            rank = rank_statistic(column, value, rng)
            rows.append((sim, family, label, rank, n_draws, fractional_rank(rank, n_draws, rng)))
    return pd.DataFrame(rows, columns=list(RANK_COLUMNS))


def fractional_rank(rank, n_draws: int, rng: np.random.Generator) -> np.ndarray | float:
    """``(rank + v) / (n_draws + 1)`` with ``v ~ U(0,1)``: continuous-uniform under calibration."""
    rank = np.asarray(rank, dtype=float)
    u = (rank + rng.random(rank.shape)) / (n_draws + 1)
    return float(u) if u.ndim == 0 else u


def chisq_uniform(u: np.ndarray, bins: int) -> float:
    """Chi-square goodness-of-fit p-value of fractional ranks against U(0,1) in ``bins`` bins."""
    u = np.asarray(u, dtype=float)
    counts = np.histogram(u, bins=bins, range=(0.0, 1.0))[0]
    return float(stats.chisquare(counts).pvalue)


def clustered_chisq_uniform(u: np.ndarray, cluster: np.ndarray, bins: int) -> float:
    """P-value that binned fractional ranks are uniform when ranks within a cluster (one
    simulation) may be dependent and clusters are independent: the pooled chi-square with
    the second-order Rao-Scott correction (Rao and Scott 1984), whose design effects are the
    eigenvalues of the naive multinomial covariance of the bin shares inverted against
    their covariance across clusters. With independent elements it is the chi-square test.
    """
    u = np.asarray(u, dtype=float)
    labels, index = np.unique(np.asarray(cluster), return_inverse=True)
    n_clusters, k = labels.size, bins - 1
    which = np.minimum((u * bins).astype(int), bins - 1)
    counts = np.zeros((n_clusters, bins))
    np.add.at(counts, (index, which), 1.0)
    total = counts.sum()
    share = counts.sum(axis=0) / total
    chisq = total * float(((share - 1.0 / bins) ** 2).sum() * bins)
    # Covariance of the pooled shares: across clusters (ratio estimator) and under the null.
    size = counts.sum(axis=1, keepdims=True)
    resid = (counts - size * share)[:, :k]
    robust = resid.T @ resid / total**2 * n_clusters / max(n_clusters - 1, 1)
    null = (np.eye(k) / bins - 1.0 / bins**2) / total
    effects = np.linalg.eigvals(np.linalg.solve(null, robust)).real
    mean = effects.mean()
    spread = ((effects - mean) ** 2).mean() / mean**2
    return float(stats.chi2.sf(chisq / (mean * (1.0 + spread)), k / (1.0 + spread)))


def ks_uniform(u: np.ndarray) -> float:
    return float(stats.kstest(np.asarray(u, dtype=float), "uniform").pvalue)


def holm(pvalues) -> np.ndarray:
    """Holm step-down adjusted p-values (family-wise error control, any dependence)."""
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    m = p.size
    adjusted = np.empty(m)
    running = 0.0
    for position, index in enumerate(order):
        running = max(running, min(1.0, (m - position) * p[index]))
        adjusted[index] = running
    return adjusted


def bins_for(n: int, requested: int | None = None) -> int:
    """Histogram bins: the requested number, else about n/10 expected per bin, 5 to 20."""
    if requested:
        return int(requested)
    return int(np.clip(n // 10, 5, 20))


def uniformity_table(ranks: pd.DataFrame, bins: int | None = None, alpha: float = 0.05) -> pd.DataFrame:
    """One row per family: clustered chi-square, element-wise KS and chi-square (Bonferroni
    within the family); each Holm-adjusted across families."""
    rows = []
    for family in [f for f in FAMILIES if f in set(ranks["family"])] + sorted(set(ranks["family"]) - set(FAMILIES)):
        part = ranks[ranks["family"] == family]
        n_sims = part["sim"].nunique()
        element_bins = bins_for(n_sims, bins)
        per_element = part.groupby("parameter")["fractional_rank"].apply(lambda s: chisq_uniform(s.to_numpy(), element_bins))
        per_element_ks = part.groupby("parameter")["fractional_rank"].apply(lambda s: ks_uniform(s.to_numpy()))
        pooled_bins = bins_for(len(part), bins)
        rows.append(
            {
                "family": family,
                "n_elements": part["parameter"].nunique(),
                "n_simulations": n_sims,
                "n_ranks": len(part),
                "bins": pooled_bins,
                "p_chisq": clustered_chisq_uniform(part["fractional_rank"].to_numpy(), part["sim"].to_numpy(), pooled_bins),
                "p_ks": min(1.0, per_element_ks.min() * len(per_element_ks)),
                "p_elements": min(1.0, per_element.min() * len(per_element)),
                "worst_element": per_element.idxmin(),
            }
        )
    table = pd.DataFrame(rows)
    for kind in ("chisq", "ks", "elements"):
        table[f"p_{kind}_holm"] = holm(table[f"p_{kind}"].to_numpy())
    table["uniform"] = (table[[f"p_{k}_holm" for k in ("chisq", "ks", "elements")]] >= alpha).all(axis=1)
    return table


def ecdf_difference(u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ECDF of fractional ranks minus the uniform CDF, evaluated at ``z``."""
    u = np.sort(np.asarray(u, dtype=float))
    return np.searchsorted(u, z, side="right") / u.size - z


def ecdf_band(
    n: int, z: np.ndarray, alpha: float = 0.05, n_sim: int = 2000, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Simultaneous 1-alpha band for the ECDF difference of ``n`` uniform values at ``z``.

    Säilynoja et al. (2022), simulation method: the per-point binomial tail level is
    lowered to ``gamma`` so that a whole uniform ECDF leaves the band with probability alpha.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    z = np.asarray(z, dtype=float)
    samples = np.sort(rng.random((n_sim, n)), axis=1)
    counts = np.stack([np.searchsorted(row, z, side="right") for row in samples])
    lower_tail = stats.binom.cdf(counts, n, z)
    upper_tail = stats.binom.sf(counts - 1, n, z)
    gamma = np.quantile(np.minimum(2 * np.minimum(lower_tail, upper_tail), 1.0).min(axis=1), alpha)
    low = stats.binom.ppf(gamma / 2, n, z) / n - z
    high = stats.binom.ppf(1 - gamma / 2, n, z) / n - z
    return low, high


# Parameter recovery ------------------------------------------------------------------------
# Lives here with the other simulation-validation statistics: fits on simulated data of M
# municipalities, summarised by interval coverage and width as M grows.

INTERVAL_PROBS: tuple[float, ...] = (0.5, 0.9)


def interval_rows(truth: np.ndarray, draws: np.ndarray, labels, probs=INTERVAL_PROBS) -> pd.DataFrame:
    """Posterior mean, sd and central intervals of each column of ``draws`` (sample, element),
    whether each interval covers the truth, and its width."""
    draws = np.asarray(draws, dtype=float)
    truth = np.asarray(truth, dtype=float).ravel()
    table = pd.DataFrame({"parameter": list(labels), "truth": truth, "mean": draws.mean(axis=0), "sd": draws.std(axis=0, ddof=1)})
    for prob in probs:
        pct = int(round(prob * 100))
        lo, hi = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
        table[f"lower{pct}"] = lo
        table[f"upper{pct}"] = hi
        table[f"covered{pct}"] = (lo <= truth) & (truth <= hi)
        table[f"width{pct}"] = hi - lo
    return table


def width_curve(m: np.ndarray, width: np.ndarray) -> tuple[float, float, float]:
    """Fit ``width = c * M**b`` by least squares on the log scale: (log c, b, standard error of b).

    One point per converged replicate (its mean width over identified factors), so the
    slope's standard error reflects replicate-to-replicate spread. b = -1/2 is the rate of a
    regular parametric model; a fitted b is reported beside it rather than assumed.
    """
    x = np.log(np.asarray(m, dtype=float))
    y = np.log(np.asarray(width, dtype=float))
    if np.unique(x).size < 2:
        raise ValueError("the width curve needs converged fits at two or more M")
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = max(len(y) - 2, 1)
    cov = (resid @ resid / dof) * np.linalg.inv(design.T @ design)
    return float(coef[0]), float(coef[1]), float(np.sqrt(cov[1, 1]))


def m_needed(log_c: float, slope: float, target_halfwidth: float = 0.5) -> float:
    """Municipalities at which the fitted curve ``width = c * M**slope`` reaches a 90% interval
    of half-width ``target_halfwidth``."""
    if slope >= 0:
        return float("inf")
    return float(np.exp((np.log(2 * target_halfwidth) - log_c) / slope))


def recovery_table(rows: pd.DataFrame, target_halfwidth: float = 0.5, extrapolate_from: int = 100) -> pd.DataFrame:
    """Coverage and width per M, plus the extrapolated M for a ``target_halfwidth`` 90% interval.

    ``rows`` holds :func:`interval_rows` output with columns ``M`` and ``identified``
    (whether the factor's codes vary in the design) and ``passes_gates``. Only fits that
    pass the convergence gates count; the others are counted in ``n_excluded_fits``.
    Widths and the curve use the identified factors only; coverage uses all. The curve
    (:func:`width_curve`) is fitted to the M values at or above ``extrapolate_from`` (below
    that the prior, not the data, sets the width); ``M_needed_halfwidth`` reads it at the
    target half-width (mean factor), ``..._worst`` from the same fit to the widest factor.
    """
    out = []
    for m_value, every in rows.groupby("M", sort=True):
        part = every[every["passes_gates"].astype(bool)]
        ident = part[part["identified"]]
        out.append(
            {
                "M": int(m_value),
                "n_replicates": part["replicate"].nunique(),
                "n_excluded_fits": every["replicate"].nunique() - part["replicate"].nunique(),
                "n_beta": len(part),
                "coverage50": part["covered50"].mean(),
                "coverage90": part["covered90"].mean(),
                "coverage50_identified": ident["covered50"].mean(),
                "coverage90_identified": ident["covered90"].mean(),
                "mean_width50": ident["width50"].mean(),
                "mean_width90": ident["width90"].mean(),
                "mean_halfwidth90": ident["width90"].mean() / 2,
                "max_width90": ident.groupby("parameter")["width90"].mean().max(),
                "divergences": int(part.drop_duplicates("replicate")["divergences"].sum()),
            }
        )
    table = pd.DataFrame(out)
    converged = rows[rows["passes_gates"].astype(bool) & rows["identified"] & (rows["M"] >= extrapolate_from)]
    if converged["M"].nunique() < 2:
        converged = rows[rows["passes_gates"].astype(bool) & rows["identified"]]
    per_fit = converged.groupby(["M", "replicate"])["width90"].agg(["mean", "max"]).reset_index()
    log_c, slope, slope_se = width_curve(per_fit["M"], per_fit["mean"])
    log_c_worst, slope_worst, _ = width_curve(per_fit["M"], per_fit["max"])
    table["curve"] = "width90 = c * M^b, least squares on log width, one point per converged replicate"
    table["curve_log_c"] = log_c
    table["curve_slope"] = slope
    table["curve_slope_se"] = slope_se
    table["M_needed_halfwidth"] = m_needed(log_c, slope, target_halfwidth)
    table["M_needed_halfwidth_worst"] = m_needed(log_c_worst, slope_worst, target_halfwidth)
    table["target_halfwidth"] = target_halfwidth
    table["extrapolated_from_M"] = ",".join(str(int(v)) for v in sorted(per_fit["M"].unique()))
    return table
