"""Tests for policy_windows.data.validation: every kind of raw-data mistake is reported
with file, line, column and offending value, all at once and without cascades; files
that Excel and editors produce (Windows-1252, ';', workbooks, broken quotes, trailing
separators, look-alike characters) get the message that names their fix.

Longer than 300 lines on purpose: the synthetic dataset and every case share this file,
so each exact message sits next to the edit that causes it; the sections follow the list
of problems in data/raw/README.md."""

from __future__ import annotations

import csv
import functools
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from policy_windows.data import fix_csv
from policy_windows.constants import PHASES, RAW_COLUMNS, STREAMS
from policy_windows.data.rules import is_placeholder
from policy_windows.data.validation import (
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


MINUS = "U+2212 MINUS SIGN at position 1; use the ASCII hyphen-minus '-'"
PLACEHOLDER = (
    "expected evidence, not a placeholder (NA, n/a, -, ?, TODO, none, ...): write where the "
    "thesis says it and what it says ('Writing evidence' in data/raw/README.md)"
)

EXACT_CASES = [
    # file, line, column, value typed, the whole message after "got '<value>'; "
    (
        "factor_codes.csv",
        8,
        "municipality",
        "9",
        "expected a municipality listed in municipalities.csv (1, 2)",
    ),
    (
        "factor_codes.csv",
        12,
        "factor",
        "trainng",
        "expected a factor id from codebook.csv (did you mean 'training'?)",
    ),
    (
        "factor_codes.csv",
        2,
        "phase",
        "institutionalisation",
        "expected 'agenda', the phase of factor 'media_attention' in codebook.csv",
    ),
    (
        "factor_codes.csv",
        2,
        "stream",
        "policy",
        "expected 'problem', the stream of factor 'media_attention' in codebook.csv",
    ),
    (
        "municipalities.csv",
        3,
        "respondent_ids",
        "9;10;11",
        "expected 2 id(s) to match n_respondents, found 3",
    ),
    (
        "policy_windows.csv",
        4,
        "window",
        "1",
        "expected 0: stream(s) politics do not move in stream_movement.csv (line(s) 10); "
        "a window needs all three streams moving",
    ),
    (
        "policy_windows.csv",
        3,
        "window",
        "0",
        "expected 1: all three streams move in stream_movement.csv (lines 5, 6, 7), "
        "so the window is open",
    ),
    # placeholders are kept as typed (no NA conversion) and rejected, case-insensitively
    ("factor_codes.csv", 5, "evidence", "NA", PLACEHOLDER),
    ("factor_codes.csv", 6, "evidence", " n/a ", PLACEHOLDER),
    ("factor_codes.csv", 7, "evidence", "-", PLACEHOLDER),
    ("stream_movement.csv", 7, "evidence", "NA", PLACEHOLDER),
    ("policy_windows.csv", 2, "evidence", "tbd", PLACEHOLDER),
    (
        "municipalities.csv",
        2,
        "source",
        "n/a",
        "expected text, not a placeholder (NA, n/a, -, ?, TODO, none, ...)",
    ),
    # look-alike characters are named, with the character to type instead
    ("factor_codes.csv", 3, "code", "\u22121", f"expected one of -1, 0, 1; {MINUS}"),
    (
        "factor_codes.csv",
        3,
        "code",
        "\u20131",
        "expected one of -1, 0, 1; U+2013 EN DASH at position 1; use the ASCII hyphen-minus '-'",
    ),
    (
        "factor_codes.csv",
        4,
        "phase",
        "agenda\u00a0",
        "expected one of agenda, institutionalisation; "
        "U+00A0 NO-BREAK SPACE at position 7; type an ordinary space or delete it",
    ),
    (
        "factor_codes.csv",
        6,
        "factor",
        "fram\u200bing",
        "expected a factor id from codebook.csv (did you mean 'framing'?); "
        "U+200B ZERO WIDTH SPACE at position 5; it is invisible; delete it",
    ),
    (
        "stream_movement.csv",
        6,
        "municipality",
        "\ufeff1",
        "expected a whole number >= 1 (the thesis gemeente number); U+FEFF ZERO WIDTH NO-BREAK "
        "SPACE at position 1; an invisible byte order mark, e.g. left where two files were "
        "pasted together; delete it",
    ),
    (
        "policy_windows.csv",
        5,
        "phase",
        "\u201cinstitutionalisation\u201d",
        "expected one of agenda, institutionalisation; "
        "U+201C LEFT DOUBLE QUOTATION MARK at position 1; use the ASCII double quote '\"'; "
        "U+201D RIGHT DOUBLE QUOTATION MARK at position 22; use the ASCII double quote '\"'",
    ),
]


@pytest.mark.parametrize(("name", "line", "column", "value", "message"), EXACT_CASES)
def test_one_edit_gives_exactly_this_message(
    raw_dir: Path, name: str, line: int, column: str, value: str, message: str
) -> None:
    edit(raw_dir, name, line, column, value)
    assert (
        str(only_problem(raw_dir))
        == f"{name}, line {line}, column '{column}': got '{value}'; {message}"
    )


@pytest.mark.parametrize(
    ("value", "placeholder"),
    [
        *[(v, True) for v in ("NA", "n/a", "N/A", "-", "?", "TODO", "none", " na ", "...", "nvt")],
        *[(v, False) for v in ("", "Tabel 4", "+1/-1/0", "Nanny", "x-ray", "Not reported")],
    ],
)
def test_placeholder_words(value: str, placeholder: bool) -> None:
    assert is_placeholder(value) is placeholder


def test_placeholders_are_read_as_typed(raw_dir: Path) -> None:
    edit(raw_dir, "factor_codes.csv", 5, "evidence", "NA")
    edit(raw_dir, "factor_codes.csv", 6, "evidence", "")
    evidence = read_raw_tables(raw_dir)["factor_codes.csv"]["evidence"]
    assert (evidence[3], evidence[4]) == ("NA", "")


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


# --------------------------------------------------------------------------- Excel and CSV text

FIX = "python -m policy_windows.data.fix_csv"
SAVE_AS = "save it from Excel with File > Save As > 'CSV UTF-8 (door komma's gescheiden) (*.csv)'"


def csv_rows(name: str) -> list[list[str]]:
    """The synthetic file as rows of cells; rows[0] is the header (line 1)."""
    return list(csv.reader(io.StringIO(synthetic_csv()[name])))


def export(
    path: Path,
    rows: list[list[str]],
    sep: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> str:
    """Write rows as an editor or Excel would; returns the text written."""
    text = io.StringIO()
    csv.writer(text, delimiter=sep, lineterminator=newline).writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return text.getvalue()


def write_lines(path: Path, lines: list[str], newline: str = "\n") -> None:
    path.write_bytes((newline.join(lines) + newline).encode("utf-8"))


def test_dutch_excel_export_is_rejected_with_the_fix_and_still_checked(raw_dir: Path) -> None:
    """cp1252 + ';' + CRLF (Excel's 'CSV (gescheiden door lijstscheidingsteken)')."""
    path = raw_dir / "factor_codes.csv"
    rows = csv_rows("factor_codes.csv")
    rows[3][5] = "Coördinatie, zie Bijlage 8 (G1)"  # line 4
    rows[5][4] = "2"  # line 6
    export(path, rows, sep=";", encoding="cp1252", newline="\r\n")
    assert [str(p) for p in problems_in(raw_dir)] == [
        "factor_codes.csv, line 1: cells are separated by ';', not ',' (what Excel writes under "
        f"Dutch regional settings); the data format is comma-separated: rewrite the file with `{FIX} {path}`",
        "factor_codes.csv, line 4, column 'evidence': the file is not UTF-8: byte 0xF6 at character 45 "
        "of the line ('ö' in Windows-1252); it looks like Excel's 'CSV (gescheiden door "
        f"lijstscheidingsteken)' (Windows-1252): convert it with `{FIX} {path}`, or {SAVE_AS}",
        "factor_codes.csv, line 6, column 'code': got '2'; expected one of -1, 0, 1",
    ]


def test_fix_csv_rewrites_an_excel_export_as_the_data_format(raw_dir: Path, capsys) -> None:
    path = raw_dir / "factor_codes.csv"
    rows = csv_rows("factor_codes.csv")
    rows[3][5] = "Coördinatie; “goed”, zie Bijlage 8 (G1)"
    export(path, rows, sep=";", encoding="cp1252", newline="\r\n")
    assert fix_csv.main([str(path)]) == 0
    assert capsys.readouterr().out == (
        f"{path}: read 1 line(s) as Windows-1252 (first: line 4); replaced the separator ';' by ','; "
        "wrote UTF-8 with ',' separators\n"
    )
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(rows)
    assert path.read_text(encoding="utf-8") == expected.getvalue()
    assert problems_in(raw_dir) == []
    assert fix_csv.main([str(path)]) == 0
    assert capsys.readouterr().out == f"{path}: already UTF-8 with ',' separators; left unchanged\n"


def test_fix_csv_leaves_a_file_with_a_broken_quote_alone(raw_dir: Path, capsys) -> None:
    path = raw_dir / "factor_codes.csv"
    lines = synthetic_csv()["factor_codes.csv"].replace(",", ";").splitlines()
    lines[4] = lines[4].rstrip('"')
    write_lines(path, lines)
    before = path.read_bytes()
    assert fix_csv.main([str(path)]) == 1
    assert capsys.readouterr().err == (
        f"{path}: unbalanced or misplaced quote on line(s) 5; fix the quotes first "
        "(validation explains each), then run this again\n"
    )
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        ("xlsx", "an Excel workbook (.xlsx, a ZIP archive)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "an old-style Excel workbook (.xls)"),
        ("utf-16", "UTF-16 text (Excel's 'Unicode-tekst')"),
    ],
)
def test_workbook_or_utf16_renamed_to_csv(raw_dir: Path, content: object, kind: str) -> None:
    path = raw_dir / "factor_codes.csv"
    if content == "xlsx":
        with zipfile.ZipFile(path, "w") as workbook:
            workbook.writestr("[Content_Types].xml", "<Types/>")
            workbook.writestr("xl/workbook.xml", "<workbook/>")
    elif content == "utf-16":
        path.write_bytes(synthetic_csv()["factor_codes.csv"].encode("utf-16"))
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    assert str(only_problem(raw_dir)) == (
        f"factor_codes.csv: this is {kind}, not CSV text; {SAVE_AS}, then run `{FIX} {path}`"
    )


@pytest.mark.parametrize(
    ("sep", "shown", "why"),
    [
        (";", "';'", " (what Excel writes under Dutch regional settings)"),
        ("\t", "'\\t' (tab)", ""),
    ],
)
def test_other_separator_is_named_not_seven_missing_columns(
    raw_dir: Path, sep: str, shown: str, why: str
) -> None:
    """Excel's 'CSV UTF-8' under Dutch settings: UTF-8 with a BOM, but ';' separators."""
    path = raw_dir / "stream_movement.csv"
    export(path, csv_rows("stream_movement.csv"), sep=sep, encoding="utf-8-sig", newline="\r\n")
    assert str(only_problem(raw_dir)) == (
        f"stream_movement.csv, line 1: cells are separated by {shown}, not ','{why}; "
        f"the data format is comma-separated: rewrite the file with `{FIX} {path}`"
    )


def test_trailing_empty_column_is_named_once_and_rows_are_still_checked(raw_dir: Path) -> None:
    rows = [row + [""] for row in csv_rows("factor_codes.csv")]
    rows[2][4] = "5"  # line 3
    export(raw_dir / "factor_codes.csv", rows)
    assert [str(p) for p in problems_in(raw_dir)] == [
        "factor_codes.csv, line 1: the header has 1 extra empty column after 'evidence' "
        "(a trailing ',' at the end of line 1); delete it (in Excel: delete the empty column "
        "right of 'evidence')",
        "factor_codes.csv, line 3, column 'code': got '5'; expected one of -1, 0, 1",
    ]
    assert not any("Unnamed" in str(p) for p in problems_in(raw_dir))


def test_trailing_separators_on_data_rows(raw_dir: Path) -> None:
    rows = csv_rows("policy_windows.csv")
    rows[1] += [""]  # line 2
    rows[3] += ["", ""]  # line 4
    rows[3][2] = "yes"
    export(raw_dir / "policy_windows.csv", rows)
    assert [str(p) for p in problems_in(raw_dir)] == [
        "policy_windows.csv, line 2: row ends with 1 extra empty cell (a trailing ',' at the end "
        "of line 2); delete it",
        "policy_windows.csv, line 4, column 'window': got 'yes'; expected one of 0, 1",
        "policy_windows.csv, line 4: row ends with 2 extra empty cells (2 trailing ',' at the end "
        "of line 4); delete them",
    ]


def test_unbalanced_quote_names_its_line_and_later_lines_stay_right(raw_dir: Path) -> None:
    path = raw_dir / "factor_codes.csv"
    lines = synthetic_csv()["factor_codes.csv"].splitlines()
    lines[3] = lines[3].rstrip('"')  # line 4: the closing quote is missing
    lines[4] = lines[4].replace(",1,", ",7,")  # line 5
    write_lines(path, lines)
    assert [str(p) for p in problems_in(raw_dir)] == [
        "factor_codes.csv, line 4, column 'evidence': got '\"Bijlage 8 (G1, politics stream): "
        "synthe...'; unbalanced quote starting at line 4: the '\"' that opens this cell is not "
        "closed on that line, so the cell ran on into line 5; add the closing '\"' at the end of "
        "the cell (and write a '\"' inside a cell as '\"\"')",
        "factor_codes.csv, line 5, column 'code': got '7'; expected one of -1, 0, 1",
    ]


def test_cell_starting_with_a_quoted_word_is_not_dropped_silently(raw_dir: Path) -> None:
    """pandas dropped such a row and every later line number was off by one."""
    path = raw_dir / "factor_codes.csv"
    lines = synthetic_csv()["factor_codes.csv"].splitlines()
    lines[9] = '2,agenda,politics,political_involvement,-1,"Urgent" says respondent 6 (G2)'
    lines[11] = lines[11].replace(",1,", ",+1,")  # line 12
    write_lines(path, lines)
    assert [str(p) for p in problems_in(raw_dir)] == [
        "factor_codes.csv, line 10, column 'evidence': got '\"Urgent\" says respondent 6 (G2)'; "
        "a '\"' inside a quoted cell ends the cell early (a cell that starts with '\"' runs to "
        "the next '\"'); write the whole cell in quotes and double each '\"' inside it: "
        '"""Urgent"" says respondent 6 (G2)"',
        "factor_codes.csv, line 12, column 'code': got '+1'; expected one of -1, 0, 1",
    ]


def test_duplicate_header_column(raw_dir: Path) -> None:
    rows = [row + [row[4]] for row in csv_rows("factor_codes.csv")]
    export(raw_dir / "factor_codes.csv", rows)
    assert str(only_problem(raw_dir)) == (
        "factor_codes.csv, line 1, column 'code': column appears 2 times in the header; keep one"
    )


def test_header_name_with_a_look_alike_character(raw_dir: Path) -> None:
    rows = csv_rows("policy_windows.csv")
    rows[0][3] = "evidence\u00a0"
    export(raw_dir / "policy_windows.csv", rows)
    assert [str(p) for p in problems_in(raw_dir)] == [
        "policy_windows.csv, line 1, column 'evidence': column missing from the header; "
        "expected columns: municipality, phase, window, evidence",
        "policy_windows.csv, line 1, column 'evidence\u00a0': got 'evidence\u00a0'; unexpected "
        "column; expected exactly: municipality, phase, window, evidence (did you mean "
        "'evidence'?); U+00A0 NO-BREAK SPACE at position 9; type an ordinary space or delete it",
    ]


def test_garbage_heavy_file_every_message_on_its_physical_line(raw_dir: Path) -> None:
    """One parser decides records and lines: each mistake is named on the line it is on,
    however many broken, blank, multi-line or dropped rows come before it."""
    good = synthetic_csv()["factor_codes.csv"].splitlines()
    lines = [
        "\ufeff" + good[0],  # 1: header, with the BOM Excel writes
        good[1],  # 2: fine
        "",  # 3: blank line
        good[2] + ",",  # 4: trailing separator
        good[3].split(" synthetic")[0],  # 5-6: a quoted cell with a line break
        'synthetic paraphrase."',
        good[4].split(',"')[0] + ',"Urgent" says respondent 6 (G1)',  # 7: quoted first word
        ",,,,,",  # 8: only separators
        good[5].replace(",1,", ",2,"),  # 9: bad code
        good[6].rstrip('"'),  # 10: unbalanced quote
        good[7].replace('"', ""),  # 11: unquoted comma
        good[8].replace(",", ";"),  # 12: other separator
        good[9].replace(",-1,", ",\u22121,"),  # 13: minus sign
        good[10].split(',"')[0] + ",NA",  # 14: placeholder
        good[11].replace('"', "\u201c", 1).replace('."', ".\u201d"),  # 15: curly quotes
        "2,institutionalisation,politics,political_sponsor,-1",  # 16: short row
    ]
    write_lines(raw_dir / "factor_codes.csv", lines, newline="\r\n")
    (line_4,) = [p for p in problems_in(raw_dir) if p.line == 4]
    assert [str(p) for p in problems_in(raw_dir)] == [
        "factor_codes.csv, column 'factor': municipality 2 (municipalities.csv line 3) has no row "
        "for 4 factor(s): media_attention, integrated_network, training, political_sponsor",
        str(line_4),
        "factor_codes.csv, line 7, column 'evidence': got '\"Urgent\" says respondent 6 (G1)'; "
        "a '\"' inside a quoted cell ends the cell early (a cell that starts with '\"' runs to "
        "the next '\"'); write the whole cell in quotes and double each '\"' inside it: "
        '"""Urgent"" says respondent 6 (G1)"',
        "factor_codes.csv, line 8: line 8 contains only separators (an empty row, e.g. left by "
        "Excel); delete it",
        "factor_codes.csv, line 9, column 'code': got '2'; expected one of -1, 0, 1",
        "factor_codes.csv, line 10, column 'evidence': got '\"Bijlage 8 (G1, politics stream): "
        "synthe...'; unbalanced quote starting at line 10: the '\"' that opens this cell is not "
        "closed on that line, so the cell ran on into line 12; add the closing '\"' at the end of "
        "the cell (and write a '\"' inside a cell as '\"\"')",
        "factor_codes.csv, line 11: row has 7 cells but the header has 6; quote any cell that "
        "contains a comma",
        "factor_codes.csv, line 12: row has 1 cell but the header has 6; this line separates its "
        "cells with ';'; use ','",
        f"factor_codes.csv, line 13, column 'code': got '\u22121'; "
        f"expected one of -1, 0, 1; {MINUS}",
        f"factor_codes.csv, line 14, column 'evidence': got 'NA'; {PLACEHOLDER}",
        "factor_codes.csv, line 15: row has 7 cells but the header has 6; quote any cell that "
        "contains a comma; line 15 has U+201C LEFT DOUBLE QUOTATION MARK at position 42, which "
        "CSV does not read as a quote: use the ASCII double quote '\"'",
        "factor_codes.csv, line 16: row has 5 cells but the header has 6; a cell or a ',' is "
        "missing: every row needs 6 cells, empty ones too",
    ]
    assert str(line_4) == (
        "factor_codes.csv, line 4: row ends with 1 extra empty cell (a trailing ',' at the end of "
        "line 4); delete it"
    )
