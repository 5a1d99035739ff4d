"""Simulated national data (policy_windows.model.national, scripts/simulate_national.py): a complete raw
folder that passes validation, with consistent windows, reproducible from its seed, written all or nothing,
and in which a broken cell is still reported at its file, line and column."""

import argparse
import importlib.util
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from policy_windows.constants import CODES, PHASES, RAW_COLUMNS, STREAMS
from policy_windows.data.design import model_data_from_table
from policy_windows.data.processed import build_model_table, build_stream_table
from policy_windows.data.validation import RawDataError, find_problems, read_raw_tables, validate_raw
from policy_windows.model.national import simulate_national, simulated_note
from policy_windows.model.simulate import code_frequencies

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"
M, SEED = 355, 20201

_spec = importlib.util.spec_from_file_location("simulate_national", ROOT / "scripts" / "simulate_national.py")
script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(script)


def _args(out: Path, municipalities: int = M, seed: int = SEED, force: bool = False) -> argparse.Namespace:
    return argparse.Namespace(municipalities=municipalities, seed=seed, out=out, pseudo_count=0.5, source=RAW_DIR,
                              truth=None, force=force)


@pytest.fixture(scope="module")
def shipped():
    return validate_raw(read_raw_tables(RAW_DIR))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """A 355-municipality raw folder written by the command-line entry."""
    out = tmp_path_factory.mktemp("national") / "data" / "raw"
    assert script.main(["--municipalities", str(M), "--seed", str(SEED), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def typed(written):
    return validate_raw(read_raw_tables(written))


def test_the_written_folder_passes_validation_with_the_right_shapes(written, typed):
    assert find_problems(read_raw_tables(written)) == []
    assert sorted(p.name for p in written.iterdir()) == sorted([*RAW_COLUMNS, "README.md"])
    assert (written / "codebook.csv").read_bytes() == (RAW_DIR / "codebook.csv").read_bytes()
    rows = {name: len(table) for name, table in typed.items()}
    assert rows == {"municipalities.csv": M, "codebook.csv": 24, "factor_codes.csv": 24 * M,
                    "stream_movement.csv": 6 * M, "policy_windows.csv": 2 * M}
    data = model_data_from_table(build_model_table(typed))
    assert data.x.shape == (M, 24) and data.movement.shape == (M, 2, 3)
    assert data.municipalities == tuple(str(m) for m in range(1, M + 1))
    assert set(np.unique(data.x)) == set(CODES)
    stream = build_stream_table(typed)
    assert len(stream) == 6 * M and (stream.groupby("municipality")["n_factors"].sum() == 24).all()


def test_every_evidence_and_source_cell_says_it_is_simulated(typed):
    note = simulated_note(SEED)
    assert note == "Simulated (seed 20201, draw 0): not evidence from the thesis."
    for name in ("factor_codes.csv", "stream_movement.csv", "policy_windows.csv"):
        assert typed[name]["evidence"].str.startswith(note).all(), name
    assert typed["municipalities.csv"]["source"].str.startswith(note).all()
    counts = typed["municipalities.csv"]["respondent_ids"].str.split(";").str.len()
    assert (counts == typed["municipalities.csv"]["n_respondents"]).all()


def test_windows_open_exactly_where_all_three_streams_moved(typed):
    moved = typed["stream_movement.csv"].groupby(["municipality", "phase"])["movement"].agg(["min", "size"])
    windows = typed["policy_windows.csv"].set_index(["municipality", "phase"])["window"]
    assert (moved["size"] == 3).all()
    pd.testing.assert_series_equal(windows.sort_index(), moved["min"].rename("window").sort_index())
    assert 0 < windows.sum() < len(windows)  # the draw gives open and closed windows
    data = model_data_from_table(build_model_table(typed))
    np.testing.assert_array_equal(data.agenda_window, data.movement[:, 0, :].all(axis=1))


def test_the_raw_files_hold_the_simulation_and_the_truth_matches_it(shipped, typed, written):
    national = simulate_national(shipped, M, SEED, 0.5)
    data = model_data_from_table(build_model_table(typed))
    np.testing.assert_array_equal(data.x, national.data.x)
    np.testing.assert_array_equal(data.movement, national.data.movement)
    truth = pd.read_csv(written.parent / "truth" / "true_parameters.csv", keep_default_na=False)
    counts = truth["parameter"].value_counts()
    assert counts["u"] == M and counts["beta"] == 24 and counts["window_probability"] == 2 * M
    assert counts["alpha"] == len(PHASES) * len(STREAMS) and counts["sigma_u"] == 1
    beta = truth[truth["parameter"] == "beta"].set_index("element")["value"]
    np.testing.assert_allclose(beta[list(data.factors)], national.truth.set_index(["parameter", "element"]).loc["beta"]
                               .loc[list(data.factors), "value"])
    manifest = json.loads((written.parent / "truth" / "simulation.json").read_text())
    assert manifest["municipalities"] == M and manifest["seed"] == SEED and manifest["note"] == simulated_note(SEED)
    assert manifest["sha256"]["factor_codes.csv"] == script._sha256(written / "factor_codes.csv")


def test_codes_follow_the_shipped_frequencies_with_the_pseudo_count(shipped):
    template = model_data_from_table(build_model_table(shipped))
    big = simulate_national(shipped, 3550, SEED, 0.5).data
    expected = code_frequencies(template, pseudo_count=0.5)
    observed = np.stack([(big.x == c).mean(axis=0) for c in CODES], axis=1)
    assert np.abs(observed - expected).max() < 0.04  # 4 binomial SEs at p = 0.5, n = 3550
    exact = simulate_national(shipped, 200, SEED, 0.0).data
    never = code_frequencies(template) == 0
    assert not np.stack([(exact.x == c).any(axis=0) for c in CODES], axis=1)[never].any()


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_data(tmp_path, written):
    again = tmp_path / "again" / "raw"
    other = tmp_path / "other" / "raw"
    script.write_national(_args(again))
    script.write_national(_args(other, seed=SEED + 1))
    for name in RAW_COLUMNS:
        assert (again / name).read_bytes() == (written / name).read_bytes(), name
    assert (again.parent / "truth" / "true_parameters.csv").read_bytes() == (
        written.parent / "truth" / "true_parameters.csv").read_bytes()
    assert (other / "stream_movement.csv").read_bytes() != (written / "stream_movement.csv").read_bytes()


@pytest.mark.parametrize(("name", "column", "value", "message"), [
    ("factor_codes.csv", "code", "2", "expected one of -1, 0, 1"),
    ("factor_codes.csv", "evidence", "n/a", "expected evidence, not a placeholder"),
    ("stream_movement.csv", "movement", "\u22121", "U+2212 MINUS SIGN at position 1"),
])
def test_a_broken_cell_in_a_355_municipality_file_is_reported_at_its_line_and_column(
        written, tmp_path, name, column, value, message):
    broken = tmp_path / "raw"
    broken.mkdir()
    for file in RAW_COLUMNS:
        (broken / file).write_bytes((written / file).read_bytes())
    frame = pd.read_csv(written / name, dtype=str, keep_default_na=False)
    line = 2 + int(np.flatnonzero((frame["municipality"] == "300").to_numpy())[4])  # deep in the file
    frame.loc[line - 2, column] = value
    frame.to_csv(broken / name, index=False, lineterminator="\n")
    problems = find_problems(read_raw_tables(broken))
    assert len(problems) == 1, problems
    problem = problems[0]
    assert (problem.file, problem.line, problem.column, problem.value) == (name, line, column, value)
    assert message in str(problem) and str(problem).startswith(f"{name}, line {line}, column '{column}'")


def test_nothing_is_written_when_the_output_exists_or_fails_validation(tmp_path, monkeypatch, written):
    out = tmp_path / "data" / "raw"
    out.mkdir(parents=True)
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        script.write_national(_args(out))
    assert [p.name for p in out.iterdir()] == ["keep.txt"]

    real = script.simulate_national

    def corrupted(*args, **kwargs):
        national = real(*args, **kwargs)
        codes = national.tables["factor_codes.csv"].copy()
        codes.loc[10, "code"] = "+1"
        return replace(national, tables={**national.tables, "factor_codes.csv": codes})

    monkeypatch.setattr(script, "simulate_national", corrupted)
    fresh = tmp_path / "fresh" / "raw"
    with pytest.raises(RawDataError, match="factor_codes.csv, line 12, column 'code'"):
        script.write_national(_args(fresh))
    assert list(fresh.parent.iterdir()) == []  # no raw folder, no truth folder, no temporary folders
    with pytest.raises(RawDataError):
        script.write_national(_args(out, force=True))
    assert [p.name for p in out.iterdir()] == ["keep.txt"]  # --force replaces only with a valid folder
    monkeypatch.undo()
    script.write_national(_args(out, force=True))
    assert sorted(p.name for p in out.iterdir()) == sorted([*RAW_COLUMNS, "README.md"])
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
