"""Checks across rows and files of the raw data, on cells that already passed the schema.

Keys must be unique, references must resolve (municipalities, factors), every municipality
needs its full set of rows, factor_codes.csv must agree with the codebook, respondent ids
must match their count, and a window must open exactly when all three streams move.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import numpy as np
import pandas as pd

from policy_windows.constants import PHASES, STREAMS
from policy_windows.data.problems import Problem
from policy_windows.data.rules import (
    CODEBOOK,
    FACTOR_CODES,
    KEYS,
    MUNICIPALITIES,
    POLICY_WINDOWS,
    STREAM_MOVEMENT,
    join,
    line,
)


def _complete(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """Rows whose given cells all passed the schema (masked cells are None)."""
    missing = np.logical_or.reduce([frame[column].isna().to_numpy() for column in columns])
    return frame[~missing] if missing.any() else frame


def _duplicate_problems(name: str, frame: pd.DataFrame) -> list[Problem]:
    """A key given twice: point at the later row and name the line it repeats."""
    key = list(KEYS[name])
    first_line: dict[tuple[str, ...], int] = {}
    problems = []
    for index, values in zip(frame.index, frame[key].itertuples(index=False, name=None)):
        if values in first_line:
            label = join(f"{column}={value}" for column, value in zip(key, values))
            problems.append(
                Problem(
                    name,
                    line(index),
                    key[-1],
                    values[-1],
                    f"duplicate key ({label}) of line {first_line[values]}; expected one row per {join(key)}",
                )
            )
        else:
            first_line[values] = line(index)
    return problems


def _unknown_municipality_problems(
    name: str, frame: pd.DataFrame, known: list[str]
) -> list[Problem]:
    expected = f"expected a municipality listed in {MUNICIPALITIES} ({join(known)})"
    unknown = frame[~frame["municipality"].isin(known)]
    return [
        Problem(name, line(i), "municipality", m, expected)
        for i, m in unknown["municipality"].items()
    ]


def _unknown_factor_problems(frame: pd.DataFrame, factors: list[str]) -> list[Problem]:
    problems = []
    for index, factor in frame.loc[~frame["factor"].isin(factors), "factor"].items():
        guess = difflib.get_close_matches(factor, factors, n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        problems.append(
            Problem(
                FACTOR_CODES,
                line(index),
                "factor",
                factor,
                f"expected a factor id from {CODEBOOK}{hint}",
            )
        )
    return problems


def _codebook_agreement_problems(frame: pd.DataFrame, codebook: pd.DataFrame) -> list[Problem]:
    """phase/stream are repeated in factor_codes.csv for readability; they must match."""
    lookup = codebook.set_index("factor")
    problems = []
    for column, vocabulary in (("phase", PHASES), ("stream", STREAMS)):
        rows = frame[frame["factor"].isin(lookup.index) & frame[column].isin(vocabulary)]
        wanted = rows["factor"].map(lookup[column])
        for index in rows.index[wanted.notna() & (rows[column] != wanted)]:
            factor = rows.at[index, "factor"]
            problems.append(
                Problem(
                    FACTOR_CODES,
                    line(index),
                    column,
                    rows.at[index, column],
                    f"expected '{wanted[index]}', the {column} of factor '{factor}' in {CODEBOOK}",
                )
            )
    return problems


def _respondent_count_problems(frame: pd.DataFrame) -> list[Problem]:
    counts = frame["respondent_ids"].str.split(";").str.len()
    wrong = frame[counts != frame["n_respondents"].astype(int)]
    return [
        Problem(
            MUNICIPALITIES,
            line(index),
            "respondent_ids",
            row.respondent_ids,
            f"expected {row.n_respondents} id(s) to match n_respondents, found {counts[index]}",
        )
        for index, row in wrong.iterrows()
    ]


def _missing_row_problems(
    name: str,
    frame: pd.DataFrame,
    municipalities: pd.DataFrame,
    columns: list[str],
    expected: list[tuple[str, ...]],
) -> list[Problem]:
    """Each listed municipality needs one row per expected key in this file.

    A row with a broken municipality or key cell is already reported, and is most likely
    the row that looks missing, so such rows excuse the gap they can explain: a row with
    an unknown municipality covers its key, one with a broken key covers one gap of its
    municipality.
    """
    known = set(municipalities["municipality"])
    wanted = set(expected)
    present: dict[str, set[tuple[str, ...]]] = {m: set() for m in known}
    spare = dict.fromkeys(known, 0)
    orphans: set[tuple[str, ...]] = set()
    for municipality, *key in frame[["municipality", *columns]].itertuples(index=False, name=None):
        key_ok = tuple(key) in wanted
        if municipality in known and key_ok:
            present[municipality].add(tuple(key))
        elif municipality in known:
            spare[municipality] += 1
        elif key_ok:
            orphans.add(tuple(key))
    problems = []
    for index, municipality in municipalities["municipality"].items():
        covered = present[municipality] | orphans
        missing = [key for key in expected if key not in covered]
        if len(missing) > spare[municipality]:
            problems.append(
                Problem(
                    name,
                    None,
                    columns[-1],
                    None,
                    f"municipality {municipality} ({MUNICIPALITIES} line {line(index)}) has no row for "
                    f"{len(missing)} {'/'.join(columns)}(s): {join('/'.join(key) for key in missing)}",
                )
            )
    return problems


def _window_problems(windows: pd.DataFrame, movement: pd.DataFrame) -> list[Problem]:
    """Kingdon: a window opens exactly when all three streams move (couple)."""
    streams: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
    for index, row in zip(movement.index, movement.itertuples(index=False)):
        streams.setdefault((row.municipality, row.phase), {}).setdefault(
            row.stream, (row.movement, line(index))
        )
    problems = []
    for index, row in zip(windows.index, windows.itertuples(index=False)):
        found = streams.get((row.municipality, row.phase), {})
        if set(found) != set(STREAMS):
            continue  # missing movement rows are reported on their own
        idle = [stream for stream in STREAMS if found[stream][0] == "0"]
        if row.window == "1" and idle:
            message = (
                f"expected 0: stream(s) {join(idle)} do not move in {STREAM_MOVEMENT} "
                f"(line(s) {join(found[s][1] for s in idle)}); a window needs all three streams moving"
            )
        elif row.window == "0" and not idle:
            message = (
                f"expected 1: all three streams move in {STREAM_MOVEMENT} "
                f"(lines {join(found[s][1] for s in STREAMS)}), so the window is open"
            )
        else:
            continue
        problems.append(Problem(POLICY_WINDOWS, line(index), "window", row.window, message))
    return problems


def _reference(clean: dict[str, pd.DataFrame], name: str, column: str) -> pd.DataFrame | None:
    """A reference table usable for lookups: present and with every id valid.

    A broken id in a reference table would make every row pointing at it look wrong,
    so references are only checked against tables whose ids all passed the schema.
    """
    frame = clean.get(name)
    if frame is None or frame[column].isna().any():
        return None
    return frame.drop_duplicates(column)


def _expected_keys(
    codebook: pd.DataFrame | None,
) -> dict[str, tuple[list[str], list[tuple[str, ...]]]]:
    """Per file: the key columns besides municipality and the values each one needs."""
    expected = {
        STREAM_MOVEMENT: (
            ["phase", "stream"],
            [(phase, stream) for phase in PHASES for stream in STREAMS],
        ),
        POLICY_WINDOWS: (["phase"], [(phase,) for phase in PHASES]),
    }
    if codebook is not None:
        expected[FACTOR_CODES] = (["factor"], [(factor,) for factor in codebook["factor"]])
    return expected


def _reference_problems(
    clean: dict[str, pd.DataFrame], municipalities: pd.DataFrame, codebook: pd.DataFrame | None
) -> list[Problem]:
    """Unknown and missing municipalities in the three coded files."""
    problems: list[Problem] = []
    known = list(municipalities["municipality"])
    for name in (FACTOR_CODES, STREAM_MOVEMENT, POLICY_WINDOWS):
        if name in clean:
            rows = _complete(clean[name], ["municipality"])
            problems += _unknown_municipality_problems(name, rows, known)
    for name, (columns, expected) in _expected_keys(codebook).items():
        if name in clean:
            problems += _missing_row_problems(name, clean[name], municipalities, columns, expected)
    return problems


def cross_problems(clean: dict[str, pd.DataFrame]) -> list[Problem]:
    """Checks across rows and files, on cells that already passed the schema."""
    problems: list[Problem] = []
    for name, frame in clean.items():
        problems += _duplicate_problems(name, _complete(frame, list(KEYS[name])))

    municipalities = _reference(clean, MUNICIPALITIES, "municipality")
    codebook = _reference(clean, CODEBOOK, "factor")
    if municipalities is not None:
        problems += _respondent_count_problems(
            _complete(municipalities, ["n_respondents", "respondent_ids"])
        )
        problems += _reference_problems(clean, municipalities, codebook)

    codes = clean.get(FACTOR_CODES)
    if codebook is not None and codes is not None:
        problems += _unknown_factor_problems(_complete(codes, ["factor"]), list(codebook["factor"]))
        problems += _codebook_agreement_problems(codes, codebook)

    windows, movement = clean.get(POLICY_WINDOWS), clean.get(STREAM_MOVEMENT)
    if windows is not None and movement is not None:
        problems += _window_problems(
            _complete(windows, ["municipality", "phase", "window"]),
            _complete(movement, ["municipality", "phase", "stream", "movement"]),
        )
    return problems
