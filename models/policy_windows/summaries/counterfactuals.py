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
    identification_for, posterior_draws, set_factor, stream_probability, summarise, window_probability,
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
    return institutionalisation_given_window(draws, data, 1.0) - institutionalisation_given_window(draws, data, 0.0)


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
    empty = {k: np.nan for k in summarise(np.zeros(2), KNOCK_ON) if k.endswith(("mean", "eti89_lb", "eti89_ub"))}
    rows = []
    for f, factor in enumerate(data.factors):
        p = data.factor_phase[f]
        identification = support.loc[factor, "identification"]
        unseen = bool(support.loc[factor, "n_present"] == 0)
        # theta of a municipality depends on its own codes only, so one pass with the factor set
        # to +1 everywhere gives every municipality's single-change counterfactual.
        changed = window_probability(stream_probability(draws, data, set_factor(data.x, f, 1.0)))
        for m, municipality in enumerate(data.municipalities):
            if data.x[m, f] == 1:
                continue
            row = {
                "municipality": municipality,
                "phase": PHASES[p],
                "stream": STREAMS[data.factor_stream[f]],
                "factor": factor,
                "current_code": int(data.x[m, f]),
                "identification": identification,
                "unseen_level": unseen,
                "flag": _flag(identification, unseen),
                "window_probability_now": float(base[:, m, p].mean()),
                "window_probability_if_present": float(changed[:, m, p].mean()),
            }
            row.update(summarise(changed[:, m, p] - base[:, m, p], "gain_pp_", 100))
            if p == 0:
                effect = knock_on(base[:, m, 0], changed[:, m, 0], lift[:, m])
                full = summarise(effect, KNOCK_ON, 100)
                row.update({k: full[k] for k in empty})
            else:
                row.update(empty)
            rows.append(row)
    table = pd.DataFrame(rows)
    table["_flagged"] = table["flag"] != ""
    table["_phase"] = table["phase"].map(PHASES.index)
    # Ranked within municipality and phase: a gain is a change in that phase's window.
    table = table.sort_values(
        ["municipality", "_phase", "_flagged", "gain_pp_mean"], ascending=[True, True, True, False], kind="stable"
    ).drop(columns=["_flagged", "_phase"])
    table["rank"] = table.groupby(["municipality", "phase"]).cumcount() + 1
    return table.reset_index(drop=True)
