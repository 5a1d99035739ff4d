"""Telling the user what happens. policy_windows.io.log_to: a rule script's log file gets our
records, warnings and errors, not library chatter, and sys.stderr stays the console. The
workflow's onerror handler: a failed job's problem list reaches the console. scripts/rebuild.sh:
recovers from an interrupted run, but never breaks the lock of a run that is still going."""

import csv
import logging
import os
import re
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import psutil
import pytest

from policy_windows import io
from workflow_helpers import copy_repo

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--workflow-profile", "none"]


@pytest.fixture
def clean_logging():
    """Undo what log_to changes in this process (handlers, levels, warning capture, excepthook)."""
    root = logging.getLogger()
    names = (*io.NOISY_LOGGERS, *io.INFORMATIVE_LOGGERS, io.PACKAGE_LOGGER, "some.library")
    saved = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in names}, sys.excepthook)
    yield
    handlers, level, levels, hook = saved
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)
    logging.captureWarnings(False)
    sys.excepthook = hook


def test_records_go_to_the_file_and_library_chatter_does_not(tmp_path, clean_logging, capsys):
    stderr_before = sys.stderr
    log = io.log_to(tmp_path / "rule.log")
    assert sys.stderr is stderr_before
    log.info("fitted model %s", "full")
    logging.getLogger("policy_windows.inference.gates").info("gates passed")
    logging.getLogger("pytensor.configparser").info("Suppressed KeyError in PyTensorConfigParser")
    logging.getLogger("numba.core").debug("LLVM pass timings")
    logging.getLogger("matplotlib.font_manager").info("findfont: scoring fonts")
    logging.getLogger("h5py._conv").debug("creating converter")
    logging.getLogger("some.library").info("routine detail")
    logging.getLogger("some.library").warning("something a reader should see")
    logging.getLogger("pytensor.graph").warning("a pytensor warning")
    logging.getLogger("pymc.sampling").info("NUTS[nutpie]: [alpha, beta]")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("numbers may be off", RuntimeWarning)
    text = (tmp_path / "rule.log").read_text()
    for kept in ("fitted model full", "gates passed", "something a reader should see", "a pytensor warning",
                 "NUTS[nutpie]", "RuntimeWarning: numbers may be off"):
        assert kept in text, kept
    for dropped in ("Suppressed KeyError", "LLVM", "findfont", "converter", "routine detail"):
        assert dropped not in text, dropped
    assert capsys.readouterr().err == ""


def test_a_second_call_replaces_the_file_without_duplicating(tmp_path, clean_logging):
    io.log_to(tmp_path / "first.log").info("one")
    io.log_to(tmp_path / "second.log").info("two")
    assert "two" not in (tmp_path / "first.log").read_text()
    assert (tmp_path / "second.log").read_text().count("two") == 1


def _run_script(body: str, tmp_path) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body))
    return subprocess.run([sys.executable, str(script), str(tmp_path / "rule.log")],
                          capture_output=True, text=True, timeout=300)


def test_an_uncaught_error_reaches_both_the_log_and_the_console(tmp_path):
    result = _run_script("""
        import sys
        from policy_windows import io
        log = io.log_to(sys.argv[1])
        log.info("checking gates")
        raise RuntimeError("convergence gates failed: r_hat 1.05 > 1.01 for tau")
    """, tmp_path)
    assert result.returncode == 1
    text = (tmp_path / "rule.log").read_text()
    assert "checking gates" in text
    assert "RuntimeError: convergence gates failed: r_hat 1.05 > 1.01 for tau" in text
    assert "Traceback" in text
    assert "convergence gates failed" in result.stderr


def test_importing_pytensor_does_not_flood_the_log(tmp_path):
    """Importing PyTensor logs its configuration probing at INFO (the control shows it does);
    under log_to none of it reaches the rule's log."""
    control = _run_script("""
        import logging, sys
        logging.basicConfig(filename=sys.argv[1], level=logging.INFO, force=True)
        import pytensor
    """, tmp_path)
    assert control.returncode == 0, control.stderr
    assert "pytensor" in (tmp_path / "rule.log").read_text()

    result = _run_script("""
        import sys
        from policy_windows import io
        log = io.log_to(sys.argv[1])
        import pytensor
        log.info("imported pytensor %s", pytensor.__version__)
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = (tmp_path / "rule.log").read_text().splitlines()
    assert len(lines) == 1 and "imported pytensor" in lines[0], lines


# --- what the console shows when the workflow fails, and recovering from an interrupted run --

_copy_project = copy_repo  # a fresh copy of the project files (tests/workflow_helpers.py)


def _corrupt_a_code(work: Path) -> None:
    """Set the code of the first data row of factor_codes.csv to 7 (allowed: -1, 0, 1)."""
    path = work / "data" / "raw" / "factor_codes.csv"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["code"] = "7"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.pipeline
def test_a_failed_job_shows_the_end_of_its_log_on_the_console(tmp_path):
    work = _copy_project(tmp_path)
    _corrupt_a_code(work)
    result = subprocess.run([*SNAKEMAKE, "--cores", "1", "validate"], cwd=work, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode != 0
    console = result.stdout + result.stderr
    heading = re.search(r"Rule (\w+) failed; the end of (\S+):\n", console)
    assert heading, console[-3000:]
    shown = console[heading.end():]
    log_lines = [line.strip() for line in (work / heading.group(2)).read_text().splitlines() if line.strip()]
    assert log_lines and all(line in shown for line in log_lines[-5:])
    assert "factor_codes.csv" in shown and "'7'" in shown


def _snakemake_running_in(directory: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cwd", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["cwd"] and Path(process.info["cwd"]) == directory and "snakemake" in cmdline:
            found.append(process)
    return found


def _rebuild(work: Path, *targets: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SKIP_SETUP": "1", "CORES": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(["bash", "scripts/rebuild.sh", *targets], cwd=work, env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.mark.pipeline
def test_rebuild_recovers_from_a_killed_run(tmp_path):
    """kill -9 of Snakemake while a job runs leaves a lock and an unfinished output behind;
    plain Snakemake then refuses to run, scripts/rebuild.sh recovers."""
    work = _copy_project(tmp_path).resolve()
    run = subprocess.Popen([*SNAKEMAKE, "--cores", "1", "validate"], cwd=work,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    incomplete = work / ".snakemake" / "incomplete"
    deadline = time.monotonic() + 300
    while not (incomplete.is_dir() and any(incomplete.iterdir())):
        assert run.poll() is None and time.monotonic() < deadline, "the job never started"
        time.sleep(0.05)
    jobs = psutil.Process(run.pid).children(recursive=True)
    run.kill()  # Snakemake dies; its job runs on and writes its output, still marked incomplete
    run.wait()
    psutil.wait_procs(jobs, timeout=300)
    assert any((work / ".snakemake" / "locks").iterdir())

    stuck = subprocess.run([*SNAKEMAKE, "--cores", "1", "validate"], cwd=work, capture_output=True, text=True,
                           timeout=300)
    assert stuck.returncode != 0 and "IncompleteFilesException" in stuck.stderr
    still_stuck = subprocess.run([*SNAKEMAKE, "--cores", "1", "--rerun-incomplete", "validate"], cwd=work,
                                 capture_output=True, text=True, timeout=300)
    assert still_stuck.returncode != 0 and "LockException" in still_stuck.stderr

    recovered = _rebuild(work, "validate")
    assert recovered.returncode == 0, recovered.stdout[-2000:] + recovered.stderr[-3000:]
    assert "Removing the stale lock" in recovered.stdout
    assert (work / "results" / "validation" / "raw_data_report.txt").exists()
    assert not any(incomplete.iterdir()) if incomplete.is_dir() else True
    assert not _snakemake_running_in(work)


@pytest.mark.pipeline
def test_rebuild_leaves_the_lock_of_a_running_snakemake_alone(tmp_path):
    work = _copy_project(tmp_path).resolve()
    locks = work / ".snakemake" / "locks"
    locks.mkdir(parents=True)
    (locks / "0.input.lock").write_text("")
    # a process in this directory whose command line names snakemake, as a running run's does
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)", "snakemake"], cwd=work)
    try:
        result = _rebuild(work, "validate")
    finally:
        other.kill()
        other.wait()
    assert result.returncode == 1
    assert "Another Snakemake run is working" in result.stderr and f"pid {other.pid}" in result.stderr
    assert (locks / "0.input.lock").exists()
