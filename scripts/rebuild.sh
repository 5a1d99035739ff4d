#!/usr/bin/env bash
# Set up, rebuild every result from data/raw, and write the HTML report.
#
#   bash scripts/rebuild.sh            # everything, then results/report.html
#   bash scripts/rebuild.sh sbc        # only these Snakemake targets (no report)
#
# Environment: CORES (default 4); SKIP_SETUP=1 skips the install step when .venv is set up.
# Safe to rerun after an interrupted run (Ctrl-C, a killed terminal, kill -9): it removes a
# stale lock when no other Snakemake process works in this directory, and reruns the jobs
# whose outputs were left incomplete (docs/usage.md, "After an interruption").
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_SETUP:-0}" != 1 ]; then
  bash scripts/setup.sh
fi
if [ -x .venv/bin/python ]; then
  export PATH="$PWD/.venv/bin:$PATH"
fi
cores="${CORES:-4}"

# A run killed without cleaning up (kill -9, a closed SSH session) leaves its lock in
# .snakemake/locks and every later run stops with LockException. Remove the lock only if no
# Snakemake process (or one of its jobs) is still working in this directory.
if [ -n "$(ls -A .snakemake/locks 2>/dev/null)" ]; then
  running=$(python - <<'EOF'
import os

import psutil

here = os.path.realpath(os.getcwd())
for process in psutil.process_iter(["pid", "cwd", "cmdline"]):
    info = process.info
    if info["pid"] == os.getpid() or not info["cwd"] or not info["cmdline"]:
        continue
    if os.path.realpath(info["cwd"]) == here and "snakemake" in " ".join(info["cmdline"]):
        print(f"  pid {info['pid']}: {' '.join(info['cmdline'])[:120]}")
EOF
)
  if [ -n "$running" ]; then
    echo "Another Snakemake run is working in $PWD; wait for it to finish or stop it:" >&2
    echo "$running" >&2
    exit 1
  fi
  echo "Removing the stale lock of an interrupted run (no Snakemake process works here)."
  snakemake --unlock --cores 1
fi

# --rerun-incomplete: rerun jobs whose outputs an interrupted run left behind unfinished.
if [ "$#" -gt 0 ]; then
  exec snakemake --cores "$cores" --rerun-incomplete "$@"
fi
snakemake --cores "$cores" --rerun-incomplete
snakemake --cores "$cores" --report results/report.html --report-stylesheet workflow/report/report.css
echo "Report: results/report.html"
