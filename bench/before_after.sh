#!/usr/bin/env bash
# Before and after in one run: the same bench command from a git worktree of REV (the code before a change)
# and from this working tree, alternately, ROUNDS times (so that both meet the same machine at the same time).
#   bench/before_after.sh REV [ROUNDS] -- COMMAND...
# e.g. bench/before_after.sh HEAD~1 -- bench/prefect_drain.py --url postgresql+psycopg://layanan:layanan@localhost/bench_drain --cases 300 --configs 1x8
# COMMAND is run with this tree's .venv python, from each tree's root (a bench puts its own tree first on
# sys.path and starts its processes there, so each tree runs its own code).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rev=$1; shift
rounds=1
if [ "${1:-}" != "--" ]; then rounds=$1; shift; fi
[ "${1:-}" = "--" ] && shift
before=$(mktemp -d /tmp/layanan-before-XXXX)
git -C "$here" worktree add --detach "$before" "$rev" >/dev/null 2>&1
trap 'git -C "$here" worktree remove --force "$before" >/dev/null 2>&1 || true' EXIT
for round in $(seq 1 "$rounds"); do
  for tree in "$before" "$here"; do
    label=$([ "$tree" = "$here" ] && echo "after (working tree)" || echo "before ($rev)")
    echo "== round $round, $label"
    (cd "$tree" && "$here/.venv/bin/python" "$@")
  done
done
