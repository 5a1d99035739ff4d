"""Do the conclusions survive other reasonable priors and another coding of "not reported"?

Refits of the full model (prior scales x0.5 and x2, the unscaled prior family, the
reported-indicator coding) are compared with the default fit on what readers take away:

* :func:`calls_across_fits` -- per factor and fit: beta, P(beta > 0), P(beta > mu), the
  calls made from them (:mod:`policy_windows.summaries.evidence`) and whether they match the default.
* :func:`rank_agreement` -- Spearman rank correlation of the beta means (all factors and
  identified factors only) and of the window-probability means, alternative vs default.
* :func:`highlighted_robustness` -- the thesis's three highlighted factors with every call
  labelled by whether it survives each kind of alternative.

A ``kinds`` mapping (fit name -> "default", "prior_scale", "prior_family" or "coding") says
which question each alternative answers.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import xarray as xr
from scipy.stats import spearmanr

from policy_windows.constants import HIGHLIGHTED_FACTORS
from policy_windows.summaries.derived import factor_effects, posterior_draws, stream_probability, window_probability
from policy_windows.data.design import ModelData

KINDS = ("prior_scale", "prior_family", "coding")
KIND_LABELS = {
    "prior_scale": "the prior-scale refits (every prior sd halved, or doubled)",
    "prior_family": "the alternative prior family",
    "coding": "the reported-indicator coding",
}
KEEP = [
    "factor", "phase", "stream", "identification", "beta_mean", "beta_eti95_lb", "beta_eti95_ub",
    "p_beta_positive", "p_mu_positive", "p_beta_above_mu", "ame_pp_observed_mean", "sign_call", "evidence", "call",
]


def alternative_kind(settings: Mapping, reference: Mapping) -> str:
    """Which question a refit answers, from its configuration versus the main model's:
    "coding" (reported_indicator differs), "prior_family", "prior_scale", else "other"."""
    for key, kind in (("reported_indicator", "coding"), ("prior_family", "prior_family"),
                      ("prior_scale", "prior_scale")):
        if settings.get(key) != reference.get(key):
            return kind
    return "other"


def calls_across_fits(
    fits: Mapping[str, xr.DataTree], data: ModelData, kinds: Mapping[str, str], reference: str = "default"
) -> pd.DataFrame:
    """One row per factor and fit with the numbers behind each call, whether the call
    (``sign_call``, ``evidence``, combined ``call``) equals the reference fit's, and per
    factor whether the combined call is the same in every fit and the range of P(beta > 0)
    and P(beta > mu) across fits."""
    frames = []
    for name, idata in fits.items():
        effects = factor_effects(idata, data)[KEEP]
        frames.append(effects.assign(fit=name, kind=kinds.get(name, "default" if name == reference else "other")))
    table = pd.concat(frames, ignore_index=True)
    ref = table[table["fit"] == reference].set_index("factor")
    for col in ("sign_call", "evidence", "call"):
        table[f"{col}_as_default"] = table[col].to_numpy() == ref.loc[table["factor"], col].to_numpy()
    by = table.groupby("factor")
    table["call_stable_all_fits"] = by["call"].transform(lambda v: v.nunique() == 1)
    for col in ("p_beta_positive", "p_beta_above_mu"):
        table[f"{col}_range"] = by[col].transform("max") - by[col].transform("min")
    return table[["fit", "kind", *KEEP, "sign_call_as_default", "evidence_as_default", "call_as_default",
                  "call_stable_all_fits", "p_beta_positive_range", "p_beta_above_mu_range"]]


def _means(idata: xr.DataTree, data: ModelData) -> tuple[pd.Series, pd.Series]:
    """Posterior means of beta (by factor) and of the window probabilities (by municipality, phase)."""
    draws = posterior_draws(idata)
    beta = pd.Series(draws["beta"].mean(axis=0), index=list(idata["posterior"]["beta"]["factor"].values))
    pi = window_probability(stream_probability(draws, data)).mean(axis=0).ravel()
    return beta, pd.Series(pi)


def _spearman(a: pd.Series, b: pd.Series) -> float:
    common = a.index.intersection(b.index)
    if len(common) < 3:
        return np.nan
    return float(spearmanr(a.loc[common], b.loc[common]).statistic)


def rank_agreement(
    fits: Mapping[str, xr.DataTree],
    data: ModelData,
    kinds: Mapping[str, str] | None = None,
    reference: str = "default",
    identified: list[str] | None = None,
) -> pd.DataFrame:
    """Spearman rank correlation between each alternative fit and the reference of the beta
    means (all shared factors, and only the ``identified`` ones if given) and of the
    window-probability means (municipality x phase), with the number of shared factors."""
    kinds = kinds or {}
    ref_beta, ref_pi = _means(fits[reference], data)
    rows = []
    for name, idata in fits.items():
        if name == reference:
            continue
        beta, pi = _means(idata, data)
        row = {
            "alternative": name,
            "kind": kinds.get(name, "other"),
            "n_factors": len(beta.index.intersection(ref_beta.index)),
            "spearman_beta_mean": _spearman(beta, ref_beta),
            "spearman_beta_mean_identified": np.nan,
            "spearman_window_probability_mean": _spearman(pi, ref_pi),
        }
        if identified is not None:
            keep = ref_beta.index.intersection(identified)
            row["spearman_beta_mean_identified"] = _spearman(beta.reindex(keep).dropna(), ref_beta.loc[keep])
        rows.append(row)
    return pd.DataFrame(rows)


def _survives(calls: pd.DataFrame, factor: str, kind: str, column: str) -> tuple[object, list[str]]:
    """Whether ``column``'s call for ``factor`` matches the default in every fit of ``kind``
    (NA if there is none), and 'fit: call' for the fits where it does not."""
    part = calls[(calls["factor"] == factor) & (calls["kind"] == kind)]
    if part.empty:
        return pd.NA, []
    changed = part[~part[f"{column}_as_default"]]
    return changed.empty, [f"{fit}: {value}" for fit, value in zip(changed["fit"], changed[column])]


def highlighted_robustness(effects: pd.DataFrame, calls: pd.DataFrame, factors=HIGHLIGHTED_FACTORS) -> pd.DataFrame:
    """The highlighted factors' default-fit row (``effects`` from :func:`factor_effects`) with,
    for every call (``sign_call``, ``evidence``) and every kind of alternative, whether the
    call survives it (``<call>_survives_<kind>``; NA if no fit of that kind was given), the
    combined call in each alternative fit (``call_<fit>``) and a ``robustness`` sentence."""
    cols = [
        "factor", "name", "phase", "stream", "identification", "identification_note", "beta_mean",
        "beta_eti95_lb", "beta_eti95_ub", "p_beta_positive", "p_mu_positive", "p_beta_above_mu",
        "beta_minus_mu_mean", "beta_minus_mu_eti95_lb", "beta_minus_mu_eti95_ub", "sign_call", "evidence",
        "call", "ame_contrast_observed", "ame_pp_observed_mean", "ame_pp_observed_eti95_lb",
        "ame_pp_observed_eti95_ub", "statement",
    ]
    table = effects.set_index("factor").loc[list(factors)].reset_index()[cols]
    for fit in calls.loc[calls["kind"] != "default", "fit"].unique():
        part = calls[calls["fit"] == fit].set_index("factor")
        table[f"call_{fit}"] = part["call"].reindex(table["factor"]).to_numpy()
    sentences = []
    for i, factor in enumerate(table["factor"]):
        held, failed = [], []
        for column in ("sign_call", "evidence"):
            for kind in KINDS:
                ok, changed = _survives(calls, factor, kind, column)
                table.loc[i, f"{column}_survives_{kind}"] = ok
                if ok is pd.NA:
                    continue
                what = f"the {column.replace('_', ' ')} under {KIND_LABELS[kind]}"
                (held.append(what) if ok else failed.append(f"{what} ({'; '.join(changed)})"))
        sentences.append(_robustness_sentence(table.loc[i], held, failed))
    table["robustness"] = sentences
    return table


def _robustness_sentence(row: pd.Series, held: list[str], failed: list[str]) -> str:
    head = (
        f"Default call for {row['name']}: sign {row['sign_call']}, evidence {row['evidence']} "
        f"({row['identification']})."
    )
    if not held and not failed:
        return head + " No alternative fits were given."
    parts = [head]
    if held:
        parts.append("Unchanged: " + "; ".join(held) + ".")
    if failed:
        parts.append("Changed: " + "; ".join(failed) + ".")
    return " ".join(parts)
