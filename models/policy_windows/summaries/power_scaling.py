"""Power-scaling prior sensitivity, one prior at a time, on the quantities people read.

``arviz_stats.psense_summary`` power-scales the prior (and, separately, the likelihood) by
importance weighting and reports how far each target's posterior moves (cumulative
Jensen-Shannon distance per unit of log alpha). Scaling all top-level priors at once and
reporting only on those parameters answers neither "which prior matters?" nor "does a
conclusion depend on it?". Here each top-level prior (alpha, mu, tau, sigma_u, kappa) is
scaled on its own (``prior_var_names`` subsets the ``log_prior`` group) and the targets
are what the summaries report: beta, the stream means mu, beta - mu, the window
probabilities and the average marginal effects (observed contrasts).

Why "prior-data conflict" on mu is the signature of separation here
-------------------------------------------------------------------
Every phase x stream cell whose codes sum above zero moved and every cell below zero did
not, so within a stream the likelihood keeps increasing as the stream's pooled slope mu
grows: it has no finite maximum in that direction. Power-scaling the likelihood up then
pushes mu outwards (likelihood sensitivity above threshold) and power-scaling the prior up
pulls it in (prior sensitivity above threshold); psense calls that combination "prior-data
conflict". It is not a disagreement between a prior and a well-defined likelihood
estimate: the posterior's location and scale along mu are set by where the prior's tail
cuts off an unbounded likelihood. The sign of mu is what the data say; its size is the
prior's. The same pattern on beta is inherited through beta = mu + tau z.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr
from arviz_base import dataset_to_dataframe
from arviz_stats import psense

from policy_windows.summaries.derived import (
    average_marginal_effects, identification_for, posterior_draws, stream_probability, window_probability,
)
from policy_windows.data.design import ModelData

TOP_LEVEL_PRIORS = ("alpha", "mu", "tau", "sigma_u", "kappa")
THRESHOLD = 0.05
TARGET_KINDS = {
    "beta": "factor coefficient",
    "mu": "stream pooled mean",
    "beta_minus_mu": "factor minus stream mean",
    "window_probability": "window probability",
    "ame_pp": "average marginal effect (observed contrast, pp)",
}


def sensitivity_targets(idata: xr.DataTree, data: ModelData) -> xr.Dataset:
    """The reported quantities per draw as a posterior-like Dataset (chain, draw, ...).

    AMEs are included for identified and weakly identified factors only, for the contrast
    between their highest and lowest observed levels.
    """
    post = idata["posterior"]
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    draws = posterior_draws(idata)
    support = identification_for(idata, data)
    pi = window_probability(stream_probability(draws, data))
    mu_f = draws["mu"][:, data.factor_group]
    keep = [f for f in range(len(data.factors)) if support.loc[f, "identification"] != "not identified"]
    ames = average_marginal_effects(
        draws, data, {data.factors[f]: (data.x[:, f].max(), data.x[:, f].min()) for f in keep}
    )
    ame = np.stack([100 * ames[data.factors[f]] for f in keep], axis=1)

    def shaped(values: np.ndarray) -> np.ndarray:
        return values.reshape(n_chain, n_draw, *values.shape[1:])

    coords = {
        "chain": post["chain"].values,
        "draw": post["draw"].values,
        "factor": list(data.factors),
        "group": list(data.coords["group"]),
        "municipality": list(data.municipalities),
        "phase": list(data.coords["phase"]),
        "ame_factor": [data.factors[f] for f in keep],
    }
    return xr.Dataset(
        {
            "beta": (("chain", "draw", "factor"), shaped(draws["beta"])),
            "mu": (("chain", "draw", "group"), shaped(draws["mu"])),
            "beta_minus_mu": (("chain", "draw", "factor"), shaped(draws["beta"] - mu_f)),
            "window_probability": (("chain", "draw", "municipality", "phase"), shaped(pi)),
            "ame_pp": (("chain", "draw", "ame_factor"), shaped(ame)),
        },
        coords=coords,
    )


def prior_sensitivity(
    idata: xr.DataTree, data: ModelData, priors=TOP_LEVEL_PRIORS, threshold: float = THRESHOLD
) -> pd.DataFrame:
    """Per top-level prior (scaled alone) and target: prior and likelihood sensitivity and
    psense's diagnosis. Priors absent from the fit's ``log_prior`` group are skipped.

    Columns: prior, target, target_kind, prior_sensitivity, likelihood_sensitivity, diagnosis.
    """
    targets = sensitivity_targets(idata, data)
    tree = xr.DataTree.from_dict(
        {
            "posterior": targets,
            "log_prior": idata["log_prior"].to_dataset(),
            "log_likelihood": idata["log_likelihood"].to_dataset(),
        }
    )
    frames = []
    likelihood = None  # the same for every prior: computed once
    for prior in priors:
        if prior not in idata["log_prior"].data_vars:
            continue
        if likelihood is None:
            likelihood = psense(tree, var_names=list(TARGET_KINDS), group="likelihood")
        table = _psense_table(psense(tree, var_names=list(TARGET_KINDS), group="prior", group_var_names=[prior]),
                              likelihood, threshold)
        frames.append(
            pd.DataFrame(
                {
                    "prior": prior,
                    "target": table.index.astype(str),
                    "target_kind": [TARGET_KINDS[str(t).split("[")[0]] for t in table.index],
                    "prior_sensitivity": table["prior"].to_numpy(dtype=float),
                    "likelihood_sensitivity": table["likelihood"].to_numpy(dtype=float),
                    "diagnosis": [_plain(d) for d in table["diagnosis"]],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _psense_table(prior: xr.Dataset, likelihood: xr.Dataset, threshold: float, round_to: int = 6) -> pd.DataFrame:
    """``arviz_stats.psense_summary``'s table from its two parts, so that the likelihood part,
    which does not depend on the prior being scaled, is computed once for all priors (with
    hundreds of municipalities the window probabilities make it hundreds of targets)."""
    joined = xr.concat([prior, likelihood], dim="component").assign_coords(component=["prior", "likelihood"])
    table = dataset_to_dataframe(joined, sample_dims=["component"]).T

    def diagnose(row) -> str:  # as psense_summary words it
        if row["prior"] >= threshold and row["likelihood"] >= threshold:
            return "potential prior-data conflict"
        if row["prior"] > threshold > row["likelihood"]:
            return "potential strong prior / weak likelihood"
        return "no issue"

    table["diagnosis"] = table.apply(diagnose, axis=1)
    return table.round(round_to)


def _plain(diagnosis: str) -> str:
    """psense's diagnosis in plain ASCII (its 'no issue' mark is a check-mark glyph)."""
    return "no issue" if not diagnosis.startswith("potential") else diagnosis


def sensitivity_overview(table: pd.DataFrame) -> pd.DataFrame:
    """Per prior and target kind: how many targets get each diagnosis (for captions and prose)."""
    return table.groupby(["prior", "target_kind", "diagnosis"]).size().rename("n_targets").reset_index()
