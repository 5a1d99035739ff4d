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
# Graphviz's `dot` lays out the model graph and the rule graph (Debian/Ubuntu: graphviz).
if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing graphviz (the 'dot' program draws the model and workflow graphs)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz
  else
    echo "Graphviz's 'dot' program is required; install it (e.g. 'sudo apt-get install graphviz'," \
      "'brew install graphviz' or 'conda install -c conda-forge graphviz') and rerun" >&2
    exit 1
  fi
fi
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
  rm -rf .venv
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade "pip==25.3"
.venv/bin/python -m pip install --quiet -e ".[test]"
