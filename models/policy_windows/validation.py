"""Validate the hand-coded raw tables in ``data/raw`` and report every problem at once.

Coders edit five CSV files by hand. A run that stops at the first mistake makes fixing
them a slow loop, so :func:`find_problems` collects all problems, each pointing at the
file, the physical line, the column, the offending value and what is allowed. Per-cell
type and vocabulary checks are pandera schemas; checks that need several rows or files
(keys, references, completeness, window consistency) are plain pandas.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
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

Tables = Mapping[str, pd.DataFrame | None]

MUNICIPALITIES = "municipalities.csv"
CODEBOOK = "codebook.csv"
FACTOR_CODES = "factor_codes.csv"
STREAM_MOVEMENT = "stream_movement.csv"
POLICY_WINDOWS = "policy_windows.csv"

# The header is line 1 and the first data row line 2, so line = index + 2.
LINE_OFFSET = 2

# One row per key; a second row with the same key is ambiguous, so it is an error.
KEYS: dict[str, tuple[str, ...]] = {
    MUNICIPALITIES: ("municipality",),
    CODEBOOK: ("factor",),
    FACTOR_CODES: ("municipality", "factor"),
    STREAM_MOVEMENT: ("municipality", "phase", "stream"),
    POLICY_WINDOWS: ("municipality", "phase"),
}

# frame.attrs key under which read_raw_tables lists rows with too many cells.
TOO_LONG = "too_long_rows"

# Columns converted to int by validate_raw.
INT_COLUMNS: tuple[str, ...] = ("municipality", "code", "movement", "window", "n_respondents")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the raw data, located precisely enough to fix it by hand."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        what = self.message if self.value is None else f"got '{self.value}'; {self.message}"
        return f"{', '.join(where)}: {what}"


def format_problems(problems: Iterable[Problem]) -> str:
    """Header line plus one problem per line, the text users see on failure."""
    problems = list(problems)
    return "\n".join([f"{len(problems)} problem(s) in raw data:", *map(str, problems)])


class RawDataError(ValueError):
    """Raised when the raw data has problems; ``.problems`` holds all of them."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(format_problems(self.problems))


# --------------------------------------------------------------------------- reading


def _records(text: str) -> list[tuple[int, int]]:
    """(physical start line, number of fields) of each non-blank CSV record.

    Quoted cells may span lines and blank lines are skipped, so the row position alone
    does not give the line a coder sees in an editor. Blank means what pandas skips: no
    fields, or one field of only whitespace.
    """
    reader = csv.reader(io.StringIO(text))
    records: list[tuple[int, int]] = []
    previous_end = 0
    for fields in reader:
        if len(fields) > 1 or any(field.strip() for field in fields):
            records.append((previous_end + 1, len(fields)))
        previous_end = reader.line_num
    return records


def _read_csv(path: Path) -> pd.DataFrame:
    """Read one raw file as text cells, indexed so that line = index + 2.

    Rows with more cells than the header (typically an unquoted comma) cannot be read
    reliably; they are left out and listed in ``attrs[TOO_LONG]`` as (line, cells).
    """
    text = path.read_text(encoding="utf-8-sig")
    records = _records(text)
    if not records:
        return pd.DataFrame()
    width = records[0][1]
    frame = pd.read_csv(
        io.StringIO(text),
        dtype=str,
        keep_default_na=False,
        index_col=False,
        engine="python",
        on_bad_lines=lambda fields: None,
    )
    kept = [line for line, n_fields in records[1:] if n_fields <= width]
    if len(kept) == len(frame):
        frame.index = pd.Index([line - LINE_OFFSET for line in kept])
    frame.attrs[TOO_LONG] = [(line, n) for line, n in records[1:] if n > width]
    return frame


def read_raw_tables(raw_dir: Path) -> dict[str, pd.DataFrame | None]:
    """Read every raw file as untyped text (``None`` if missing); the only I/O here.

    Everything is read as ``str`` without NA conversion so that validation sees exactly
    what the coder typed, e.g. a blank code stays ``''`` instead of becoming NaN.
    """
    raw_dir = Path(raw_dir)
    return {
        name: _read_csv(raw_dir / name) if (raw_dir / name).is_file() else None
        for name in RAW_COLUMNS
    }


# --------------------------------------------------------------------------- schemas


def _one_of(values: Iterable[object]) -> pa.Check:
    allowed = [str(value) for value in values]
    return pa.Check.isin(allowed, error=f"expected one of {', '.join(allowed)}")


def _matches(pattern: str, expected: str) -> pa.Check:
    return pa.Check(lambda s: s.str.fullmatch(pattern), error=expected)


def _text() -> pa.Check:
    return pa.Check(lambda s: s.str.strip() != "", error="expected non-empty text")


MUNICIPALITY = _matches(r"[1-9]\d*", "expected a whole number >= 1 (the thesis gemeente number)")


def _schema(checks: dict[str, pa.Check]) -> pa.DataFrameSchema:
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
            "factor": _text(),
            "code": _one_of(CODES),
            "evidence": _text(),
        }
    ),
    STREAM_MOVEMENT: _schema(
        {
            "municipality": MUNICIPALITY,
            "phase": _one_of(PHASES),
            "stream": _one_of(STREAMS),
            "movement": _one_of((0, 1)),
            "evidence": _text(),
        }
    ),
    POLICY_WINDOWS: _schema(
        {
            "municipality": MUNICIPALITY,
            "phase": _one_of(PHASES),
            "window": _one_of((0, 1)),
            "evidence": _text(),
        }
    ),
}


# --------------------------------------------------------------------------- helpers


def _line(index: object) -> int:
    return int(index) + LINE_OFFSET  # type: ignore[call-overload]


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, NaN (short rows) as blank, so the checks see what was typed.

    Object dtype keeps the many small pandas operations below cheap.
    """
    text = frame.astype(object).fillna("")
    for column in text.columns:
        if not all(isinstance(value, str) for value in text[column]):
            text[column] = pd.Series([str(v) for v in text[column]], index=text.index, dtype=object)
    return text


# --------------------------------------------------------------------------- schema checks


def _structure_problems(name: str, frame: pd.DataFrame | None) -> list[Problem]:
    """Missing file or missing/extra columns; rows of such a file are not checked."""
    expected = RAW_COLUMNS[name]
    if frame is None:
        return [
            Problem(name, None, None, None, f"file is missing; expected columns: {_join(expected)}")
        ]
    problems = [
        Problem(
            name,
            1,
            column,
            None,
            f"column missing from the header; expected columns: {_join(expected)}",
        )
        for column in expected
        if column not in frame.columns
    ]
    problems += [
        Problem(
            name,
            1,
            str(column),
            str(column),
            f"unexpected column; expected exactly: {_join(expected)}",
        )
        for column in frame.columns
        if column not in expected
    ]
    return problems


def _too_long_problems(name: str, frame: pd.DataFrame) -> list[Problem]:
    """Rows that read_raw_tables had to leave out because they have too many cells."""
    return [
        Problem(
            name,
            line,
            None,
            None,
            f"row has {n_cells} cells but the header has {len(frame.columns)}; "
            "quote any cell that contains a comma",
        )
        for line, n_cells in frame.attrs.get(TOO_LONG, [])
    ]


def _cell_problems(name: str, frame: pd.DataFrame) -> list[Problem]:
    """Run the pandera schema lazily and turn each failure case into a Problem."""
    try:
        SCHEMAS[name].validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        cells = cases[cases["index"].notna() & cases["column"].notna()]
        return [
            Problem(
                name, _line(case.index), str(case.column), str(case.failure_case), str(case.check)
            )
            for case in cells.itertuples()
        ]
    return []


def _mask_bad_cells(name: str, frame: pd.DataFrame, problems: Iterable[Problem]) -> pd.DataFrame:
    """Copy with the cells that failed the schema set to None.

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


# --------------------------------------------------------------------------- cross checks


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
            label = _join(f"{column}={value}" for column, value in zip(key, values))
            problems.append(
                Problem(
                    name,
                    _line(index),
                    key[-1],
                    values[-1],
                    f"duplicate key ({label}) of line {first_line[values]}; expected one row per {_join(key)}",
                )
            )
        else:
            first_line[values] = _line(index)
    return problems


def _unknown_municipality_problems(
    name: str, frame: pd.DataFrame, known: list[str]
) -> list[Problem]:
    expected = f"expected a municipality listed in {MUNICIPALITIES} ({_join(known)})"
    unknown = frame[~frame["municipality"].isin(known)]
    return [
        Problem(name, _line(i), "municipality", m, expected)
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
                _line(index),
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
                    _line(index),
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
            _line(index),
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
                    f"municipality {municipality} ({MUNICIPALITIES} line {_line(index)}) has no row for "
                    f"{len(missing)} {'/'.join(columns)}(s): {_join('/'.join(key) for key in missing)}",
                )
            )
    return problems


def _window_problems(windows: pd.DataFrame, movement: pd.DataFrame) -> list[Problem]:
    """Kingdon: a window opens exactly when all three streams move (couple)."""
    streams: dict[tuple[str, str], dict[str, tuple[str, int]]] = {}
    for index, row in zip(movement.index, movement.itertuples(index=False)):
        streams.setdefault((row.municipality, row.phase), {}).setdefault(
            row.stream, (row.movement, _line(index))
        )
    problems = []
    for index, row in zip(windows.index, windows.itertuples(index=False)):
        found = streams.get((row.municipality, row.phase), {})
        if set(found) != set(STREAMS):
            continue  # missing movement rows are reported on their own
        idle = [stream for stream in STREAMS if found[stream][0] == "0"]
        if row.window == "1" and idle:
            message = (
                f"expected 0: stream(s) {_join(idle)} do not move in {STREAM_MOVEMENT} "
                f"(line(s) {_join(found[s][1] for s in idle)}); a window needs all three streams moving"
            )
        elif row.window == "0" and not idle:
            message = (
                f"expected 1: all three streams move in {STREAM_MOVEMENT} "
                f"(lines {_join(found[s][1] for s in STREAMS)}), so the window is open"
            )
        else:
            continue
        problems.append(Problem(POLICY_WINDOWS, _line(index), "window", row.window, message))
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


def _cross_problems(clean: dict[str, pd.DataFrame]) -> list[Problem]:
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


# --------------------------------------------------------------------------- ordering and public API


def _sort_key(problem: Problem) -> tuple:
    files = list(RAW_COLUMNS)
    columns = RAW_COLUMNS.get(problem.file, ())
    return (
        files.index(problem.file) if problem.file in files else len(files),
        problem.file,
        -1 if problem.line is None else problem.line,
        columns.index(problem.column) if problem.column in columns else len(columns),
        problem.message,
    )


def _first_per_cell(problems: Iterable[Problem]) -> list[Problem]:
    """Keep one problem per cell (the first found), since one fix clears the cell."""
    seen: set[tuple] = set()
    kept = []
    for problem in problems:
        cell = (problem.file, problem.line, problem.column)
        if problem.line is None or problem.column is None:
            cell = (problem.file, problem.line, problem.column, problem.message)
        if cell not in seen:
            seen.add(cell)
            kept.append(problem)
    return kept


def find_problems(tables: Tables) -> list[Problem]:
    """Every problem in the raw tables, sorted by file (data-format order) then line.

    Pure: takes the text tables from :func:`read_raw_tables`, never touches disk.
    """
    problems: list[Problem] = []
    clean: dict[str, pd.DataFrame] = {}
    for name in RAW_COLUMNS:
        raw = tables.get(name)
        structure = _structure_problems(name, raw)
        problems += structure
        if raw is None or structure:
            continue
        problems += _too_long_problems(name, raw)
        frame = _normalise(raw)
        cells = _cell_problems(name, frame)
        problems += cells
        clean[name] = _mask_bad_cells(name, frame, cells)
    problems += _cross_problems(clean)
    return sorted(_first_per_cell(problems), key=_sort_key)


def validate_raw(tables: Tables) -> dict[str, pd.DataFrame]:
    """Typed copies of the raw tables, or :class:`RawDataError` listing every problem."""
    problems = find_problems(tables)
    if problems:
        raise RawDataError(problems)
    typed = {}
    for name in RAW_COLUMNS:
        frame = tables[name][list(RAW_COLUMNS[name])].fillna("").astype(str)  # type: ignore[index]
        frame = frame.reset_index(drop=True)
        frame.attrs = {}
        for column in INT_COLUMNS:
            if column in frame.columns:
                frame[column] = frame[column].astype("int64")
        typed[name] = frame
    return typed
