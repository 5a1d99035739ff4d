"""What-if gains per municipality: one factor set to present (+1), all else equal.

A change is only as credible as the data behind it. Every row says whether the factor is
identified and whether +1 was ever observed for it; a change to a level the data never saw,
or of an unidentified factor, is flagged and ranked after every unflagged change.

For agenda-phase factors the table adds the knock-on effect on the institutionalisation
window: the agenda window is simulated from the changed agenda streams and the
institutionalisation streams follow with ``kappa * simulated window`` (the order of
:func:`policy_windows.summaries.checks.simulate_sequential`). Per draw the expectation over the
simulated window is exact: ``(pi_agenda_changed - pi_agenda_now) * (pi_inst[window=1] -
pi_inst[window=0])``, so no simulation noise is added.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from policy_windows.model import predictor
from policy_windows.constants import PHASES, STREAMS
from policy_windows.summaries.derived import (
    by_draw_blocks, identification_for, phase_window_probability, posterior_draws, set_factor, stream_probability,
    summarise, summarise_columns, window_probability,
)
from policy_windows.data.design import ModelData

KNOCK_ON = "knock_on_institutionalisation_pp_"


def institutionalisation_given_window(draws: dict, data: ModelData, window: float) -> np.ndarray:
    """pi of the institutionalisation window (sample, municipality) if every agenda window were ``window``."""
    windows = np.full(data.n_municipalities, float(window))
    theta = predictor.stream_probability(draws, data.x, data.factor_group, windows)
    return window_probability(theta)[:, :, 1]


def coupling_lift(draws: dict, data: ModelData) -> np.ndarray:
    """pi_inst[agenda window open] - pi_inst[agenda window shut], (sample, municipality)."""
    def lift(d: dict) -> np.ndarray:
        return institutionalisation_given_window(d, data, 1.0) - institutionalisation_given_window(d, data, 0.0)

    return by_draw_blocks(lift, draws)


def knock_on(agenda_now: np.ndarray, agenda_changed: np.ndarray, lift: np.ndarray) -> np.ndarray:
    """Expected change in the institutionalisation window probability when the agenda window
    probability changes from ``agenda_now`` to ``agenda_changed`` and the agenda window is
    simulated from it: the window is open with that probability, and ``lift``
    (:func:`coupling_lift`) is what an open window adds through kappa."""
    return (agenda_changed - agenda_now) * lift


def _flag(identification: str, unseen: bool) -> str:
    parts = []
    if identification == "not identified":
        parts.append("factor not identified by the data: the gain restates its stream's pooled mean and the prior")
    if unseen:
        parts.append("+1 was never observed for this factor: the gain extrapolates the linear coding")
    return "; ".join(parts)


def what_if(idata: xr.DataTree, data: ModelData) -> pd.DataFrame:
    """For each municipality and each factor not already +1: the gain (percentage points) in
    its phase's window probability if that factor were +1, with identification, whether +1
    was ever observed, a ``flag`` (empty when fine), the knock-on effect of agenda changes on
    the institutionalisation window, and ``rank`` within municipality and phase: unflagged
    changes by gain first, then flagged changes by gain.

    Gains for institutionalisation factors condition on the municipality's observed agenda window.
    """
    draws = posterior_draws(idata)
    support = identification_for(idata, data).set_index("factor")
    base = window_probability(stream_probability(draws, data))
    lift = coupling_lift(draws, data)
    knock_keys = [k for k in summarise(np.zeros(2), KNOCK_ON) if k.endswith(("mean", "eti89_lb", "eti89_ub"))]
    blocks = []
    for f, factor in enumerate(data.factors):
        p = data.factor_phase[f]
        identification = support.loc[factor, "identification"]
        unseen = bool(support.loc[factor, "n_present"] == 0)
        rows = np.flatnonzero(data.x[:, f] != 1)
        if not len(rows):  # present everywhere: nothing to change
            continue
        # theta of a municipality depends on its own codes only, so one pass with the factor set
        # to +1 in every municipality where it can change gives each one's single-change
        # counterfactual (columns: those municipalities, in order).
        mine = {k: (v[:, rows] if k == "u" else v) for k, v in draws.items()}
        x, window = set_factor(data.x[rows], f, 1.0), data.agenda_window[rows]
        # (sample, municipality) window probability of the factor's phase (for an agenda factor
        # also what the knock-on effect needs)
        changed = by_draw_blocks(lambda d: phase_window_probability(d, x, data.factor_group, window, p), mine)
        block = {
            "municipality": [data.municipalities[m] for m in rows],
            "phase": PHASES[p],
            "stream": STREAMS[data.factor_stream[f]],
            "factor": factor,
            "current_code": data.x[rows, f].astype(int),
            "identification": identification,
            "unseen_level": unseen,
            "flag": _flag(identification, unseen),
            "window_probability_now": summarise_columns(base[:, rows, p])["mean"],
            "window_probability_if_present": summarise_columns(changed)["mean"],
        }
        block.update(summarise_columns(changed - base[:, rows, p], "gain_pp_", 100))
        if p == 0:
            effect = knock_on(base[:, rows, 0], changed, lift[:, rows])
            full = summarise_columns(effect, KNOCK_ON, 100)
            block.update({k: full[k] for k in knock_keys})
        else:
            block.update({k: np.full(len(rows), np.nan) for k in knock_keys})
        blocks.append(pd.DataFrame(block, index=range(len(rows))))
    table = pd.concat(blocks, ignore_index=True)
    table["_flagged"] = table["flag"] != ""
    table["_phase"] = table["phase"].map(PHASES.index)
    # Ranked within municipality and phase: a gain is a change in that phase's window.
    table = table.sort_values(
        ["municipality", "_phase", "_flagged", "gain_pp_mean"], ascending=[True, True, True, False], kind="stable"
    ).drop(columns=["_flagged", "_phase"])
    table["rank"] = table.groupby(["municipality", "phase"]).cumcount() + 1
    return table.reset_index(drop=True)


# ---------------------------------------------------------------------------
# Reading the what-if table: best change per municipality, and per factor over municipalities
# ---------------------------------------------------------------------------

#: Quantiles over municipalities of the posterior mean gain, in :func:`what_if_by_factor`.
GAIN_QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


def is_flagged(table: pd.DataFrame) -> pd.Series:
    """True where the ``flag`` text is non-empty (an empty CSV cell reads as NaN)."""
    return table["flag"].fillna("").astype(str).str.strip() != ""


def flag_reasons(table: pd.DataFrame) -> pd.Series:
    """How many changes carry each reason; a flag is "reason: explanation[; reason: ...]"."""
    flags = table.loc[is_flagged(table), "flag"].astype(str)
    reasons = [part.split(":")[0].strip() for flag in flags for part in flag.split(";") if part.strip()]
    return pd.Series(reasons, dtype=str).value_counts()


def best_changes(table: pd.DataFrame) -> pd.DataFrame:
    """Per municipality (in order of first appearance) the best unflagged change (largest mean
    gain) and, where a flagged change has a larger mean gain, that change too (``kind``: "best
    unflagged" or "larger but flagged"). ``table``: :func:`what_if` (or ``what_if.csv``)."""
    flagged = is_flagged(table)
    ranked = table.assign(_flagged=flagged.to_numpy(), _m=pd.factorize(table["municipality"])[0])
    ranked = ranked.sort_values("gain_pp_mean", ascending=False, kind="stable")
    clean = ranked[~ranked["_flagged"]].drop_duplicates("_m").assign(kind="best unflagged")
    top = ranked.drop_duplicates("_m")
    top = top[top["_flagged"]]
    clean_gain = clean.set_index("_m")["gain_pp_mean"].reindex(top["_m"]).to_numpy()
    larger = top[np.isnan(clean_gain) | (top["gain_pp_mean"].to_numpy() > clean_gain)].assign(kind="larger but flagged")
    both = pd.concat([clean, larger]).assign(_k=lambda d: (d["kind"] != "best unflagged").astype(int))
    return both.sort_values(["_m", "_k"], kind="stable").drop(columns=["_flagged", "_m", "_k"]).reset_index(drop=True)


def what_if_by_factor(table: pd.DataFrame) -> pd.DataFrame:
    """The what-if table read per factor, over the municipalities where it could change (those
    not already +1): how many there are (``n_municipalities``), in how many the 89% interval
    of the gain lies above zero (``n_credible_gain``), in how many it is the best unflagged
    change (``n_best``) or a larger but flagged one (``n_larger_but_flagged``), quantiles over
    municipalities of the posterior mean gain (``mean_gain_pp_q05`` ... ``_q95``, ``_max``,
    percentage points of the factor's phase window) and the median knock-on effect of an agenda
    factor on the institutionalisation window. ``flag`` and ``identification`` are the
    factor's (they do not vary between municipalities).

    Ordered by phase, then unflagged before flagged, then by median gain (largest first), so a
    flagged factor never outranks a supported one.
    """
    table = table.assign(_flagged=is_flagged(table), _credible=table["gain_pp_eti89_lb"] > 0)
    best = best_changes(table).groupby(["factor", "kind"]).size().unstack("kind", fill_value=0)
    best = best.reindex(columns=["best unflagged", "larger but flagged"], fill_value=0)
    gain = table.groupby("factor")["gain_pp_mean"]
    out = table.groupby("factor", sort=False).agg(
        phase=("phase", "first"), stream=("stream", "first"), identification=("identification", "first"),
        flagged=("_flagged", "first"), flag=("flag", "first"), n_municipalities=("municipality", "nunique"),
        n_credible_gain=("_credible", "sum"),
    )
    out["flag"] = out["flag"].fillna("")
    out["n_best"] = best["best unflagged"].reindex(out.index, fill_value=0).astype(int)
    out["n_larger_but_flagged"] = best["larger but flagged"].reindex(out.index, fill_value=0).astype(int)
    for name, q in GAIN_QUANTILES.items():
        out[f"mean_gain_pp_{name}"] = gain.quantile(q)
    out["mean_gain_pp_max"] = gain.max()
    out[f"{KNOCK_ON}mean_median"] = table.groupby("factor")[f"{KNOCK_ON}mean"].median()
    out = out.reset_index()
    out["_phase"] = out["phase"].map(PHASES.index)
    out = out.sort_values(["_phase", "flagged", "mean_gain_pp_median"], ascending=[True, True, False], kind="stable")
    return out.drop(columns="_phase").reset_index(drop=True)
