"""Record what produced this run: package versions, seed, config and data checksums."""

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from policy_windows import io

log = io.log_to(snakemake.log[0])
packages = ["pymc", "pytensor", "nutpie", "numba", "arviz", "arviz-stats", "numpy", "pandas",
            "xarray", "pandera", "snakemake", "matplotlib", "seaborn", "policy-windows"]


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"


record = {
    "python": platform.python_version(),
    "platform": platform.platform(),
    "git_commit": git_commit(),
    "seed": snakemake.params.config["seed"],
    "versions": {},
    "raw_data_sha256": {Path(p).name: io.sha256(p) for p in snakemake.input.raw},
    "config_sha256": io.sha256(snakemake.input.config),
    "config": snakemake.params.config,
    "fits": {Path(p).name: io.sha256(p) for p in snakemake.input.fits},
}
for name in packages:
    try:
        record["versions"][name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        record["versions"][name] = "not installed"
Path(snakemake.output[0]).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
