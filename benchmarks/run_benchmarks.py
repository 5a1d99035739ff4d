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
3. With ``--scale`` (issue 12): whole-process fits at M = 355 and 3,550 (simulated from one
   prior draw at the shipped code frequencies): the chosen parameterisation, the
   non-centred form shipped before, and the other forms tried (kernel, see
   ``fit_process.py``), against PyMC's NUTS and PyMC's model through nutpie (M = 355 only:
   at 3,550 PyMC's model compiles and samples for longer than this benchmark can wait, see
   the summary). Each kernel row also carries microseconds per gradient in isolation
   (beside ``reference_kernel.py``) and inside the sampler, and effective draws per gradient.

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

from policy_windows.summaries.scale_record import sampling_profile, scale_floors

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "results" / "benchmarks"
PATHS = ("kernel", "nutpie-pymc", "pymc-nuts")
FLOORS = {"whole_process_m8_s": 10.0, "rebuild_cold_s": 240.0, "rebuild_one_code_s": 90.0}
SCALE_FORMS = (
    "kernel:chosen", "kernel:non-centred", "kernel:codes-only", "kernel:centred-beta", "kernel:partial-u",
    "kernel:gaussian-optimal", "kernel:chosen:1", "kernel:non-centred:1", "kernel:chosen:2", "kernel:non-centred:2",
)


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


def fit_runs(m: int, paths, runs: int, warm_up: bool = True) -> list[dict]:
    """Whole-process fits, paths alternated run by run; ``paths`` holds "path", "path:form" or
    "path:form:seed" (another seed simulates another data set and seeds the sampler)."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(0 if warm_up else 1, runs + 1):  # run 0 is the warm-up
            for entry in paths:
                path, form, seed = (entry.split(":") + ["", ""])[:3]
                cmd = [sys.executable, "benchmarks/fit_process.py", path, str(m), f"{tmp}/{path}.nc"] + ([form] if form else [])
                cmd += ["config", "config", seed] if seed else []
                wall, peak, result = timed(cmd, ROOT)
                if result.returncode != 0:
                    raise RuntimeError(f"{path} at M={m} failed:\n{result.stderr[-3000:]}")
                info = json.loads(result.stdout.strip().splitlines()[-1])
                print(f"M={m} {entry} run {run}: {wall:.1f} s wall, sampling {info['sampling_s']:.2f} s, "
                      f"min ESS {info['min_ess_bulk']:.0f} ({info['slowest']})", flush=True)
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


def national_run(m: int = 355) -> list[dict]:
    """The whole default target on a simulated national data/raw of ``m`` municipalities
    (``snakemake --cores 4`` in a fresh copy, warm numba cache), with its per-rule profile.
    Exit status 0 means every gate passed: a failing gate fails the build."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "project"
        for name in files.stdout.splitlines():
            source = ROOT / name
            if source.is_file() and not name.startswith("results/"):
                (work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, work / name)
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        subprocess.run([sys.executable, "scripts/simulate_national.py", "--municipalities", str(m), "--seed", "20201",
                        "--out", "data/raw", "--force"], cwd=work, env=env, check=True, capture_output=True)
        wall, peak, result = timed(["snakemake", "--cores", "4", "--workflow-profile", "none"], work, env)
        jobs = result.stderr.count("Finished jobid")
        passed = result.returncode == 0
        if not passed:  # recorded, not raised: the summary says which rule failed and why
            (OUT / "national_failure.log").write_text(result.stderr[-20000:])
        else:
            (OUT / "national_failure.log").unlink(missing_ok=True)
        print(f"national pipeline M={m}: {wall:.1f} s, {jobs} jobs, {'passed' if passed else 'FAILED'}", flush=True)
        rows = [{"measure": "national_pipeline", "path": "kernel", "M": m, "run": 1, "wall_s": wall, "jobs": jobs,
                 "peak_rss_mb": peak, "passed": passed}]
        return rows + [dict(r, measure="national_pipeline_profile", M=m) for r in rebuild_profile(work / "benchmarks")]


def rebuild_profile(folder: Path) -> list[dict]:
    """Where a rebuild's time goes: Snakemake's per-job benchmark files, summed per rule
    family (fit, lomo, sbc_fit, figure, table_page, ...)."""
    groups: dict[str, list[float]] = {}
    for tsv in folder.rglob("*.tsv"):
        seconds = float(pd.read_csv(tsv, sep="\t")["s"].iloc[-1])
        name = "figure" if tsv.parent.name == "figures" else tsv.stem
        for family in ("sbc_fit", "table_page", "lomo", "fit", "figure"):
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
    national_profile = table[table["measure"] == "national_pipeline_profile"]
    table = table[~table["measure"].isin(["rebuild_cold_profile", "national_pipeline_profile"])]
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
    scale = table[table["M"].isin([355, 3550]) & (table["measure"] == "whole_process_fit")]
    if len(scale):
        lines += ["", "## At national scale (issue 12)", "",
                  "One run per path and form on one simulated data set per M (seed 20201; the seed also "
                  "seeds the sampler), and the chosen and non-centred forms on two more data sets (seeds 1, 2). ESS is the minimum bulk ESS over "
                  "beta, mu, tau, sigma_u and kappa; ESS per second uses sampling seconds (tuning included). "
                  "us/grad in the sampler = sampling seconds x 2 cores / gradient evaluations (tuning included).", "",
                  "| M | path | form | seed | sampling s | min ESS (slowest) | ESS/s | divergences | max R-hat | leapfrog/draw "
                  "| us/grad isolated (reference) | us/grad in sampler | effective draws per gradient | peak RSS MB |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in scale.itertuples():
            def num(value, fmt):
                return fmt.format(value) if pd.notna(value) else ""
            lines.append(
                f"| {r.M} | {r.path} | {r.form} | {num(getattr(r, 'seed', None), '{:.0f}')} | {r.sampling_s:.1f} | {r.min_ess_bulk:.0f} ({r.slowest}) | {r.ess_per_s:.1f} "
                f"| {r.divergences:.0f} | {r.max_rhat:.3f} | {num(r.leapfrog_per_draw, '{:.0f}')} "
                f"| {num(getattr(r, 'us_per_gradient_isolated', None), '{:.0f}')} ({num(getattr(r, 'us_per_gradient_reference', None), '{:.0f}')}) "
                f"| {num(getattr(r, 'us_per_gradient_in_sampler', None), '{:.0f}')} "
                f"| {num(getattr(r, 'effective_draws_per_gradient', None), '{:.4f}')} | {r.peak_rss_mb:.0f} |"
            )
    if len(scale) or (table["measure"] == "national_pipeline").any():
        lines += ["", "## Floors (issue 12)", ""] + scale_floors(table)
        if len(profile_lines := sampling_profile(table)):
            lines += ["", "### Where the sampling time goes (chosen form)", ""] + profile_lines
    if len(national_profile):
        lines += ["", "### Where the national pipeline's time goes (job seconds per rule family)", "",
                  "| rule family | jobs | job seconds |", "|---|---|---|"]
        lines += [f"| {r.path} | {int(r.jobs)} | {r.wall_s:.1f} |" for r in national_profile.itertuples()]
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
    parser.add_argument("--national", action="store_true",
                        help="the whole pipeline on a simulated 355-municipality data/raw (about 20 min)")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the M = 355 and 3,550 fits, keeping the other rows of the last benchmarks.csv")
    parser.add_argument("--rebuild-only", action="store_true",
                        help="rerun only the rebuilds, keeping the fit rows of the last benchmarks.csv")
    parser.add_argument("--summary-only", action="store_true", help="rewrite summary.md from the last benchmarks.csv")
    parser.add_argument("--national-only", action="store_true",
                        help="only the national pipeline run, keeping the other rows of the last benchmarks.csv")
    args = parser.parse_args()
    if args.summary_only:
        (OUT / "summary.md").write_text(summary(pd.read_csv(OUT / "benchmarks.csv")))
        return
    if args.national_only:
        old = pd.read_csv(OUT / "benchmarks.csv")
        rows = old[~old["measure"].str.startswith("national_pipeline")].to_dict("records") + national_run()
        pd.DataFrame(rows).to_csv(OUT / "benchmarks.csv", index=False)
        (OUT / "summary.md").write_text(summary(pd.DataFrame(rows)))
        return
    runs = 2 if args.quick else args.runs
    if args.scale_only:
        args.scale, rows = True, []
    elif args.rebuild_only:
        old = pd.read_csv(OUT / "benchmarks.csv")
        rows = old[old["measure"] == "whole_process_fit"].to_dict("records")
    else:
        rows = fit_runs(8, PATHS, runs)
    if not (args.quick or args.no_rebuild or args.scale_only):
        rows += rebuild_runs(warm=not args.no_warm)
    if args.national:
        rows += national_run()
    if args.scale:
        rows += fit_runs(355, SCALE_FORMS + ("nutpie-pymc", "pymc-nuts"), 1, warm_up=False)
        rows += fit_runs(3550, ("kernel:chosen", "kernel:non-centred"), 1, warm_up=False)
    if args.scale_only:
        old = pd.read_csv(OUT / "benchmarks.csv")
        rows = old[~old["M"].isin([355, 3550])].to_dict("records") + rows
        if not args.national:
            rows += old[old["measure"].str.startswith("national_pipeline")].to_dict("records")
    table = pd.DataFrame(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "benchmarks.csv", index=False)
    (OUT / "summary.md").write_text(summary(table))
    print(summary(table))


if __name__ == "__main__":
    main()
