"""The few file-format helpers that rule scripts share (so scripts stay thin and unduplicated)."""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path

import pandas as pd

from policy_windows.data.design import ModelData, model_data_from_table


# Libraries that log routine detail (compiler flags, config probing, font searches, HDF5
# plumbing) at INFO or DEBUG; a rule's log keeps only their warnings and errors.
NOISY_LOGGERS = ("pytensor", "numba", "matplotlib", "h5py", "PIL", "fontTools")
# Library loggers whose INFO lines belong in a rule's log: PyMC names the sampler and the
# variables it samples ("NUTS[nutpie]: [...]", "Sampling: [movement]").
INFORMATIVE_LOGGERS = ("pymc",)
PACKAGE_LOGGER = "policy_windows"
_HANDLER_NAME = "policy_windows.rule_log"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_to(path: str | Path) -> logging.Logger:
    """Write a rule script's log records, warnings and uncaught errors to its Snakemake log file.

    The file receives the ``policy_windows`` logger (what the scripts and the package log) from
    INFO up, every other logger from WARNING up (PyMC from INFO), Python warnings, and the
    traceback of an uncaught exception. ``sys.stderr`` is left alone: what a library prints there
    still reaches the console, and an uncaught exception is still printed there as well. The
    libraries in ``NOISY_LOGGERS`` are held at WARNING even if something lowered their level.
    Calling this again (e.g. for another log file) replaces the file, never duplicates records.
    Returns the ``policy_windows`` logger.
    """
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    for previous in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(previous)
        previous.close()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    quiet_noisy_loggers()
    for name in INFORMATIVE_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)
    logging.captureWarnings(True)
    package = logging.getLogger(PACKAGE_LOGGER)
    package.setLevel(logging.INFO)
    log_uncaught_exceptions(package)
    return package


def quiet_noisy_loggers(level: int = logging.WARNING) -> None:
    """Hold the libraries that log routine detail at ``level`` (their warnings still show)."""
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(level)


def log_uncaught_exceptions(logger: logging.Logger) -> None:
    """Log an uncaught exception (with traceback) to ``logger``, then let the previous hook print it.

    Installed once per process; a later call only changes the logger.
    """
    previous = getattr(sys.excepthook, "_policy_windows_previous", sys.excepthook)

    def hook(kind, value, traceback):
        if not issubclass(kind, KeyboardInterrupt):
            logger.critical("the script failed: %s: %s", kind.__name__, value, exc_info=(kind, value, traceback))
        previous(kind, value, traceback)

    hook._policy_windows_previous = previous
    sys.excepthook = hook


def read_model_data(path: str | Path) -> ModelData:
    return model_data_from_table(pd.read_csv(path))


def write_table(table: pd.DataFrame, path: str | Path, float_digits: int = 6) -> None:
    """CSV with fixed rounding so reruns with the same seed give byte-identical tables."""
    table.round(float_digits).to_csv(path, index=False, lineterminator="\n")


def save_fit(idata, path: str | Path) -> None:
    idata.to_netcdf(path, engine="h5netcdf")


def load_fit(path: str | Path):
    """Load fully into memory and close the file (HDF5 refuses to rewrite open files)."""
    import xarray as xr  # imported here: most rule scripts never touch a NetCDF file

    tree = xr.open_datatree(path, engine="h5netcdf")
    loaded = tree.load()
    tree.close()
    return loaded


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
