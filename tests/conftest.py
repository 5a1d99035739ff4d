"""Shared fixtures: the shipped data as a model design, and one small cached fit."""

from pathlib import Path

import pandas as pd
import pytest

from policy_windows.data.design import ModelData
from policy_windows.data.processed import build_model_table
from policy_windows.data.validation import read_raw_tables, validate_raw

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def model_table() -> pd.DataFrame:
    return build_model_table(validate_raw(read_raw_tables(RAW_DIR)))


@pytest.fixture(scope="session")
def model_data(model_table) -> ModelData:
    from policy_windows.data.design import model_data_from_table

    return model_data_from_table(model_table)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory) -> Path:
    """One full `snakemake --cores 2` run in a fresh copy of the project, shared by every test
    that reads the workflow's outputs (tests/test_pipeline.py, tests/test_report.py)."""
    from workflow_helpers import copy_repo, run_snakemake

    work = copy_repo(tmp_path_factory.mktemp("run1"))
    result = run_snakemake(["--cores", "2", "--workflow-profile", "none"], work)
    assert result.returncode == 0, result.stderr[-5000:]
    return work


@pytest.fixture(scope="session")
def small_fit(model_data):
    """One quick posterior of the full model (on the compiled kernel), shared by the
    derived-quantity tests, with the configuration it was fitted with."""
    from policy_windows.model.configuration import Configuration, Priors
    from policy_windows.inference.sampler import SamplerSettings, compile_design, fit

    config = Configuration("full")
    settings = SamplerSettings(draws=200, tune=300, chains=2, target_accept=0.9, seed=7, cores=1)
    return config, fit(compile_design(model_data), model_data, config, Priors(), settings)
