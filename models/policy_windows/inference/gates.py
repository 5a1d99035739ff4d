"""Convergence gates that fail a fit instead of warning about it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import arviz as az
import pandas as pd
import xarray as xr

from policy_windows.inference.sampler import divergences, fit


@dataclass(frozen=True)
class GateThresholds:
    """Thresholds from ``gates`` in config/config.yaml (the only place they are set)."""

    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    max_divergences: int

    @classmethod
    def from_config(cls, cfg: dict) -> "GateThresholds":
        return cls(**cfg)


class ConvergenceError(RuntimeError):
    """Raised when a fit violates a gate; the message lists every offending parameter."""


def convergence_table(idata: xr.DataTree, var_names: list[str], thresholds: GateThresholds) -> pd.DataFrame:
    """R-hat and bulk/tail ESS for every element of ``var_names``, with a pass flag.

    An element fixed at exactly 0 in every draw is part of the model that the configuration
    switches off (e.g. an empirical factor's beta in ``theory_only``): it is marked
    ``switched_off`` and passes. Any other element whose R-hat or ESS cannot be computed
    (NaN, e.g. a stuck chain) fails.
    """
    summary = pd.DataFrame(az.summary(idata, var_names=var_names, kind="diagnostics", round_to="none"))
    table = summary[["ess_bulk", "ess_tail", "r_hat"]].copy()
    table.index.name = "parameter"
    undefined = table[["ess_bulk", "ess_tail", "r_hat"]].isna().any(axis=1)
    table["switched_off"] = [bool(u) and _fixed_at_zero(idata["posterior"], label) for label, u in undefined.items()]
    table["passes"] = table["switched_off"] | (
        (table["r_hat"] <= thresholds.max_rhat)
        & (table["ess_bulk"] >= thresholds.min_ess_bulk)
        & (table["ess_tail"] >= thresholds.min_ess_tail)
    )
    return table.reset_index()


def _fixed_at_zero(posterior, label: str) -> bool:
    """Whether the element ``label`` (ArviZ's ``name[coord, coord]``) is 0 in every draw."""
    name, _, inside = label.partition("[")
    values = posterior[name]
    dims = [d for d in values.dims if d not in ("chain", "draw")]
    if inside:
        coords = [c.strip() for c in inside.rstrip("]").split(",")]
        values = values.sel({d: values[d].to_numpy()[[str(v) for v in values[d].to_numpy()].index(c)]
                             for d, c in zip(dims, coords)})
    return bool((values.to_numpy() == 0).all())


def gate_failures(table: pd.DataFrame, n_divergences: int, thresholds: GateThresholds) -> list[str]:
    """Human-readable reasons the fit fails its gates (empty when it passes)."""
    reasons = []
    for row in table.itertuples():
        if not row.passes and any(pd.isna(v) for v in (row.r_hat, row.ess_bulk, row.ess_tail)):
            reasons.append(f"{row.parameter}: R-hat or ESS cannot be computed (constant draws: a stuck chain?)")
        if row.r_hat > thresholds.max_rhat:
            reasons.append(f"{row.parameter}: R-hat {row.r_hat:.4f} > {thresholds.max_rhat}")
        if row.ess_bulk < thresholds.min_ess_bulk:
            reasons.append(f"{row.parameter}: bulk ESS {row.ess_bulk:.0f} < {thresholds.min_ess_bulk:.0f}")
        if row.ess_tail < thresholds.min_ess_tail:
            reasons.append(f"{row.parameter}: tail ESS {row.ess_tail:.0f} < {thresholds.min_ess_tail:.0f}")
    if n_divergences > thresholds.max_divergences:
        reasons.append(f"{n_divergences} divergent transitions > {thresholds.max_divergences}")
    return reasons


def check_gates(
    idata: xr.DataTree, var_names: list[str], thresholds: GateThresholds, table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Diagnostics table for the fit (``table``: its :func:`convergence_table`, if already
    computed); raises :class:`ConvergenceError` if any gate fails."""
    table = convergence_table(idata, var_names, thresholds) if table is None else table
    n_div = divergences(idata)
    failures = gate_failures(table, n_div, thresholds)
    if failures:
        raise ConvergenceError(
            f"{len(failures)} convergence gate failure(s):\n" + "\n".join(f"  - {f}" for f in failures)
        )
    return table


def fit_to_gates(
    compiled, data, config, priors, settings, thresholds: GateThresholds, *, log=None
) -> tuple[xr.DataTree, pd.DataFrame]:
    """Fit, and while every failing gate is an R-hat or ESS gate, refit with twice the draws
    and twice the tuning (same seed), up to ``settings.max_draws`` draws per chain.

    A chain that mixes slowly needs a longer run; a divergence means the sampler cannot
    explore part of the posterior, which more draws do not cure, so a divergent fit is
    returned as it is. Each refit is a whole new run whose draws replace the last ones. The
    caller still applies :func:`check_gates` (to the returned convergence table of the last
    fit); ``attrs["draws_tried"]`` lists every attempt.
    """
    tried = []
    while True:
        idata = fit(compiled, data, config, priors, settings)
        tried.append(settings.draws)
        n_div = divergences(idata)
        table = convergence_table(idata, parameter_names(idata), thresholds)
        failures = gate_failures(table, n_div, thresholds)
        grow = settings.max_draws is not None and settings.draws * 2 <= settings.max_draws
        if not failures or n_div > thresholds.max_divergences or not grow:
            idata.attrs["draws_tried"] = ", ".join(map(str, tried))
            return idata, table
        if log is not None:
            log.info("%s: %d gate failure(s) in R-hat or ESS with %d draws (%s); refitting with %d draws and "
                     "%d tuning steps", config.name, len(failures), settings.draws, failures[0], settings.draws * 2,
                     settings.tune * 2)
        settings = replace(settings, draws=settings.draws * 2, tune=settings.tune * 2)


def fit_summary(
    idata: xr.DataTree, var_names: list[str], thresholds: GateThresholds, table: pd.DataFrame | None = None
) -> str:
    """One line per fit for the log: worst R-hat and ESS, divergences, sampling seconds
    (``table``: the fit's :func:`convergence_table`, if already computed)."""
    table = convergence_table(idata, var_names, thresholds) if table is None else table
    table = table[~table["switched_off"]]
    worst = table.loc[table["r_hat"].idxmax(), "parameter"]
    return (
        f"{idata.attrs.get('model', '?')}: max R-hat {table['r_hat'].max():.4f} ({worst}), "
        f"min bulk ESS {table['ess_bulk'].min():.0f}, min tail ESS {table['ess_tail'].min():.0f}, "
        f"{divergences(idata)} divergences, sampling {idata.attrs.get('sampling_seconds', float('nan')):.1f} s"
    )


def parameter_names(idata: xr.DataTree) -> list[str]:
    """Top-level and hierarchical parameters the gates apply to (present in this variant)."""
    wanted = ["alpha", "mu", "tau", "beta", "delta", "sigma_u", "u", "kappa", "window_probability"]
    return [v for v in wanted if v in idata["posterior"].data_vars]
