"""Tests for policy_windows.validation: every kind of raw-data mistake is reported
with file, line, column and offending value, all at once and without cascades."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from policy_windows.constants import PHASES, RAW_COLUMNS, STREAMS
from policy_windows.validation import (
    Problem,
    RawDataError,
    find_problems,
    read_raw_tables,
    validate_raw,
)

REAL_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"

# One factor per phase x stream, in codebook order (lines 2-7 of codebook.csv).
FACTORS = {
    ("agenda", "problem"): "media_attention",
    ("agenda", "policy"): "integrated_network",
    ("agenda", "politics"): "political_involvement",
    ("institutionalisation", "problem"): "framing",
    ("institutionalisation", "policy"): "training",
    ("institutionalisation", "politics"): "political_sponsor",
}


def moves(municipality: int, stream: str) -> int:
    """Municipality 1: every stream moves; municipality 2: politics stays still."""
    return int(municipality == 1 or stream != "politics")


def synthetic_tables() -> dict[str, pd.DataFrame]:
    """A small valid dataset.

    Line map: municipalities 1, 2 on lines 2, 3; factor_codes and stream_movement
    lines 2-7 for municipality 1 and 8-13 for 2 (phase x stream order);
    policy_windows lines 2, 3 for municipality 1 and 4, 5 for 2.
    """
    municipalities = pd.DataFrame(
        {
            "municipality": [1, 2],
            "population_band": ["100000-150000", "200000+"],
            "approach_level": ["beginnend", "ver"],
            "n_respondents": [3, 2],
            "respondent_ids": ["6;7;8", "9;10"],
            "source": ["Tabel 4; Tabel 5", "Tabel 4; Tabel 5"],
        }
    )
    codebook = pd.DataFrame(
        [
            {
                "factor": factor,
                "phase": phase,
                "stream": stream,
                "name_en": factor.replace("_", " "),
                "name_nl": "naam",
                "origin": "empirical" if factor == "training" else "theory",
                "description": "A synthetic factor, description with a comma.",
                "coding_rule": "+1: present; -1: lacking; 0: not reported.",
            }
            for (phase, stream), factor in FACTORS.items()
        ]
    )
    rows = [(m, phase, stream) for m in (1, 2) for phase in PHASES for stream in STREAMS]
    factor_codes = pd.DataFrame(
        [
            {
                "municipality": m,
                "phase": phase,
                "stream": stream,
                "factor": FACTORS[phase, stream],
                "code": 1 if moves(m, stream) else -1,
                "evidence": f"Bijlage 8 (G{m}, {stream} stream): synthetic paraphrase.",
            }
            for m, phase, stream in rows
        ]
    )
    stream_movement = pd.DataFrame(
        [
            {
                "municipality": m,
                "phase": phase,
                "stream": stream,
                "movement": moves(m, stream),
                "evidence": f"Ch. 5.4 (G{m}, {stream} stream): synthetic paraphrase.",
            }
            for m, phase, stream in rows
        ]
    )
    policy_windows = pd.DataFrame(
        [
            {
                "municipality": m,
                "phase": phase,
                "window": int(m == 1),
                "evidence": f"Ch. 5.4 (G{m}): synthetic paraphrase.",
            }
            for m in (1, 2)
            for phase in PHASES
        ]
    )
    return {
        "municipalities.csv": municipalities,
        "codebook.csv": codebook,
        "factor_codes.csv": factor_codes,
        "stream_movement.csv": stream_movement,
        "policy_windows.csv": policy_windows,
    }


@functools.cache
def synthetic_csv() -> dict[str, str]:
    return {name: frame.to_csv(index=False) for name, frame in synthetic_tables().items()}


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    for name, text in synthetic_csv().items():
        (tmp_path / name).write_text(text)
    return tmp_path


def load(raw_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(raw_dir / name, dtype=str, keep_default_na=False)


def save(raw_dir: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(raw_dir / name, index=False)


def edit(raw_dir: Path, name: str, line: int, column: str, value: str) -> None:
    """Overwrite one cell, addressed as a coder would: file, physical line, column."""
    frame = load(raw_dir, name)
    frame.loc[line - 2, column] = value
    save(raw_dir, name, frame)


def problems_in(raw_dir: Path) -> list[Problem]:
    return find_problems(read_raw_tables(raw_dir))


def only_problem(raw_dir: Path) -> Problem:
    problems = problems_in(raw_dir)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


# --------------------------------------------------------------------------- valid data


def test_synthetic_dataset_is_valid(raw_dir: Path) -> None:
    assert problems_in(raw_dir) == []


def test_validate_raw_returns_typed_copies(raw_dir: Path) -> None:
    tables = read_raw_tables(raw_dir)
    typed = validate_raw(tables)
    assert typed["factor_codes.csv"]["code"].dtype == "int64"
    assert typed["stream_movement.csv"]["movement"].dtype == "int64"
    assert typed["policy_windows.csv"]["window"].dtype == "int64"
    assert typed["municipalities.csv"]["n_respondents"].dtype == "int64"
    assert all(
        typed[name]["municipality"].dtype == "int64"
        for name in RAW_COLUMNS
        if name != "codebook.csv"
    )
    assert tables["factor_codes.csv"]["code"].iloc[0] == "1"  # input left untouched


def test_read_raw_tables_reads_text_and_marks_missing_files(raw_dir: Path) -> None:
    (raw_dir / "codebook.csv").unlink()
    tables = read_raw_tables(raw_dir)
    assert set(tables) == set(RAW_COLUMNS)
    assert tables["codebook.csv"] is None
    assert tables["factor_codes.csv"]["code"].tolist()[:2] == ["1", "1"]


@pytest.mark.skipif(
    not all((REAL_RAW / name).is_file() for name in RAW_COLUMNS),
    reason="shipped raw data not present",
)
def test_shipped_raw_data_validates() -> None:
    typed = validate_raw(read_raw_tables(REAL_RAW))
    assert typed["municipalities.csv"]["municipality"].nunique() == 8
    assert len(typed["codebook.csv"]) == 24
    assert len(typed["factor_codes.csv"]) == 8 * 24


# --------------------------------------------------------------------------- Problem and error text


def test_problem_str_format() -> None:
    problem = Problem("factor_codes.csv", 14, "code", "2", "expected one of -1, 0, 1")
    assert (
        str(problem)
        == "factor_codes.csv, line 14, column 'code': got '2'; expected one of -1, 0, 1"
    )
    assert (
        str(Problem("codebook.csv", None, None, None, "file is missing"))
        == "codebook.csv: file is missing"
    )


def test_raw_data_error_lists_every_problem(raw_dir: Path) -> None:
    edit(raw_dir, "factor_codes.csv", 3, "code", "2")
    edit(raw_dir, "municipalities.csv", 2, "approach_level", "advanced")
    with pytest.raises(RawDataError) as caught:
        validate_raw(read_raw_tables(raw_dir))
    lines = str(caught.value).splitlines()
    assert lines[0] == "2 problem(s) in raw data:"
    assert lines[1].startswith(
        "municipalities.csv, line 2, column 'approach_level': got 'advanced'"
    )
    assert lines[2] == "factor_codes.csv, line 3, column 'code': got '2'; expected one of -1, 0, 1"
    assert len(caught.value.problems) == 2


# --------------------------------------------------------------------------- one cell, one problem

CELL_CASES = [
    # file, line, column, bad value, fragment of what is allowed
    ("factor_codes.csv", 3, "code", "2", "expected one of -1, 0, 1"),
    ("factor_codes.csv", 3, "code", "", "expected one of -1, 0, 1"),
    ("factor_codes.csv", 3, "code", "yes", "expected one of -1, 0, 1"),
    ("stream_movement.csv", 9, "movement", "", "expected one of 0, 1"),
    ("policy_windows.csv", 4, "window", "no", "expected one of 0, 1"),
    ("factor_codes.csv", 5, "municipality", "G1", "expected a whole number >= 1"),
    ("stream_movement.csv", 5, "municipality", "", "expected a whole number >= 1"),
    ("policy_windows.csv", 2, "municipality", "1.0", "expected a whole number >= 1"),
    ("municipalities.csv", 3, "municipality", "two", "expected a whole number >= 1"),
    ("municipalities.csv", 2, "n_respondents", "three", "expected a whole number >= 1"),
    ("municipalities.csv", 2, "n_respondents", "0", "expected a whole number >= 1"),
    ("municipalities.csv", 2, "respondent_ids", "6,7,8", "separated by ';'"),
    (
        "municipalities.csv",
        2,
        "population_band",
        "100-150k",
        "expected one of 50000-100000, 100000-150000",
    ),
    (
        "municipalities.csv",
        3,
        "approach_level",
        "advanced",
        "expected one of beginnend, gemiddeld, gevorderd, ver",
    ),
    ("municipalities.csv", 3, "source", "", "expected non-empty text"),
    ("factor_codes.csv", 6, "phase", "agendum", "expected one of agenda, institutionalisation"),
    ("factor_codes.csv", 6, "stream", "polcy", "expected one of problem, policy, politics"),
    (
        "policy_windows.csv",
        5,
        "phase",
        "institutionalization",
        "expected one of agenda, institutionalisation",
    ),
    ("factor_codes.csv", 13, "evidence", "", "expected non-empty text"),
    ("stream_movement.csv", 13, "evidence", " ", "expected non-empty text"),
    ("policy_windows.csv", 5, "evidence", "", "expected non-empty text"),
    ("codebook.csv", 4, "phase", "agendas", "expected one of agenda, institutionalisation"),
    ("codebook.csv", 4, "stream", "politic", "expected one of problem, policy, politics"),
    ("codebook.csv", 5, "origin", "thesis", "expected one of theory, empirical"),
    ("codebook.csv", 5, "factor", "Framing", "expected a snake_case id"),
    ("codebook.csv", 7, "name_en", "", "expected non-empty text"),
    ("codebook.csv", 7, "description", "", "expected non-empty text"),
]


@pytest.mark.parametrize(("name", "line", "column", "value", "allowed"), CELL_CASES)
def test_bad_cell_is_reported_once_with_its_location(
    raw_dir: Path, name: str, line: int, column: str, value: str, allowed: str
) -> None:
    edit(raw_dir, name, line, column, value)
    problem = only_problem(raw_dir)
    assert (problem.file, problem.line, problem.column, problem.value) == (
        name,
        line,
        column,
        value,
    )
    assert str(problem).startswith(f"{name}, line {line}, column '{column}': got '{value}'; ")
    assert allowed in str(problem)


def test_unknown_municipality(raw_dir: Path) -> None:
    edit(raw_dir, "factor_codes.csv", 8, "municipality", "9")
    assert str(only_problem(raw_dir)) == (
        "factor_codes.csv, line 8, column 'municipality': got '9'; "
        "expected a municipality listed in municipalities.csv (1, 2)"
    )


def test_unknown_factor_suggests_the_closest_id(raw_dir: Path) -> None:
    edit(raw_dir, "factor_codes.csv", 12, "factor", "trainng")
    assert str(only_problem(raw_dir)) == (
        "factor_codes.csv, line 12, column 'factor': got 'trainng'; "
        "expected a factor id from codebook.csv (did you mean 'training'?)"
    )


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("phase", "institutionalisation", "'agenda', the phase"),
        ("stream", "policy", "'problem', the stream"),
    ],
)
def test_factor_disagreeing_with_codebook(
    raw_dir: Path, column: str, value: str, expected: str
) -> None:
    edit(raw_dir, "factor_codes.csv", 2, column, value)
    assert str(only_problem(raw_dir)) == (
        f"factor_codes.csv, line 2, column '{column}': got '{value}'; "
        f"expected {expected} of factor 'media_attention' in codebook.csv"
    )


def test_respondent_count_must_match(raw_dir: Path) -> None:
    edit(raw_dir, "municipalities.csv", 3, "respondent_ids", "9;10;11")
    assert str(only_problem(raw_dir)) == (
        "municipalities.csv, line 3, column 'respondent_ids': got '9;10;11'; "
        "expected 2 id(s) to match n_respondents, found 3"
    )


# --------------------------------------------------------------------------- keys and completeness


@pytest.mark.parametrize(
    ("name", "column", "value", "key"),
    [
        ("municipalities.csv", "municipality", "1", "municipality=1"),
        ("codebook.csv", "factor", "media_attention", "factor=media_attention"),
        ("factor_codes.csv", "factor", "media_attention", "municipality=1, factor=media_attention"),
        (
            "stream_movement.csv",
            "stream",
            "problem",
            "municipality=1, phase=agenda, stream=problem",
        ),
        ("policy_windows.csv", "phase", "agenda", "municipality=1, phase=agenda"),
    ],
)
def test_duplicate_key_names_the_first_line(
    raw_dir: Path, name: str, column: str, value: str, key: str
) -> None:
    """Appending a copy of line 2 duplicates its key: the copy is reported, once."""
    frame = load(raw_dir, name)
    save(raw_dir, name, pd.concat([frame, frame.iloc[[0]]], ignore_index=True))
    copy_line = len(frame) + 2
    assert str(only_problem(raw_dir)) == (
        f"{name}, line {copy_line}, column '{column}': got '{value}'; "
        f"duplicate key ({key}) of line 2; expected one row per {', '.join(k.split('=')[0] for k in key.split(', '))}"
    )


@pytest.mark.parametrize(
    ("name", "line", "column", "missing"),
    [
        ("factor_codes.csv", 12, "factor", "1 factor(s): training"),
        ("stream_movement.csv", 10, "stream", "1 phase/stream(s): agenda/politics"),
        ("policy_windows.csv", 5, "phase", "1 phase(s): institutionalisation"),
    ],
)
def test_missing_rows_name_what_is_missing(
    raw_dir: Path, name: str, line: int, column: str, missing: str
) -> None:
    frame = load(raw_dir, name)
    save(raw_dir, name, frame.drop(index=line - 2))
    assert str(only_problem(raw_dir)) == (
        f"{name}, column '{column}': municipality 2 (municipalities.csv line 3) has no row for {missing}"
    )


def test_municipality_without_any_rows(raw_dir: Path) -> None:
    municipalities = load(raw_dir, "municipalities.csv")
    extra = municipalities.iloc[[1]].assign(municipality="3")
    save(raw_dir, "municipalities.csv", pd.concat([municipalities, extra]))
    texts = [str(p) for p in problems_in(raw_dir)]
    assert texts == [
        "factor_codes.csv, column 'factor': municipality 3 (municipalities.csv line 4) has no row for 6 factor(s): "
        "media_attention, integrated_network, political_involvement, framing, training, political_sponsor",
        "stream_movement.csv, column 'stream': municipality 3 (municipalities.csv line 4) has no row for "
        "6 phase/stream(s): agenda/problem, agenda/policy, agenda/politics, institutionalisation/problem, "
        "institutionalisation/policy, institutionalisation/politics",
        "policy_windows.csv, column 'phase': municipality 3 (municipalities.csv line 4) has no row for "
        "2 phase(s): agenda, institutionalisation",
    ]


# --------------------------------------------------------------------------- windows


def test_window_open_without_all_streams_moving(raw_dir: Path) -> None:
    edit(raw_dir, "policy_windows.csv", 4, "window", "1")
    assert str(only_problem(raw_dir)) == (
        "policy_windows.csv, line 4, column 'window': got '1'; expected 0: stream(s) politics do not move "
        "in stream_movement.csv (line(s) 10); a window needs all three streams moving"
    )


def test_window_closed_although_all_streams_move(raw_dir: Path) -> None:
    edit(raw_dir, "policy_windows.csv", 3, "window", "0")
    assert str(only_problem(raw_dir)) == (
        "policy_windows.csv, line 3, column 'window': got '0'; expected 1: all three streams move "
        "in stream_movement.csv (lines 5, 6, 7), so the window is open"
    )


def test_window_check_names_every_still_stream(raw_dir: Path) -> None:
    edit(raw_dir, "stream_movement.csv", 2, "movement", "0")
    edit(raw_dir, "stream_movement.csv", 4, "movement", "0")
    assert "stream(s) problem, politics do not move in stream_movement.csv (line(s) 2, 4)" in str(
        only_problem(raw_dir)
    )


# --------------------------------------------------------------------------- file structure


def test_missing_file(raw_dir: Path) -> None:
    (raw_dir / "policy_windows.csv").unlink()
    assert str(only_problem(raw_dir)) == (
        "policy_windows.csv: file is missing; expected columns: municipality, phase, window, evidence"
    )


def test_missing_column_skips_row_checks(raw_dir: Path) -> None:
    frame = load(raw_dir, "stream_movement.csv").drop(columns="evidence")
    frame.loc[0, "movement"] = "7"  # not reported: the file's rows are not checked
    save(raw_dir, "stream_movement.csv", frame)
    assert str(only_problem(raw_dir)) == (
        "stream_movement.csv, line 1, column 'evidence': column missing from the header; "
        "expected columns: municipality, phase, stream, movement, evidence"
    )


def test_extra_column(raw_dir: Path) -> None:
    save(raw_dir, "codebook.csv", load(raw_dir, "codebook.csv").assign(notes="x"))
    problem = only_problem(raw_dir)
    assert (problem.file, problem.line, problem.column, problem.value) == (
        "codebook.csv",
        1,
        "notes",
        "notes",
    )
    assert "unexpected column; expected exactly: factor, phase, stream" in str(problem)


def test_empty_file_reports_every_missing_column(raw_dir: Path) -> None:
    (raw_dir / "policy_windows.csv").write_text("")
    problems = problems_in(raw_dir)
    assert [(p.file, p.line, p.column) for p in problems] == [
        ("policy_windows.csv", 1, column) for column in RAW_COLUMNS["policy_windows.csv"]
    ]


def test_line_numbers_are_physical_lines(raw_dir: Path) -> None:
    """Evidence quoted over two lines and a blank line both push later rows down."""
    path = raw_dir / "factor_codes.csv"
    text = path.read_text().replace("problem stream): synthetic", "problem stream):\nsynthetic", 1)
    lines = text.splitlines()
    lines.insert(4, "")  # header, record on lines 2-3, record on line 4, blank line 5
    lines[5] = lines[5].replace("political_involvement,1,", "political_involvement,5,")
    path.write_text("\n".join(lines) + "\n")
    problem = only_problem(raw_dir)
    assert (problem.line, problem.column, problem.value) == (6, "code", "5")


def test_row_with_an_unquoted_comma(raw_dir: Path) -> None:
    """Too many cells: the row is left out and named; its key then shows as missing."""
    path = raw_dir / "factor_codes.csv"
    lines = path.read_text().splitlines()
    lines[11] = lines[11].replace('"', "")  # line 12: municipality 2, training
    path.write_text("\n".join(lines) + "\n")
    assert [str(p) for p in problems_in(raw_dir)] == [
        "factor_codes.csv, column 'factor': municipality 2 (municipalities.csv line 3) has no row for "
        "1 factor(s): training",
        "factor_codes.csv, line 12: row has 7 cells but the header has 6; quote any cell that contains a comma",
    ]


# --------------------------------------------------------------------------- all at once


def test_all_problems_are_reported_at_once_and_sorted(raw_dir: Path) -> None:
    edit(raw_dir, "policy_windows.csv", 4, "window", "1")
    edit(raw_dir, "factor_codes.csv", 9, "code", "")
    edit(raw_dir, "factor_codes.csv", 3, "evidence", "")
    (raw_dir / "codebook.csv").write_text(
        (raw_dir / "codebook.csv").read_text().replace(",theory,", ",theroy,", 1)
    )
    problems = problems_in(raw_dir)
    assert [(p.file, p.line, p.column) for p in problems] == [
        ("codebook.csv", 2, "origin"),
        ("factor_codes.csv", 3, "evidence"),
        ("factor_codes.csv", 9, "code"),
        ("policy_windows.csv", 4, "window"),
    ]
