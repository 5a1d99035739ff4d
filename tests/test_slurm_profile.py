"""The SLURM profile: it parses, selects the installed SLURM executor plugin, and a dry run
of the workflow through it resolves every job's resources.

A dry run with ``--profile profiles/slurm`` goes through the real command-line parsing of
Snakemake with the SLURM plugin registered (an unknown executor or an option the plugin
does not know is an error at that point), builds the DAG and evaluates the resources each
job would request, but submits nothing, so it needs no ``sbatch`` on PATH. What it cannot
check is the cluster itself (accounts, partitions, sbatch's acceptance of the request).
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "slurm"

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed",
)


def dry_run(snakefile: Path, *targets: str, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "models"), env.get("PYTHONPATH")) if p)
    cmd = [
        sys.executable, "-m", "snakemake", "-n",
        "--profile", str(PROFILE), "--workflow-profile", "none",
        "-s", str(snakefile), "--directory", str(ROOT), *extra, *targets,
    ]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def job_resources(output: str, rule: str) -> list[str]:
    """The `resources:` lines of every job of ``rule`` in a dry run's output."""
    blocks = re.split(r"\n(?=(?:local)?rule \w+:)", output)
    return [
        line.strip()
        for block in blocks
        if re.match(rf"(?:local)?rule {rule}:", block)
        for line in block.splitlines()
        if line.strip().startswith("resources:")
    ]


def test_profile_file_selects_slurm():
    profile = yaml.safe_load((PROFILE / "config.v9+.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert {"mem_mb", "runtime"} <= set(profile["default-resources"])
    assert profile["jobs"] >= 1 and profile["latency-wait"] >= 5


def test_unknown_plugin_option_is_rejected_so_the_plugin_is_really_loaded(tmp_path):
    snakefile = tmp_path / "Snakefile"
    snakefile.write_text('rule a:\n    output: "x"\n    shell: "touch {output}"\n')
    ok = dry_run(snakefile, extra=("--slurm-init-seconds-before-status-checks", "5"))
    assert ok.returncode == 0, ok.stderr[-3000:]
    bad = dry_run(snakefile, extra=("--slurm-no-such-option", "1"))
    assert bad.returncode != 0 and "unrecognized arguments" in bad.stderr


def test_dry_run_of_the_simulation_studies():
    result = dry_run(ROOT / "workflow" / "Snakefile", "sbc", "recovery", extra=("--forceall",))
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    config = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    fits = job_resources(result.stdout, "sbc_fit")
    n_jobs = -(-config["sbc"]["n_simulations"] // config["sbc"]["sims_per_job"])
    assert len(fits) == n_jobs
    assert all(f"mem_mb={config['sbc']['mem_mb']}" in r and f"runtime={config['sbc']['runtime']}" in r for r in fits)
    recovery = job_resources(result.stdout, "recovery_fit")
    assert len(recovery) == len(config["recovery"]["M"])
    big = max(config["recovery"]["M"])
    expected = config["recovery"]["mem_mb_base"] + config["recovery"]["mem_mb_per_1000"] * big // 1000
    assert any(f"mem_mb={expected}" in r for r in recovery)


def test_dry_run_of_the_default_workflow():
    result = dry_run(ROOT / "workflow" / "Snakefile", extra=("--forceall",))
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    assert "rule fit:" in result.stdout
