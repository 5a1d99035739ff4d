#!/usr/bin/env bash
# Set up, rebuild every result from data/raw, and write the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
snakemake --cores "${CORES:-4}"
snakemake --cores "${CORES:-4}" --report results/report.html
echo "Report: results/report.html"
