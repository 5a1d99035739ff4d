"""Validate the hand-coded raw tables in ``data/raw`` and report every problem at once.

Coders edit five CSV files by hand, often in Excel. A run that stops at the first mistake
makes fixing them a slow loop, so :func:`find_problems` collects all problems, each
pointing at the file, the physical line, the column, the offending value and the fix.
The work is split over small modules, all reached through this one:

* :mod:`policy_windows.data.csv_reader`: the parser, bytes to records with their physical lines;
* :mod:`policy_windows.data.csv_intake`: records to a table of text cells, and what is wrong
  with the file as CSV text (encoding, separator, workbook, quotes, cell counts);
* :mod:`policy_windows.data.rules`: columns and per-cell pandera schemas;
* :mod:`policy_windows.data.cross_checks`: keys, references, completeness, window consistency;
* :mod:`policy_windows.data.problems`: the :class:`Problem` record and look-alike characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from policy_windows.constants import RAW_COLUMNS
from policy_windows.data.cross_checks import cross_problems
from policy_windows.data.csv_intake import CHECK, READ_PROBLEMS, read_raw_file
from policy_windows.data.problems import Problem, RawDataError, format_problems, with_character_notes
from policy_windows.data.rules import (
    INT_COLUMNS,
    cell_problems,
    mask_bad_cells,
    normalise,
    structure_problems,
)

__all__ = [
    "Problem",
    "RawDataError",
    "Tables",
    "find_problems",
    "format_problems",
    "read_raw_tables",
    "validate_raw",
]

Tables = Mapping[str, pd.DataFrame | None]


def read_raw_tables(raw_dir: Path) -> dict[str, pd.DataFrame | None]:
    """Read every raw file as untyped text (``None`` if missing); the only I/O here.

    Everything is read as ``str`` exactly as typed (no NA conversion, no trimming), so a
    blank code stays ``''`` and a placeholder ``NA`` stays ``'NA'``. Problems of the file
    as CSV text travel in ``frame.attrs`` to :func:`find_problems`.
    """
    raw_dir = Path(raw_dir)
    return {
        name: read_raw_file(raw_dir / name) if (raw_dir / name).is_file() else None
        for name in RAW_COLUMNS
    }


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
        attrs = {} if raw is None else raw.attrs
        read = list(attrs.get(READ_PROBLEMS, []))
        problems += read
        if attrs.get(CHECK) == "nothing":
            continue
        structure = [with_character_notes(p) for p in structure_problems(name, raw)]
        problems += structure
        if raw is None or structure or attrs.get(CHECK) == "header":
            continue
        frame = normalise(raw)
        cells = [with_character_notes(p) for p in cell_problems(name, frame)]
        problems += cells
        clean[name] = mask_bad_cells(name, frame, read + cells)
    problems += [with_character_notes(p) for p in cross_problems(clean)]
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
