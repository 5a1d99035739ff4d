"""Per-file rules of the raw data: the columns each file needs and what each cell may hold.

Per-cell type and vocabulary checks are pandera schemas, run lazily so that every failing
cell is reported; a cell that fails is masked (set to None) before the checks across rows
and files (:mod:`policy_windows.data.cross_checks`), so one typo is reported once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

from policy_windows.constants import (
    APPROACH_LEVELS,
    CODES,
    ORIGINS,
    PHASES,
    POPULATION_BANDS,
    RAW_COLUMNS,
    STREAMS,
)
from policy_windows.data.problems import LINE_OFFSET, Problem

MUNICIPALITIES = "municipalities.csv"
CODEBOOK = "codebook.csv"
FACTOR_CODES = "factor_codes.csv"
STREAM_MOVEMENT = "stream_movement.csv"
POLICY_WINDOWS = "policy_windows.csv"

# One row per key; a second row with the same key is ambiguous, so it is an error.
KEYS: dict[str, tuple[str, ...]] = {
    MUNICIPALITIES: ("municipality",),
    CODEBOOK: ("factor",),
    FACTOR_CODES: ("municipality", "factor"),
    STREAM_MOVEMENT: ("municipality", "phase", "stream"),
    POLICY_WINDOWS: ("municipality", "phase"),
}

# Columns converted to int by validate_raw.
INT_COLUMNS: tuple[str, ...] = ("municipality", "code", "movement", "window", "n_respondents")

# Text that stands in for a value instead of being one (compared case-insensitively and
# without surrounding spaces); text without any letter or digit ('-', '?', '...') is one too.
PLACEHOLDERS = frozenset(
    {"na", "n/a", "n.a.", "nan", "null", "none", "nil", "todo", "tbd", "fixme", "x", "xx", "xxx",
     "nvt", "n.v.t.", "onbekend", "unknown", "idem", "ditto", "see above", "zie boven"}
)  # fmt: skip


def is_placeholder(value: str) -> bool:
    text = value.strip().casefold()
    return bool(text) and (text in PLACEHOLDERS or not any(char.isalnum() for char in text))


def placeholders(cells: pd.Series) -> pd.Series:
    """:func:`is_placeholder` of every cell, vectorised (``[^\\W_]`` is one ``str.isalnum`` character)."""
    text = cells.str.strip().str.casefold()
    return (text != "") & (text.isin(PLACEHOLDERS) | ~text.str.contains(r"[^\W_]", regex=True))


def line(index: object) -> int:
    return int(index) + LINE_OFFSET  # type: ignore[call-overload]


def join(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


# --------------------------------------------------------------------------- schemas


def _one_of(values: Iterable[object]) -> pa.Check:
    allowed = [str(value) for value in values]
    return pa.Check.isin(allowed, error=f"expected one of {', '.join(allowed)}")


def _matches(pattern: str, expected: str) -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(pattern), error=expected)


def _text(what: str = "text", how: str = "") -> list[pa.Check]:
    """Non-empty text that is not a placeholder such as NA, n/a, - or TODO."""
    return [
        pa.Check(lambda s: s.str.strip() != "", error="expected non-empty text"),
        pa.Check(
            lambda s: ~placeholders(s),
            error=f"expected {what}, not a placeholder (NA, n/a, -, ?, TODO, none, ...){how}",
        ),
    ]


MUNICIPALITY = _matches(r"[1-9]\d*", "expected a whole number >= 1 (the thesis gemeente number)")
EVIDENCE = _text(
    "evidence",
    ": write where the thesis says it and what it says ('Writing evidence' in data/raw/README.md)",
)


def _schema(checks: dict[str, pa.Check | list[pa.Check]]) -> pa.DataFrameSchema:
    """Strict schema: every column is required and no other column is allowed."""
    return pa.DataFrameSchema(
        {name: pa.Column(checks=check, nullable=False) for name, check in checks.items()},
        strict=True,
    )


SCHEMAS: dict[str, pa.DataFrameSchema] = {
    MUNICIPALITIES: _schema(
        {
            "municipality": MUNICIPALITY,
            "population_band": _one_of(POPULATION_BANDS),
            "approach_level": _one_of(APPROACH_LEVELS),
            "n_respondents": _matches(r"[1-9]\d*", "expected a whole number >= 1"),
            "respondent_ids": _matches(
                r"\d+(;\d+)*", "expected whole numbers separated by ';', e.g. 6;7;8"
            ),
            "source": _text(),
        }
    ),
    CODEBOOK: _schema(
        {
            "factor": _matches(
                r"[a-z][a-z0-9]*(_[a-z0-9]+)*", "expected a snake_case id, e.g. media_attention"
            ),
            "phase": _one_of(PHASES),
            "stream": _one_of(STREAMS),
            "name_en": _text(),
            "name_nl": _text(),
            "origin": _one_of(ORIGINS),
            "description": _text(),
            "coding_rule": _text(),
        }
    ),
    FACTOR_CODES: _schema(
        {
            "municipality": MUNICIPALITY,
            "phase": _one_of(PHASES),
            "stream": _one_of(STREAMS),
            "factor": _text("a factor id"),
            "code": _one_of(CODES),
            "evidence": EVIDENCE,
        }
    ),
    STREAM_MOVEMENT: _schema(
        {
            "municipality": MUNICIPALITY,
            "phase": _one_of(PHASES),
            "stream": _one_of(STREAMS),
            "movement": _one_of((0, 1)),
            "evidence": EVIDENCE,
        }
    ),
    POLICY_WINDOWS: _schema(
        {
            "municipality": MUNICIPALITY,
            "phase": _one_of(PHASES),
            "window": _one_of((0, 1)),
            "evidence": EVIDENCE,
        }
    ),
}


# --------------------------------------------------------------------------- checks


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, NaN (short rows) as blank, so the checks see what was typed.

    Object dtype keeps the many small pandas operations of the cross checks cheap.
    """
    text = frame.astype(object).fillna("")
    for column in text.columns:
        if not all(isinstance(value, str) for value in text[column]):
            text[column] = pd.Series([str(v) for v in text[column]], index=text.index, dtype=object)
    return text


def structure_problems(name: str, frame: pd.DataFrame | None) -> list[Problem]:
    """Missing file or missing/extra columns; rows of such a file are not checked."""
    expected = RAW_COLUMNS[name]
    if frame is None:
        return [
            Problem(name, None, None, None, f"file is missing; expected columns: {join(expected)}")
        ]
    problems = [
        Problem(
            name,
            1,
            column,
            None,
            f"column missing from the header; expected columns: {join(expected)}",
        )
        for column in expected
        if column not in frame.columns
    ]
    for column in frame.columns:
        if column not in expected:
            guess = difflib.get_close_matches(str(column), expected, n=1)
            hint = f" (did you mean '{guess[0]}'?)" if guess else ""
            problems.append(
                Problem(
                    name,
                    1,
                    str(column),
                    str(column),
                    f"unexpected column; expected exactly: {join(expected)}{hint}",
                )
            )
    return problems


def cell_problems(name: str, frame: pd.DataFrame) -> list[Problem]:
    """Run the pandera schema lazily and turn each failure case into a Problem."""
    try:
        SCHEMAS[name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cells = cases[cases["index"].notna() & cases["column"].notna()]
        return [
            Problem(
                name, line(case.index), str(case.column), str(case.failure_case), str(case.check)
            )
            for case in cells.itertuples()
        ]
    return []


def mask_bad_cells(name: str, frame: pd.DataFrame, problems: Iterable[Problem]) -> pd.DataFrame:
    """Copy with the cells that have a problem set to None.

    Cross-file checks drop such cells, so one typo is reported once instead of
    cascading into unknown-reference or missing-row problems.
    """
    problems = [problem for problem in problems if problem.file == name]
    if not problems:
        return frame
    masked = frame.copy()
    for problem in problems:
        index = None if problem.line is None else problem.line - LINE_OFFSET
        if problem.column in masked.columns and index in masked.index:
            masked.loc[index, problem.column] = None
    return masked
