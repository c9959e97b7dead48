#!/usr/bin/env bash
# The one entry point on a fresh machine. It creates .venv and installs layanan on first use.
#   ./run.sh           the main job: validate the standards, then run every seed standard end to end
#                      (case store on SQLite + Prefect's local ephemeral API; no server to start)
#   ./run.sh test      the test suite (extra arguments go to pytest)
#   ./run.sh ARGS...   any other `layanan` command, e.g. ./run.sh show kaltim-akses-data
set -euo pipefail
cd "$(dirname "$0")"
VENV=${LAYANAN_VENV:-.venv}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "layanan needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
if [ ! -x "$VENV/bin/layanan" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
  echo "Setting up $VENV (first run only)..." >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[test]"
  touch "$VENV/.installed"
fi

case "${1:-main}" in
  test)
    shift
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  main)
    "$VENV/bin/layanan" validate
    "$VENV/bin/layanan" list
    echo
    exec "$VENV/bin/layanan" demo
    ;;
  *)
    exec "$VENV/bin/layanan" "$@"
    ;;
esac
