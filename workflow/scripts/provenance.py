"""Record what produced this run: when, from which commit (and whether the tree was clean),
which package versions computed the numbers, the seed and configuration, checksums of the
inputs and checksums of the posterior draws."""

import hashlib
import json
import platform
import re
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
import xarray as xr

# Packages that handle the numbers without being a dependency the project pins itself: numba
# compiles the model through llvmlite, and nutpie hands the draws over as Arrow arrays.
INDIRECT_PACKAGES = ["llvmlite", "pyarrow"]


def git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def git_state() -> dict:
    """The commit and whether tracked or untracked (not ignored) files differ from it."""
    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None, "changed_files": None, "note": "not a git checkout"}
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=normal").splitlines()]
    return {"commit": commit, "dirty": bool(changed), "changed_files": changed}


def package_versions(distribution: str = "policy-windows") -> dict[str, str]:
    """Installed version of the project and of every package it requires, plus INDIRECT_PACKAGES."""
    names = [distribution, *INDIRECT_PACKAGES]
    for requirement in metadata.requires(distribution) or []:
        names.append(re.split(r"[\s;<>=!~\[]", requirement, maxsplit=1)[0])
    versions = {}
    for name in sorted(set(names), key=str.lower):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def posterior_sha256(path: str | Path) -> dict:
    """SHA-256 over the values of every posterior variable, by name in sorted order.

    The NetCDF bytes differ between two identical runs (``created_at`` and HDF5 metadata);
    these digests do not: equal digests mean bit-identical posterior draws.
    """
    with xr.open_dataset(path, group="posterior", engine="h5netcdf") as posterior:
        total = hashlib.sha256()
        variables = {}
        for name in sorted(posterior.data_vars):
            values = np.ascontiguousarray(posterior[name].values)
            header = f"{name}|{values.dtype.str}|{values.shape}|".encode()
            variables[name] = hashlib.sha256(header + values.tobytes()).hexdigest()
            total.update(header + values.tobytes())
        shape = {dim: int(size) for dim, size in posterior.sizes.items() if dim in ("chain", "draw")}
    return {"posterior_sha256": total.hexdigest(), "variables_sha256": variables, "chain_draw": shape}


def main(snakemake) -> None:
    from policy_windows import io

    log = io.log_to(snakemake.log[0])
    record = {
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git": git_state(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "seed": snakemake.params.config["seed"],
        "versions": package_versions(),
        # Hashes of data/raw as the data door read them (its validation report), so that no
        # step after the door reads data/raw itself.
        "raw_data_sha256": dict(
            line.split()[1:3] for line in Path(snakemake.input.validation).read_text().splitlines()
            if line.startswith("sha256 ")
        ),
        "config_sha256": file_sha256(snakemake.input.config),
        "config": snakemake.params.config,
        "fits": {
            Path(p).name: {"file_sha256": file_sha256(p), **posterior_sha256(p)} for p in snakemake.input.fits
        },
    }
    if record["git"]["dirty"]:
        log.warning("the working tree differs from commit %s: %s", record["git"]["commit"],
                    ", ".join(record["git"]["changed_files"]))
    Path(snakemake.output[0]).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    log.info("wrote %s", snakemake.output[0])


if __name__ == "__main__":
    main(snakemake)  # noqa: F821 (Snakemake's script directive defines `snakemake`)
