#!/usr/bin/env bash
# Create .venv with Python 3.12 and install the pinned project (and test tools).
set -euo pipefail
cd "$(dirname "$0")/.."
# First interpreter that is 3.12+: $PYTHON, python3.12, or python (pyenv + .python-version).
PY=""
for candidate in "${PYTHON:-}" python3.12 python3 python; do
  if [ -n "$candidate" ] && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
    PY=$candidate
    break
  fi
done
if [ -z "$PY" ]; then
  echo "Python 3.12 or newer is required (PyMC 6, ArviZ 1.x); install it or set PYTHON=/path/to/python3.12" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  rm -rf .venv
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==25.3"
.venv/bin/python -m pip install --quiet -e ".[test]"
