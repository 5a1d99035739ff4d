"""Shared fixtures: the shipped data as a model design, and one small cached fit."""

from pathlib import Path

import pandas as pd
import pytest

from policy_windows.design import ModelData
from policy_windows.processed import build_model_table
from policy_windows.validation import read_raw_tables, validate_raw

ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def model_table() -> pd.DataFrame:
    return build_model_table(validate_raw(read_raw_tables(RAW_DIR)))


@pytest.fixture(scope="session")
def model_data(model_table) -> ModelData:
    from policy_windows.design import model_data_from_table

    return model_data_from_table(model_table)


@pytest.fixture(scope="session")
def small_fit(model_data):
    """One quick posterior of the full model, shared by the derived-quantity tests."""
    from policy_windows.fitting import SamplerSettings, sample_posterior
    from policy_windows.model import build_model

    model = build_model(model_data)
    settings = SamplerSettings(draws=200, tune=300, chains=2, cores=1, seed=7)
    return model, sample_posterior(model, settings)
