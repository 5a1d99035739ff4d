"""Stream-level versus factor-specific evidence, and the calls and sentences built on it.

With eight municipalities the streams are nearly separated by the sums of their codes, so
the model learns each phase x stream block's pooled mean ``mu[g]`` far better than any
single factor's departure from it. ``P(beta_f > 0)`` then mostly restates ``P(mu_g > 0)``.
What the data say about a factor *itself* is ``beta_f - mu_g``: only when
``P(beta_f > mu_g)`` is decisive do the cases single the factor out from its stream.

The thresholds for every call live here and nowhere else (:data:`DECISIVE`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from arviz_stats.base import array_stats

from policy_windows.data.design import ModelData

#: A posterior probability at or above this (or at or below 1 - this) is called decisive.
DECISIVE = 0.9

EVIDENCE_LABELS = ("factor-specific", "stream-level only", "not identified")


def sign_call(p_positive: float, identification: str = "identified") -> str:
    """The call on the sign of a coefficient from P(> 0); an unidentified one gets no sign."""
    if identification == "not identified":
        return "not identified"
    if p_positive >= DECISIVE:
        return "positive"
    if p_positive <= 1 - DECISIVE:
        return "negative"
    return "uncertain"


def evidence_label(identification: str, p_beta_above_mu: float) -> str:
    """'factor-specific' if the data single the factor out from its stream's pooled mean
    (P(beta > mu) decisive either way), 'stream-level only' otherwise, 'not identified' if
    the design cannot inform the factor at all."""
    if identification == "not identified":
        return "not identified"
    if p_beta_above_mu >= DECISIVE or p_beta_above_mu <= 1 - DECISIVE:
        return "factor-specific"
    return "stream-level only"


def factor_call(identification: str, p_beta_positive: float, p_beta_above_mu: float) -> str:
    """One string combining both calls, used to check whether a conclusion survives a refit."""
    evidence = evidence_label(identification, p_beta_above_mu)
    if evidence == "not identified":
        return "not identified"
    sign = sign_call(p_beta_positive, identification)
    if evidence == "factor-specific":
        side = "above" if p_beta_above_mu >= DECISIVE else "below"
        return f"{sign}; {side} its stream"
    return f"{sign}; stream-level only"


def stream_contrasts(draws: Mapping[str, np.ndarray], data: ModelData, prob: float = 0.95) -> pd.DataFrame:
    """Per factor: P(beta > 0), P(mu_g > 0), P(beta_f > mu_g) and beta_f - mu_g (mean, ETI).

    ``draws``: ``beta`` (sample, factor) and ``mu`` (sample, group) with groups ordered as
    ``data.coords["group"]`` (phase-major), which is what ``data.factor_group`` indexes.
    """
    beta = np.asarray(draws["beta"])
    mu = np.asarray(draws["mu"])[:, data.factor_group]
    diff = beta - mu
    lo, hi = np.moveaxis(array_stats.eti(diff, prob, axis=0), -1, 0)
    pct = int(round(prob * 100))
    return pd.DataFrame(
        {
            "factor": list(data.factors),
            "p_beta_positive": (beta > 0).mean(axis=0),
            "mu_mean": mu.mean(axis=0),
            "p_mu_positive": (mu > 0).mean(axis=0),
            "p_beta_above_mu": (diff > 0).mean(axis=0),
            "beta_minus_mu_mean": diff.mean(axis=0),
            f"beta_minus_mu_eti{pct}_lb": lo,
            f"beta_minus_mu_eti{pct}_ub": hi,
        }
    )


def readable(factor: str, names: Mapping[str, str] | None = None) -> str:
    """The codebook's English name in running text (lower-cased first letter), else the id."""
    name = (names or {}).get(factor, factor.replace("_", " "))
    return name[0].lower() + name[1:] if name[1:2].islower() else name


def _stream_clause(phase: str, stream: str, p_mu: float) -> str:
    if p_mu >= DECISIVE:
        how = "together go with movement"
    elif p_mu <= 1 - DECISIVE:
        how = "together go with less movement"
    else:
        how = "together show no clear direction"
    return f"The coded factors of the {phase} {stream} stream {how} (P(μ>0)={p_mu:.2f})"


def _ame_clause(row: Mapping) -> str:
    mean = row.get("ame_pp_observed_mean")
    if mean is None or not np.isfinite(mean):
        return ""
    lo, hi = row["ame_pp_observed_eti95_lb"], row["ame_pp_observed_eti95_ub"]
    zero = ", an interval that includes zero" if lo <= 0 <= hi else ""
    return (
        f" Observed contrast {row['ame_contrast_observed']}: {mean:+.1f} percentage points on the "
        f"{row['phase']} window on average (95% interval {lo:+.1f} to {hi:+.1f}{zero})."
    )


def factor_statement(row: Mapping, names: Mapping[str, str] | None = None) -> str:
    """A sentence about one factor that its own numbers support and that says whether the
    data identify it and whether they single it out from its stream.

    ``row`` needs: factor, phase, stream, identification, identification_note,
    p_beta_positive, p_mu_positive, p_beta_above_mu, beta_minus_mu_mean,
    beta_minus_mu_eti95_lb/_ub and optionally the observed-contrast AME columns.
    """
    name = readable(row["factor"], names)
    title = name[0].upper() + name[1:]
    p_beta, p_above = row["p_beta_positive"], row["p_beta_above_mu"]
    if row["identification"] == "not identified":
        return (
            f"{title} is not identified by these data ({row['identification_note']}). Its P(β>0)={p_beta:.2f} "
            f"restates its stream's pooled mean (P(μ>0)={row['p_mu_positive']:.2f}) and the prior, so it is "
            f"no evidence about {name}."
        )
    diff = (
        f"β−μ {row['beta_minus_mu_mean']:+.2f}, 95% interval {row['beta_minus_mu_eti95_lb']:+.2f} "
        f"to {row['beta_minus_mu_eti95_ub']:+.2f}"
    )
    stream = _stream_clause(row["phase"], row["stream"], row["p_mu_positive"])
    if evidence_label(row["identification"], p_above) == "factor-specific":
        more = "more" if p_above >= DECISIVE else "less"
        text = (
            f"{stream}; {name} goes with {more} movement than its stream's pooled mean "
            f"(P(β>μ)={p_above:.2f}; {diff}; P(β>0)={p_beta:.2f})."
        )
    else:
        text = (
            f"{stream}; these data cannot single out {name} from its stream (P(β>μ)={p_above:.2f}; {diff}), "
            f"so its P(β>0)={p_beta:.2f} largely reflects the stream's shared effect."
        )
    if row["identification"] == "weakly identified":
        text += f" It is only weakly identified: {row['identification_note']}."
    return text + _ame_clause(row)

