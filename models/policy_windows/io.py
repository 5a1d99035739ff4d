"""The few file-format helpers that rule scripts share (so scripts stay thin and unduplicated)."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path

import arviz as az
import pandas as pd
import xarray as xr

from .design import ModelData, model_data_from_table


def log_to(path: str | Path) -> logging.Logger:
    """Send warnings, errors and log records of a rule script to its Snakemake log file."""
    handle = open(path, "w")
    sys.stderr = handle
    logging.basicConfig(stream=handle, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True)
    logging.captureWarnings(True)
    return logging.getLogger("policy_windows")


def read_model_data(path: str | Path) -> ModelData:
    return model_data_from_table(pd.read_csv(path))


def write_table(table: pd.DataFrame, path: str | Path, float_digits: int = 6) -> None:
    """CSV with fixed rounding so reruns with the same seed give byte-identical tables."""
    table.round(float_digits).to_csv(path, index=False, lineterminator="\n")


def save_fit(idata: xr.DataTree, path: str | Path) -> None:
    idata.to_netcdf(path, engine="h5netcdf")


def load_fit(path: str | Path) -> xr.DataTree:
    """Load fully into memory and close the file (HDF5 refuses to rewrite open files)."""
    tree = az.from_netcdf(path)
    loaded = tree.load()
    tree.close()
    return loaded


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
