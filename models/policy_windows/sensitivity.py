"""Prior-scale sensitivity: the same factor summaries under rescaled priors, side by side."""

from __future__ import annotations

import pandas as pd
import xarray as xr

from .derived import factor_effects
from .design import ModelData

def verdict(p_positive: float) -> str:
    """The call a reader would make from P(beta > 0) alone."""
    if p_positive >= 0.9:
        return "positive"
    if p_positive <= 0.1:
        return "negative"
    return "uncertain"


KEEP = ["beta_mean", "beta_eti95_lb", "beta_eti95_ub", "p_beta_positive", "ame_pp_plus_vs_minus_mean"]


def prior_scale_table(fits: dict[float, xr.DataTree], data: ModelData) -> pd.DataFrame:
    """One row per factor and prior scale, plus whether P(beta > 0) crosses 0.9 or 0.1
    between scales (the conclusion would change with the prior)."""
    frames = []
    for scale, idata in sorted(fits.items()):
        effects = factor_effects(idata, data)[["factor", "phase", "stream", *KEEP]]
        frames.append(effects.assign(prior_scale=scale))
    table = pd.concat(frames, ignore_index=True)
    p = table.groupby("factor")["p_beta_positive"]
    table["verdict"] = table["p_beta_positive"].map(verdict)
    stable = table.groupby("factor")["verdict"].transform(lambda v: v.nunique() == 1)
    table["verdict_stable_across_scales"] = stable
    table["p_beta_positive_range"] = p.transform("max") - p.transform("min")
    return table[["factor", "phase", "stream", "prior_scale", *KEEP, "verdict", "verdict_stable_across_scales", "p_beta_positive_range"]]
