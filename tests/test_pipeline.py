"""The workflow as a user runs it: lint, formatting, a full rebuild from data/raw in a fresh
copy of the repository, the outputs a reviewer looks for, gates, and reproducibility."""

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
VARIANTS = ["full", "theory_only", "no_coupling", "no_municipality"]
TABLES = [
    "factor_effects.csv",
    "window_probability.csv",
    "what_if.csv",
    "model_comparison.csv",
    "prior_sensitivity.csv",
    "prior_predictive.csv",
    *[f"diagnostics_{v}.csv" for v in VARIANTS],
]

pytestmark = pytest.mark.pipeline


def _copy_repo(dest: Path) -> Path:
    """A fresh copy of the tracked project files, as a new user would clone it."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _run(args: list[str], cwd: Path, timeout: int = 1800) -> subprocess.CompletedProcess:
    return subprocess.run(SNAKEMAKE + args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory) -> Path:
    work = _copy_repo(tmp_path_factory.mktemp("run1"))
    result = _run(["--cores", "2", "--workflow-profile", "none"], work)
    assert result.returncode == 0, result.stderr[-5000:]
    return work


def test_lint_is_clean():
    result = _run(["--lint", "--cores", "1", "--workflow-profile", "none"], ROOT, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_snakefmt_is_clean():
    result = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "workflow"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_output_exists(pipeline_run):
    results = pipeline_run / "results"
    for variant in VARIANTS:
        assert (results / "fits" / f"{variant}.nc").stat().st_size > 0
    for table in TABLES:
        assert len(pd.read_csv(results / "tables" / table)) > 0, table
    figures = list((results / "figures").glob("*.png"))
    assert len(figures) >= 8
    assert (results / "notebook.html").stat().st_size > 0
    assert (results / "provenance.json").stat().st_size > 0


def test_gates_passed_on_shipped_data(pipeline_run):
    for variant in VARIANTS:
        diagnostics = pd.read_csv(pipeline_run / "results" / "tables" / f"diagnostics_{variant}.csv")
        assert diagnostics["passes"].all(), variant
        assert diagnostics["r_hat"].max() <= 1.01


def test_report_builds(pipeline_run):
    result = _run(["--cores", "1", "--workflow-profile", "none", "--report", "results/report.html"], pipeline_run)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (pipeline_run / "results" / "report.html").stat().st_size > 100_000


def test_same_seed_gives_identical_tables(pipeline_run, tmp_path_factory):
    """A second rebuild of the fit and its summaries from scratch gives byte-identical CSVs."""
    work = _copy_repo(tmp_path_factory.mktemp("run2"))
    targets = [f"results/tables/{t}" for t in
               ("factor_effects.csv", "window_probability.csv", "what_if.csv", "diagnostics_full.csv",
                "prior_predictive.csv")]
    result = _run(["--cores", "2", "--workflow-profile", "none", *targets], work)
    assert result.returncode == 0, result.stderr[-5000:]
    for target in targets:
        assert filecmp.cmp(work / target, pipeline_run / target, shallow=False), target


def test_bad_raw_data_stops_the_pipeline(tmp_path):
    """Validation runs first: a broken code fails `validate` and nothing downstream is written."""
    work = _copy_repo(tmp_path)
    codes = work / "data" / "raw" / "factor_codes.csv"
    table = pd.read_csv(codes, dtype=str, keep_default_na=False)
    table.loc[4, "code"] = "7"  # data row 5 = line 6 of the file
    table.to_csv(codes, index=False, lineterminator="\n")
    result = _run(["--cores", "1", "--workflow-profile", "none", "validate"], work, timeout=300)
    assert result.returncode != 0
    log = (work / "logs" / "validate.log").read_text()
    assert "factor_codes.csv, line 6, column 'code'" in log and "'7'" in log
    assert not (work / "results" / "validation" / "raw_data_report.txt").exists()
    assert not (work / "data" / "processed" / "model_table.csv").exists()
