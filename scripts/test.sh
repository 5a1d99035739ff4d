#!/usr/bin/env bash
# Set up and run the whole test suite: unit tests, lint/format checks, a full pipeline run
# in a temporary directory, and a reproducibility check.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
python -m pytest "$@"
