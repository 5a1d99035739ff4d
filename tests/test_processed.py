"""Tests for policy_windows.data.processed: the long model table and the stream table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from policy_windows.constants import PHASES, RAW_COLUMNS, STREAMS
from policy_windows.data.processed import (
    MODEL_COLUMNS,
    STREAM_COLUMNS,
    build_model_table,
    build_stream_table,
)
from policy_windows.data.validation import read_raw_tables, validate_raw

REAL_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
HAVE_REAL_RAW = all((REAL_RAW / name).is_file() for name in RAW_COLUMNS)

# Two agenda/problem factors, listed against the alphabet to test codebook order.
CODEBOOK = [
    ("media_attention", "agenda", "problem", "theory"),
    ("focusing_event", "agenda", "problem", "theory"),
    ("integrated_network", "agenda", "policy", "theory"),
    ("political_involvement", "agenda", "politics", "theory"),
    ("framing", "institutionalisation", "problem", "theory"),
    ("training", "institutionalisation", "policy", "theory"),
    ("regional_orientation", "institutionalisation", "politics", "empirical"),
]
MUNICIPALITIES = range(1, 9)


def moves(municipality: int, phase: str, stream: str) -> int:
    """Even municipalities move everywhere; odd ones lack politics in institutionalisation."""
    return int(municipality % 2 == 0 or (phase, stream) != ("institutionalisation", "politics"))


def code(municipality: int, factor: str) -> int:
    """Deterministic mix of -1, 0 and +1 so the counts are not trivial."""
    return (municipality + len(factor)) % 3 - 1


def municipality_rows(m: int, codebook: list[tuple[str, str, str, str]]) -> dict[str, pd.DataFrame]:
    """Every row one municipality adds: 1 + len(codebook) + 6 + 2 rows over four files."""
    evidence = f"Synthetic paraphrase for gemeente {m}."
    movement = {(p, s): moves(m, p, s) for p in PHASES for s in STREAMS}
    return {
        "municipalities.csv": pd.DataFrame(
            [[m, "200000+", "gemiddeld", 2, f"{2 * m};{2 * m + 1}", "Tabel 4; Tabel 5"]],
            columns=RAW_COLUMNS["municipalities.csv"],
        ),
        "factor_codes.csv": pd.DataFrame(
            [[m, p, s, f, code(m, f), evidence] for f, p, s, _ in codebook],
            columns=RAW_COLUMNS["factor_codes.csv"],
        ),
        "stream_movement.csv": pd.DataFrame(
            [[m, p, s, movement[p, s], evidence] for (p, s) in movement],
            columns=RAW_COLUMNS["stream_movement.csv"],
        ),
        "policy_windows.csv": pd.DataFrame(
            [[m, p, int(all(movement[p, s] for s in STREAMS)), evidence] for p in PHASES],
            columns=RAW_COLUMNS["policy_windows.csv"],
        ),
    }


def write_synthetic(raw_dir: Path) -> None:
    codebook = pd.DataFrame(
        [
            [f, p, s, f.replace("_", " "), "naam", o, "Synthetic factor.", "+1/-1/0"]
            for f, p, s, o in CODEBOOK
        ],
        columns=RAW_COLUMNS["codebook.csv"],
    )
    codebook.to_csv(raw_dir / "codebook.csv", index=False)
    parts = [municipality_rows(m, CODEBOOK) for m in MUNICIPALITIES]
    for name in parts[0]:
        pd.concat([part[name] for part in parts]).to_csv(raw_dir / name, index=False)


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """Shared by the tests below; safe because the builders are pure (tested below)."""
    raw_dir = tmp_path_factory.mktemp("raw")
    write_synthetic(raw_dir)
    return validate_raw(read_raw_tables(raw_dir))


def test_model_table_has_one_row_per_municipality_and_factor(
    tables: dict[str, pd.DataFrame],
) -> None:
    model = build_model_table(tables)
    assert tuple(model.columns) == MODEL_COLUMNS
    assert len(model) == len(MUNICIPALITIES) * len(CODEBOOK)
    assert not model.duplicated(["municipality", "factor"]).any()
    for column in ("municipality", "code", "movement", "window", "agenda_window"):
        assert model[column].dtype == "int64"


def test_model_table_order_follows_municipality_phase_stream_codebook(
    tables: dict[str, pd.DataFrame],
) -> None:
    model = build_model_table(tables)
    assert model["municipality"].is_monotonic_increasing
    first = model[model["municipality"] == 1]
    assert list(first["factor"]) == [f for f, *_ in CODEBOOK]  # codebook order, not alphabetical
    assert list(dict.fromkeys(first["phase"])) == list(PHASES)


def test_model_table_joins_codes_movement_and_windows(tables: dict[str, pd.DataFrame]) -> None:
    model = build_model_table(tables).set_index(["municipality", "factor"])
    odd = model.loc[(3, "regional_orientation")]
    assert (odd["phase"], odd["stream"], odd["origin"]) == (
        "institutionalisation",
        "politics",
        "empirical",
    )
    assert (odd["code"], odd["movement"], odd["window"], odd["agenda_window"]) == (
        code(3, "regional_orientation"),
        0,
        0,
        1,
    )
    assert model.loc[(3, "training"), "movement"] == 1
    even = model.loc[(4, "framing")]
    assert (even["movement"], even["window"], even["agenda_window"]) == (1, 1, 1)


def test_stream_table_counts_present_and_lacking(tables: dict[str, pd.DataFrame]) -> None:
    streams = build_stream_table(tables)
    assert tuple(streams.columns) == STREAM_COLUMNS
    assert len(streams) == len(MUNICIPALITIES) * len(PHASES) * len(STREAMS)
    row = streams.set_index(["municipality", "phase", "stream"]).loc[(5, "agenda", "problem")]
    codes = [code(5, "media_attention"), code(5, "focusing_event")]
    assert (row["n_factors"], row["n_present"], row["n_lacking"]) == (
        2,
        codes.count(1),
        codes.count(-1),
    )
    assert list(streams.loc[streams["municipality"] == 1, "stream"]) == list(STREAMS) * len(PHASES)
    assert streams["n_factors"].sum() == len(MUNICIPALITIES) * len(CODEBOOK)


def test_builders_do_not_modify_their_input(tables: dict[str, pd.DataFrame]) -> None:
    before = {name: frame.copy() for name, frame in tables.items()}
    build_model_table(tables)
    build_stream_table(tables)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_adding_municipality_9_adds_it_to_the_model_table(tmp_path: Path) -> None:
    """Mirrors the walkthrough in data/raw/README.md, on the shipped data when present."""
    if HAVE_REAL_RAW:
        for name in RAW_COLUMNS:
            shutil.copy(REAL_RAW / name, tmp_path / name)
    else:
        write_synthetic(tmp_path)
    codebook = pd.read_csv(tmp_path / "codebook.csv", dtype=str, keep_default_na=False)
    factors = list(
        codebook[["factor", "phase", "stream", "origin"]].itertuples(index=False, name=None)
    )
    for name, rows in municipality_rows(9, factors).items():
        existing = pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False)
        pd.concat([existing, rows.astype(str)]).to_csv(tmp_path / name, index=False)

    typed = validate_raw(read_raw_tables(tmp_path))
    model = build_model_table(typed)
    assert model["municipality"].nunique() == 9
    assert len(model[model["municipality"] == 9]) == len(codebook)
    assert model["municipality"].iloc[-1] == 9
    assert len(build_stream_table(typed)) == 9 * len(PHASES) * len(STREAMS)
