"""Benchmarks of the chosen sampling path against the alternatives, side by side in one run.

    .venv/bin/python benchmarks/run_benchmarks.py              # everything (about 25 min)
    .venv/bin/python benchmarks/run_benchmarks.py --quick      # 2 runs per path, no rebuilds

1. Whole-process fit of the full model at M = 8 (import to NetCDF written, warm caches):
   the one compiled kernel through nutpie (``kernel``, the pipeline's path) vs PyMC's model
   through nutpie compiled in each process (``nutpie-pymc``) vs PyMC's own NUTS
   (``pymc-nuts``). Paths alternate run by run (A B C A B C ...) after one warm-up each,
   so drift of the machine's speed hits all of them alike. Each run also reports its
   sampling seconds and min bulk ESS over alpha, mu, tau, beta, sigma_u and kappa.
2. Rebuilds (``snakemake --cores 2`` in a fresh copy of the project): cold (empty numba
   and PyTensor caches), after changing one code in data/raw, and a warm forced rebuild.
3. With ``--scale``: the same whole-process comparison at M = 355 and 3,550 (simulated),
   kernel vs nutpie-pymc.

Writes results/benchmarks/benchmarks.csv (one row per run) and summary.md (medians, the
floors of issue 9, the machine's core count).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "benchmarks"
PATHS = ("kernel", "nutpie-pymc", "pymc-nuts")
FLOORS = {"whole_process_m8_s": 10.0, "rebuild_cold_s": 240.0, "rebuild_one_code_s": 90.0}


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS in MB (of this process and its waited-for children) of one run."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return wall, usage.ru_maxrss / 1024, subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())


def fit_runs(m: int, paths, runs: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs + 1):  # run 0 is the warm-up
            for path in paths:
                cmd = [sys.executable, "benchmarks/fit_process.py", path, str(m), f"{tmp}/{path}.nc"]
                wall, peak, result = timed(cmd, ROOT)
                if result.returncode != 0:
                    raise RuntimeError(f"{path} at M={m} failed:\n{result.stderr[-3000:]}")
                info = json.loads(result.stdout.strip().splitlines()[-1])
                print(f"M={m} {path} run {run}: {wall:.1f} s wall, sampling {info['sampling_s']:.2f} s", flush=True)
                if run > 0:
                    rows.append({"measure": "whole_process_fit", **info, "run": run, "wall_s": wall, "peak_rss_mb": peak})
    return rows


def rebuild_runs(warm: bool = True) -> list[dict]:
    """Cold, one-code and (with ``warm``) warm forced rebuilds of the default target in a fresh copy."""
    rows = []
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project"
        for name in files.stdout.splitlines():
            source = ROOT / name
            if source.is_file():
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, work / name)
        env = dict(os.environ, NUMBA_CACHE_DIR=f"{tmp}/numba", PYTENSOR_FLAGS=f"base_compiledir={tmp}/pytensor")
        env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
        snakemake = ["snakemake", "--cores", "2", "--workflow-profile", "none"]
        steps = [("rebuild_cold", []), ("rebuild_one_code", [])] + ([("rebuild_warm_forceall", ["--forceall"])] if warm else [])
        for name, extra in steps:
            if name == "rebuild_one_code":
                codes = work / "data" / "raw" / "factor_codes.csv"
                lines = codes.read_text().splitlines(keepends=True)
                # Line 2 is municipality 1's first factor: flip its code between 0 and 1.
                cells = lines[1].split(",", 5)
                cells[4] = "1" if cells[4] == "0" else "0"
                lines[1] = ",".join(cells)
                codes.write_text("".join(lines))
            wall, peak, result = timed(snakemake + extra, work, env)
            if result.returncode != 0:
                raise RuntimeError(f"{name} failed:\n{result.stderr[-5000:]}")
            jobs = result.stderr.count("Finished jobid")
            print(f"{name}: {wall:.1f} s, {jobs} jobs", flush=True)
            rows.append({"measure": name, "path": "kernel", "M": 8, "run": 1, "wall_s": wall, "jobs": jobs, "peak_rss_mb": peak})
            if name == "rebuild_cold":
                rows += rebuild_profile(work / "benchmarks")
    return rows


def rebuild_profile(folder: Path) -> list[dict]:
    """Where a rebuild's time goes: Snakemake's per-job benchmark files, summed per rule
    family (fit, lomo, sbc_fit, figure, table_page, ...)."""
    groups: dict[str, list[float]] = {}
    for tsv in folder.rglob("*.tsv"):
        seconds = float(pd.read_csv(tsv, sep="\t")["s"].iloc[-1])
        name = "figure" if tsv.parent.name == "figures" else tsv.stem
        for family in ("sbc_fit", "table_page", "lomo", "fit"):
            if name.startswith(family + "_"):
                name = family
        groups.setdefault(name, []).append(seconds)
    return [
        {"measure": "rebuild_cold_profile", "path": group, "M": 8, "run": 1, "wall_s": sum(v), "jobs": len(v)}
        for group, v in sorted(groups.items(), key=lambda kv: -sum(kv[1]))
    ]


def summary(table: pd.DataFrame) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {os.cpu_count()} CPU cores (as os.cpu_count() reports). Written by "
        "`benchmarks/run_benchmarks.py`; every number below is a median over the runs in benchmarks.csv.",
        "",
        "| measure | path | M | runs | wall s (median, min-max) | sampling s | min bulk ESS | ESS per sampling s | divergences | max R-hat |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    profile = table[table["measure"] == "rebuild_cold_profile"]
    table = table[table["measure"] != "rebuild_cold_profile"]
    for (measure, path, m), part in table.groupby(["measure", "path", "M"], sort=False):
        def med(col, fmt="{:.2f}"):
            return fmt.format(statistics.median(part[col])) if col in part and part[col].notna().any() else ""

        wall = f"{med('wall_s', '{:.1f}')} ({part['wall_s'].min():.1f}-{part['wall_s'].max():.1f})"
        lines.append(
            f"| {measure} | {path} | {m} | {len(part)} | {wall} | {med('sampling_s')} | {med('min_ess_bulk', '{:.0f}')} "
            f"| {med('ess_per_s', '{:.0f}')} | {med('divergences', '{:.0f}')} | {med('max_rhat', '{:.4f}')} |"
        )
    if len(profile):
        lines += [
            "", "## Where the cold rebuild's time goes", "",
            "Wall seconds of each job, summed per rule family, from Snakemake's `benchmark:` files "
            "of the cold rebuild. Jobs run side by side on the two cores, each with the threads "
            "its rule asks for (config: `sampler.threads`, `sbc.threads`), so the rebuild's wall "
            "time is roughly this sum over two, plus Snakemake's own work between jobs.", "",
            "| rule family | jobs | job seconds |", "|---|---|---|",
        ]
        lines += [f"| {r.path} | {int(r.jobs)} | {r.wall_s:.1f} |" for r in profile.itertuples()]
        lines.append(f"| all | {int(profile['jobs'].sum())} | {profile['wall_s'].sum():.1f} |")
    lines += ["", "## Floors (issue 9)", ""]
    checks = {
        "whole_process_m8_s": table.query("measure == 'whole_process_fit' and path == 'kernel' and M == 8")["wall_s"],
        "rebuild_cold_s": table.query("measure == 'rebuild_cold'")["wall_s"],
        "rebuild_one_code_s": table.query("measure == 'rebuild_one_code'")["wall_s"],
    }
    for name, values in checks.items():
        if len(values):
            value = statistics.median(values)
            verdict = "met" if value < FLOORS[name] else "NOT met"
            lines.append(f"- {name}: {value:.1f} s (floor < {FLOORS[name]:.0f} s): {verdict}")
        else:
            lines.append(f"- {name}: not measured in this run")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 runs per path, no rebuilds")
    parser.add_argument("--no-rebuild", action="store_true")
    parser.add_argument("--scale", action="store_true", help="also M = 355 and 3,550")
    parser.add_argument("--no-warm", action="store_true", help="skip the warm forced rebuild")
    parser.add_argument("--rebuild-only", action="store_true",
                        help="rerun only the rebuilds, keeping the fit rows of the last benchmarks.csv")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    if args.rebuild_only:
        old = pd.read_csv(OUT / "benchmarks.csv")
        rows = old[old["measure"] == "whole_process_fit"].to_dict("records")
    else:
        rows = fit_runs(8, PATHS, runs)
    if not (args.quick or args.no_rebuild):
        rows += rebuild_runs(warm=not args.no_warm)
    if args.scale:
        rows += fit_runs(355, ("kernel", "nutpie-pymc"), 2)
        rows += fit_runs(3550, ("kernel",), 1)
    table = pd.DataFrame(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "benchmarks.csv", index=False)
    (OUT / "summary.md").write_text(summary(table))
    print(summary(table))


if __name__ == "__main__":
    main()
