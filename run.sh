#!/usr/bin/env bash
# The one entry point on a fresh machine. It creates .venv and installs layanan on first use.
#   ./run.sh [--port P] [--host H]
#                      the main job: validate the standards, then start the web application on a fresh
#                      demo office (case store on SQLite + Prefect's local ephemeral API; nothing else to start)
#   ./run.sh demo      every seed standard end to end on the command line
#   ./run.sh test      the test suite (extra arguments go to pytest)
#   ./run.sh cluster   layanan on Prefect's server: PostgreSQL and Redis (installed and started when missing
#                      here), Prefect's API and services, orchestrators and web processes (docs/deploy.md)
#   ./run.sh ARGS...   any other `layanan` command, e.g. ./run.sh show kaltim-akses-data
set -euo pipefail
cd "$(dirname "$0")"
VENV=${LAYANAN_VENV:-.venv}
PYTHON=${PYTHON:-python3}

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "layanan needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))." >&2
  exit 1
fi
# System packages Python cannot bring: Pango for PDFs (WeasyPrint), and for the tests Debian's Chromium
# (the browser tests drive it; no browser is downloaded) and poppler-utils (the tests read PDFs back with
# pdftotext). Installed with apt-get when missing.
need_packages() {
  local missing=() libraries fonts
  # Read whole before matching: `ldconfig -p | grep -q` under pipefail fails when grep stops early (SIGPIPE).
  libraries=$(ldconfig -p 2>/dev/null || true)
  fonts=$(fc-list 2>/dev/null || true)
  [[ $libraries == *libpango-1.0.so* ]] || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  [[ ${fonts,,} == *dejavu* ]] || missing+=(fonts-dejavu-core)
  if [ "${1:-}" = test ] && ! command -v chromium >/dev/null; then missing+=(chromium); fi
  if [ "${1:-}" = test ] && ! command -v pdftotext >/dev/null; then missing+=(poppler-utils); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing system packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! command -v apt-get >/dev/null; then
    echo "Please install: ${missing[*]} (needs apt-get, or your system's equivalent)." >&2
    return 1
  fi
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
need_packages "${1:-main}"

if [ ! -x "$VENV/bin/layanan" ] || [ pyproject.toml -nt "$VENV/.installed" ]; then
  echo "Setting up $VENV (first run only)..." >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e ".[test]"
  touch "$VENV/.installed"
fi

case "${1:-main}" in
  --port|--host|--port=*|--host=*) set -- main "$@" ;;
esac

case "${1:-main}" in
  test)
    shift
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  cluster)
    shift
    "$VENV/bin/python" -c 'import psycopg, prefect_redis' 2>/dev/null || "$VENV/bin/python" -m pip install --quiet -e ".[cluster]"
    if [ -z "${LAYANAN_DATABASE_URL:-}" ]; then
      # A local PostgreSQL and Redis for trying it (as root, or with sudo): Debian's packages.
      sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      command -v pg_ctlcluster >/dev/null && command -v redis-server >/dev/null || {
        $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql redis-server >/dev/null; }
      version=$(ls /usr/lib/postgresql | sort -n | tail -1)
      $sudo pg_ctlcluster "$version" main start 2>/dev/null || true
      redis-cli ping >/dev/null 2>&1 || $sudo redis-server --daemonize yes --save "" --appendonly no --dir /tmp >/dev/null
      $sudo su postgres -c "psql -qtc \"SELECT 1 FROM pg_roles WHERE rolname='layanan'\" | grep -q 1 || psql -qc \"CREATE USER layanan PASSWORD 'layanan' CREATEDB\""
      $sudo su postgres -c "psql -qtc \"SELECT 1 FROM pg_database WHERE datname='layanan'\" | grep -q 1 || createdb -O layanan layanan"
      export LAYANAN_DATABASE_URL=postgresql+psycopg://layanan:layanan@localhost/layanan
      echo "Case store: $LAYANAN_DATABASE_URL (a local trial database; set LAYANAN_DATABASE_URL for a real one)" >&2
    fi
    exec "$VENV/bin/layanan" cluster "$@"
    ;;
  main)
    shift || true
    "$VENV/bin/layanan" validate --brief
    exec "$VENV/bin/layanan" serve --demo "$@"
    ;;
  *)
    exec "$VENV/bin/layanan" "$@"
    ;;
esac
