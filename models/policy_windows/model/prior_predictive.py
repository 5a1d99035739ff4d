"""What the priors imply: the prior predictive summary table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from policy_windows.constants import PHASES, STREAMS

EXTREME = 0.02


def _quantile_row(values: np.ndarray) -> dict[str, float]:
    q = np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {
        "q05": q[0],
        "q25": q[1],
        "median": q[2],
        "q75": q[3],
        "q95": q[4],
        "mean": float(values.mean()),
        "share_below_0_02": float((values < EXTREME).mean()),
        "share_above_0_98": float((values > 1 - EXTREME).mean()),
    }


def prior_predictive_summary(prior: xr.DataTree) -> pd.DataFrame:
    """What the priors imply for theta (per phase x stream) and pi (per phase)."""
    theta = prior["prior"]["stream_movement"]
    pi = prior["prior"]["window_probability"]
    y = prior["prior_predictive"]["movement"]
    rows = []
    for phase in PHASES:
        for stream in STREAMS:
            values = theta.sel(phase=phase, stream=stream).to_numpy().ravel()
            moved = float(y.sel(phase=phase, stream=stream).mean())
            rows.append({"quantity": "stream_movement", "phase": phase, "stream": stream,
                         **_quantile_row(values), "prior_predictive_share_moving": moved})
        values = pi.sel(phase=phase).to_numpy().ravel()
        windows = float(y.sel(phase=phase).all("stream").mean())
        rows.append({"quantity": "window_probability", "phase": phase, "stream": "all",
                     **_quantile_row(values), "prior_predictive_share_moving": windows})
    return pd.DataFrame(rows)
