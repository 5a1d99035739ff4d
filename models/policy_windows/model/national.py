"""Simulated national data in the public raw format (``data/raw``), for M municipalities.

The shipped data code 8 municipalities; the workflow should work at national scale (355
Dutch municipalities; 3,550 as a stress case). :func:`simulate_national` builds the four
coded raw files for M simulated municipalities, row for row in the format of
``data/raw/README.md``, so that they pass validation and the whole workflow can run on them:

* codes: each factor's code drawn per municipality at the shipped code frequencies
  (:func:`simulate.synthetic_design`), with ``pseudo_count`` pseudo-observations per code so
  that every code is possible (0: exactly the shipped frequencies, two factors then coded
  identically everywhere);
* movement: simulated phase by phase from one prior draw of the full model
  (:func:`simulate.prior_draws` on the kernel arrays of ``Configuration("full")`` with the
  default priors, then :func:`simulate.simulate_dataset`);
* windows: open exactly where all three streams of a phase moved;
* municipality facts (population band, approach level, number of respondents) drawn at the
  shipped frequencies, respondent ids numbered consecutively;
* every evidence and source cell says plainly that it is simulated, not evidence from the thesis.

The codebook is the shipped one; the true parameters come back as a tidy table
(:func:`truth_table`). Pure: tables in, tables out; ``scripts/simulate_national.py`` reads the
shipped files and writes the folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from policy_windows.constants import PHASES, RAW_COLUMNS, STREAMS
from policy_windows.data.design import ModelData, model_data_from_table
from policy_windows.data.processed import build_model_table
from policy_windows.model import simulate
from policy_windows.model.configuration import Configuration, Priors, kernel_arrays

#: The configuration whose prior draw generates the movement: the full model, default priors.
CONFIGURATION = Configuration("full")
#: Random streams of :func:`simulate.simulation_rng` (seed, 0, stream) per step, so that a
#: step's draws do not depend on how many numbers another step used.
STREAM_DESIGN, STREAM_PRIOR, STREAM_MOVEMENT, STREAM_FACTS = 101, 102, 103, 104
DRAW = 0  # the one prior draw that generates the data


def simulated_note(seed: int) -> str:
    """The evidence text of every simulated cell."""
    return f"Simulated (seed {seed}, draw {DRAW}): not evidence from the thesis."


@dataclass(frozen=True)
class NationalData:
    """The four coded raw files (text cells, in ``RAW_COLUMNS`` order) and the truth behind them."""

    tables: dict[str, pd.DataFrame]  # municipalities.csv, factor_codes.csv, stream_movement.csv, policy_windows.csv
    truth: pd.DataFrame  # parameter, element, value
    data: ModelData  # the simulated design and movement, as the model sees it


def _facts(municipalities: pd.DataFrame, n: int, rng: np.random.Generator, note: str) -> pd.DataFrame:
    """Population band, approach level and respondent count drawn at the shipped frequencies."""
    drawn = {
        column: rng.choice(municipalities[column].astype(str).to_numpy(), size=n, replace=True)
        for column in ("population_band", "approach_level", "n_respondents")
    }
    counts = drawn["n_respondents"].astype(int)
    last = np.cumsum(counts)
    ids = [";".join(str(i) for i in range(end - k + 1, end + 1)) for k, end in zip(counts, last)]
    return pd.DataFrame(
        {
            "municipality": [str(m) for m in range(1, n + 1)],
            "population_band": drawn["population_band"],
            "approach_level": drawn["approach_level"],
            "n_respondents": [str(k) for k in counts],
            "respondent_ids": ids,
            "source": (
                f"{note} Population band, approach level and number of respondents drawn at the "
                f"frequencies of the {len(municipalities)} coded municipalities."
            ),
        }
    )


def _codes(codebook: pd.DataFrame, data: ModelData, note: str) -> pd.DataFrame:
    """One row per municipality x factor, factors in codebook order within each municipality."""
    column = {factor: j for j, factor in enumerate(data.factors)}
    order = [column[f] for f in codebook["factor"]]
    n, k = data.n_municipalities, len(order)
    codes = data.x[:, order].astype(int)
    return pd.DataFrame(
        {
            "municipality": np.repeat([str(m) for m in range(1, n + 1)], k),
            "phase": np.tile(codebook["phase"].astype(str).to_numpy(), n),
            "stream": np.tile(codebook["stream"].astype(str).to_numpy(), n),
            "factor": np.tile(codebook["factor"].astype(str).to_numpy(), n),
            "code": codes.ravel().astype(str),
            "evidence": f"{note} Code drawn at the shipped code frequencies of this factor.",
        }
    )


def _movement(data: ModelData, note: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """stream_movement.csv and policy_windows.csv rows from the simulated movement."""
    n, phases, streams = data.n_municipalities, len(PHASES), len(STREAMS)
    numbers = [str(m) for m in range(1, n + 1)]
    movement = pd.DataFrame(
        {
            "municipality": np.repeat(numbers, phases * streams),
            "phase": np.tile(np.repeat(PHASES, streams), n),
            "stream": np.tile(STREAMS, n * phases),
            "movement": data.movement.reshape(-1).astype(str),
            "evidence": f"{note} Movement drawn from one prior draw of the full model.",
        }
    )
    windows = pd.DataFrame(
        {
            "municipality": np.repeat(numbers, phases),
            "phase": np.tile(PHASES, n),
            "window": data.window.reshape(-1).astype(str),
            "evidence": f"{note} The window is open exactly where all three streams of the phase moved.",
        }
    )
    return movement, windows


def truth_table(truth: Mapping[str, np.ndarray], data: ModelData) -> pd.DataFrame:
    """The true parameters as rows (parameter, element, value); ``element`` names the entry
    (``agenda/problem``, a factor, a municipality number, ``municipality/phase``), empty for a scalar."""
    numbers = [str(m) for m in range(1, data.n_municipalities + 1)]
    labels = {
        "alpha": [f"{p}/{s}" for p in PHASES for s in STREAMS],
        "mu": data.coords["group"],
        "tau": data.coords["group"],
        "beta": list(data.factors),
        "delta": list(data.factors),
        "sigma_u": [""],
        "u": numbers,
        "kappa": list(STREAMS),
        "window_probability": [f"{m}/{p}" for m in numbers for p in PHASES],
    }
    rows = []
    for name, elements in labels.items():
        values = np.asarray(truth[name], dtype=float).reshape(-1)
        if values.size != len(elements):
            raise ValueError(f"truth[{name!r}] has {values.size} values, expected {len(elements)}")
        rows += [(name, element, value) for element, value in zip(elements, values)]
    return pd.DataFrame(rows, columns=["parameter", "element", "value"])


def simulate_national(
    shipped: Mapping[str, pd.DataFrame], n_municipalities: int, seed: int, pseudo_count: float
) -> NationalData:
    """The coded raw files of ``n_municipalities`` simulated municipalities and their truth.

    ``shipped``: the typed tables of the shipped data (``validate_raw``), whose codebook,
    code frequencies and municipality facts the simulation follows.
    """
    if n_municipalities < 2:
        raise ValueError(f"n_municipalities must be at least 2, got {n_municipalities}")
    if pseudo_count < 0:
        raise ValueError(f"pseudo_count must be >= 0, got {pseudo_count}")
    note = simulated_note(seed)
    template = model_data_from_table(build_model_table(shipped))
    frequencies = simulate.code_frequencies(template, pseudo_count=pseudo_count)
    design = simulate.synthetic_design(
        template, n_municipalities, simulate.simulation_rng(seed, 0, STREAM_DESIGN), frequencies
    )
    arrays = kernel_arrays(CONFIGURATION, Priors(), design)
    draws = simulate.prior_draws(arrays, DRAW + 1, simulate.simulation_rng(seed, 0, STREAM_PRIOR))
    data, truth = simulate.simulate_dataset(
        simulate.draw_at(draws, DRAW), design, simulate.simulation_rng(seed, 0, STREAM_MOVEMENT)
    )
    codebook = shipped["codebook.csv"]
    movement, windows = _movement(data, note)
    tables = {
        "municipalities.csv": _facts(
            shipped["municipalities.csv"], n_municipalities, simulate.simulation_rng(seed, 0, STREAM_FACTS), note
        ),
        "factor_codes.csv": _codes(codebook, data, note),
        "stream_movement.csv": movement,
        "policy_windows.csv": windows,
    }
    tables = {name: table[list(RAW_COLUMNS[name])].reset_index(drop=True) for name, table in tables.items()}
    return NationalData(tables=tables, truth=truth_table(truth, data), data=data)
