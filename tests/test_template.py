"""Tests for policy_windows.data.template: a new municipality in one command, keys filled in,
and validation then asks for exactly the cells the coder still has to fill in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from policy_windows.data import template
from policy_windows.constants import PHASES, RAW_COLUMNS, STREAMS
from policy_windows.data.validation import find_problems, read_raw_tables

REAL_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
FACTS = [
    "--population-band", "200000+",
    "--approach-level", "gemiddeld",
    "--respondent-ids", "25;26",
    "--source", "Follow-up study, Tabel 2",
]  # fmt: skip


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    for name in RAW_COLUMNS:
        shutil.copy(REAL_RAW / name, tmp_path / name)
    return tmp_path


def snapshot(raw_dir: Path) -> dict[str, bytes]:
    return {name: (raw_dir / name).read_bytes() for name in RAW_COLUMNS}


def test_template_tables_hold_the_keys_and_leave_the_rest_empty() -> None:
    codebook = read_raw_tables(REAL_RAW)["codebook.csv"]
    tables = template.template_tables(9, codebook)
    assert {name: len(table) for name, table in tables.items()} == {
        "municipalities.csv": 1,
        "factor_codes.csv": 24,
        "stream_movement.csv": 6,
        "policy_windows.csv": 2,
    }
    codes = tables["factor_codes.csv"]
    assert list(codes.columns) == list(RAW_COLUMNS["factor_codes.csv"])
    assert codes[["factor", "phase", "stream"]].values.tolist() == (
        codebook[["factor", "phase", "stream"]].values.tolist()
    )
    assert set(codes["municipality"]) == {"9"}
    assert set(codes["code"]) == set(codes["evidence"]) == {""}
    movement = tables["stream_movement.csv"]
    assert list(zip(movement["phase"], movement["stream"])) == [
        (phase, stream) for phase in PHASES for stream in STREAMS
    ]
    assert set(movement["movement"]) == set(movement["evidence"]) == {""}
    windows = tables["policy_windows.csv"]
    assert windows["phase"].tolist() == list(PHASES)
    assert set(windows["window"]) == set(windows["evidence"]) == {""}
    assert tables["municipalities.csv"].iloc[0].tolist() == ["9", "", "", "", "", ""]


def test_template_fills_in_the_municipality_facts_given() -> None:
    codebook = read_raw_tables(REAL_RAW)["codebook.csv"]
    facts = {"population_band": "200000+", "respondent_ids": "25;26", "source": "Tabel 2"}
    row = template.template_tables(9, codebook, facts)["municipalities.csv"].iloc[0]
    assert row.tolist() == ["9", "200000+", "", "2", "25;26", "Tabel 2"]


def test_command_appends_rows_that_fail_only_on_the_empty_cells(raw_dir: Path, capsys) -> None:
    before = snapshot(raw_dir)
    assert template.main(["9", "--out", str(raw_dir), *FACTS]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "municipalities.csv: appended 1 row(s) for municipality 9 (line 10)",
        "factor_codes.csv: appended 24 row(s) for municipality 9 (lines 194-217)",
        "stream_movement.csv: appended 6 row(s) for municipality 9 (lines 50-55)",
        "policy_windows.csv: appended 2 row(s) for municipality 9 (lines 18-19)",
        "Fill in the empty cells, then validate: snakemake --cores 1 validate",
    ]
    for name in RAW_COLUMNS:  # appended, never rewritten
        assert (raw_dir / name).read_bytes().startswith(before[name])
    assert (raw_dir / "municipalities.csv").read_text().splitlines()[-1] == (
        '9,200000+,gemiddeld,2,25;26,"Follow-up study, Tabel 2"'
    )
    assert (raw_dir / "factor_codes.csv").read_text().splitlines()[-1] == (
        "9,institutionalisation,politics,regional_orientation,,"
    )
    problems = find_problems(read_raw_tables(raw_dir))
    expected = [
        ("factor_codes.csv", line, column)
        for line in range(194, 218)
        for column in ("code", "evidence")
    ]
    expected += [
        ("stream_movement.csv", line, column)
        for line in range(50, 56)
        for column in ("movement", "evidence")
    ]
    expected += [
        ("policy_windows.csv", line, column)
        for line in (18, 19)
        for column in ("window", "evidence")
    ]
    assert [(p.file, p.line, p.column) for p in problems] == expected
    assert {p.value for p in problems} == {""}
    texts = [str(p) for p in problems]
    assert texts[0] == "factor_codes.csv, line 194, column 'code': got ''; expected one of -1, 0, 1"
    assert (
        texts[1] == "factor_codes.csv, line 194, column 'evidence': got ''; expected non-empty text"
    )
    assert (
        texts[48] == "stream_movement.csv, line 50, column 'movement': got ''; expected one of 0, 1"
    )
    assert texts[-2] == "policy_windows.csv, line 19, column 'window': got ''; expected one of 0, 1"


def test_without_facts_the_municipality_row_is_listed_too(raw_dir: Path) -> None:
    template.append_template(raw_dir, 9)
    problems = [
        p for p in find_problems(read_raw_tables(raw_dir)) if p.file == "municipalities.csv"
    ]
    assert [(p.line, p.column, p.value) for p in problems] == [
        (10, column, "") for column in RAW_COLUMNS["municipalities.csv"][1:]
    ]


def test_appended_rows_follow_each_files_own_column_order(raw_dir: Path) -> None:
    path = raw_dir / "policy_windows.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    reordered = ["evidence,municipality,phase,window"] + [
        f"{line.split(',', 3)[3]},{','.join(line.split(',')[:3])}" for line in lines[1:]
    ]
    assert header == list(RAW_COLUMNS["policy_windows.csv"])
    path.write_text("\n".join(reordered) + "\n")
    assert find_problems(read_raw_tables(raw_dir)) == []
    template.append_template(raw_dir, 9, dict(zip(template.FACTS, FACTS[1::2])))
    assert path.read_text().splitlines()[-2:] == [",9,agenda,", ",9,institutionalisation,"]
    columns = {(p.file, p.column) for p in find_problems(read_raw_tables(raw_dir))}
    assert ("policy_windows.csv", "window") in columns
    assert all(column in {"code", "movement", "window", "evidence"} for _, column in columns)


def test_refuses_an_existing_municipality_and_writes_nothing(raw_dir: Path, capsys) -> None:
    before = snapshot(raw_dir)
    assert template.main(["3", "--out", str(raw_dir)]) == 1
    assert capsys.readouterr().err == (
        f"municipality 3 already has rows in {raw_dir / 'municipalities.csv'} (line(s) 4); "
        "nothing was written\n"
    )
    assert snapshot(raw_dir) == before


def test_refuses_a_file_that_is_not_utf8_comma_csv(raw_dir: Path) -> None:
    path = raw_dir / "stream_movement.csv"
    path.write_text(path.read_text().replace(",", ";"))
    before = snapshot(raw_dir)
    with pytest.raises(template.TemplateError, match="stream_movement.csv is not UTF-8 with ','"):
        template.append_template(raw_dir, 9)
    assert snapshot(raw_dir) == before


def test_refuses_a_broken_codebook(raw_dir: Path) -> None:
    path = raw_dir / "codebook.csv"
    path.write_text(path.read_text().replace(",theory,", ",theroy,", 1))
    with pytest.raises(template.TemplateError, match=r"codebook.csv, line 2, column 'origin'"):
        template.append_template(raw_dir, 9)
