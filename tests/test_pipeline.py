"""The workflow as a user runs it: lint, formatting, a full rebuild from data/raw in a fresh
copy of the repository, the outputs a reviewer looks for, gates, and reproducibility."""

import filecmp
import subprocess
import sys
import json

import pandas as pd
import pytest
import yaml
from workflow_helpers import ROOT, copy_repo as _copy_repo, run_snakemake as _run

CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
MODELS = list(CONFIG["models"])
TABLES = [
    "factor_effects.csv",
    "window_probability.csv",
    "what_if.csv",
    "model_comparison.csv",
    "prior_sensitivity.csv",
    "prior_predictive.csv",
    "generative_checks.csv",
    "conclusion_sensitivity.csv",
    "rank_agreement.csv",
    "highlighted_factors.csv",
    "sbc_uniformity.csv",
    *[f"diagnostics_{m}.csv" for m in MODELS],
]

pytestmark = pytest.mark.pipeline


def test_lint_is_clean():
    result = _run(["--lint", "--cores", "1", "--workflow-profile", "none"], ROOT, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_snakefmt_is_clean():
    result = subprocess.run([sys.executable, "-m", "snakefmt", "--check", "workflow"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_output_exists(pipeline_run):
    results = pipeline_run / "results"
    for model in MODELS:
        assert (results / "fits" / f"{model}.nc").stat().st_size > 0
    for table in TABLES:
        assert len(pd.read_csv(results / "tables" / table)) > 0, table
    figures = list((results / "figures").glob("*.png"))
    assert len(figures) >= 14 and len(list((results / "figures").glob("*.pdf"))) == len(figures)
    assert (pipeline_run / "data" / "processed" / "factors.csv").exists()
    assert (results / "notebook.html").stat().st_size > 0
    assert (results / "provenance.json").stat().st_size > 0


def test_gates_passed_on_shipped_data(pipeline_run):
    for model in MODELS:
        diagnostics = pd.read_csv(pipeline_run / "results" / "tables" / f"diagnostics_{model}.csv")
        assert diagnostics["passes"].all(), model
        assert diagnostics["r_hat"].max() <= CONFIG["gates"]["max_rhat"]


def test_sbc_ran_in_the_default_build(pipeline_run):
    ranks = pd.read_csv(pipeline_run / "results" / "sbc" / "ranks.csv")
    assert ranks["sim"].nunique() == CONFIG["sbc"]["n_simulations"] >= 200
    uniformity = pd.read_csv(pipeline_run / "results" / "tables" / "sbc_uniformity.csv")
    assert {"alpha", "mu", "tau", "beta", "u", "kappa", "sigma_u", "window_probability"} <= set(uniformity["family"])


def test_no_step_after_the_data_door_reads_data_raw(pipeline_run):
    """Only rule processed_data reads data/raw (the one door for data)."""
    readers = []
    for record in (pipeline_run / ".snakemake" / "metadata").iterdir():
        meta = json.loads(record.read_text())
        if any(str(f).startswith("data/raw/") for f in meta.get("input", [])):
            readers.append(meta.get("rule"))
    assert set(readers) == {"processed_data"}, readers


def test_report_builds(pipeline_run):
    result = _run(["--cores", "1", "--workflow-profile", "none", "--report", "results/report.html"], pipeline_run)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (pipeline_run / "results" / "report.html").stat().st_size > 100_000


def test_same_seed_gives_identical_tables(pipeline_run, tmp_path_factory):
    """A second rebuild of the fit and its summaries from scratch gives byte-identical CSVs."""
    work = _copy_repo(tmp_path_factory.mktemp("run2"))
    targets = [f"results/tables/{t}" for t in
               ("factor_effects.csv", "window_probability.csv", "what_if.csv", "diagnostics_full.csv",
                "prior_predictive.csv", "generative_checks.csv")] + ["results/lomo/sum_score.csv", "results/sbc/sims/0.csv"]
    result = _run(["--cores", "2", "--workflow-profile", "none", *targets], work)
    assert result.returncode == 0, result.stderr[-5000:]
    for target in targets:
        assert filecmp.cmp(work / target, pipeline_run / target, shallow=False), target


def test_bad_raw_data_stops_the_pipeline(tmp_path):
    """Validation runs first: a broken code fails the data door (`snakemake validate`) and
    nothing downstream is written."""
    work = _copy_repo(tmp_path)
    codes = work / "data" / "raw" / "factor_codes.csv"
    table = pd.read_csv(codes, dtype=str, keep_default_na=False)
    table.loc[4, "code"] = "7"  # data row 5 = line 6 of the file
    table.to_csv(codes, index=False, lineterminator="\n")
    result = _run(["--cores", "1", "--workflow-profile", "none", "validate"], work, timeout=300)
    assert result.returncode != 0
    log = (work / "logs" / "processed_data.log").read_text()
    assert "factor_codes.csv, line 6, column 'code'" in log and "'7'" in log
    assert not (work / "results" / "validation" / "raw_data_report.txt").exists()
    assert not (work / "data" / "processed" / "model_table.csv").exists()
