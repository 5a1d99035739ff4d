#!/usr/bin/env bash
# Set up and run the whole test suite: unit tests, lint/format checks, a full pipeline run
# in a temporary directory, a reproducibility check, and the HTML report opened in a headless
# Chromium (tests/test_report.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

# The report test needs a Chromium. Install Debian's when it is missing and we may (root with
# apt-get); otherwise tests/test_report.py skips and says why.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
  && ! command -v google-chrome >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium for tests/test_report.py"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    echo "chromium is not installed and cannot be installed here (needs root and apt-get);" \
      "tests/test_report.py will be skipped" >&2
  fi
fi
python -m pytest "$@"
