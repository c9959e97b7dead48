"""Instructions per case, counted by valgrind's callgrind: a figure that does not move with the machine's
load (wall-clock figures here move by a third between runs). Run by hand, not as a test; needs valgrind
(Debian: apt-get install valgrind).

    .venv/bin/python bench/instructions.py [--cases 40] [--only layanan,floor,spiff,transaction]

layanan      one bench case (bench/engine.py: intake -> process -> verify, 10% returned once -> sign ->
             print -> hand-over) through the case service, one officer at a time
floor        the same rows written through the sqlite3 driver with no engine (bench/engine.py's FloorRunner)
spiff        the same procedure on SpiffWorkflow, its state saved after every step
transaction  one empty write transaction of the case store (per transaction, not per case)
layanan@16   layanan with 16 officers at once through the service's _async actions (group commit, as the
             web pages run it: bench/engine.py --officers 16)
spiff@16     SpiffWorkflow with the same 16 officers and the same group commit (bench/engine.py DriverGroups)
floor@16     the floor with the same 16 officers and the same group commit

Each figure is the difference between a run of --cases items and a run of none (start-up, imports and the
warm-up cancel out), divided by --cases. What callgrind counts is user-space work: the kernel's share of a
commit (writing SQLite's log) is not in it, so it tells CPU work, not the disk's.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(target: str, count: int) -> None:
    import importlib.util

    sys.argv = [sys.argv[0]]
    # bench/engine.py under another name: "engine" is layanan's package.
    spec = importlib.util.spec_from_file_location("bench_engine", HERE / "engine.py")
    bench_engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_engine)

    target, _at, officers = target.partition("@")
    if target == "spiff":
        runner = bench_engine.SpiffRunner(bench_engine.WORK / "spiff.db")
    else:
        service = bench_engine.fresh_service(target)
        runner = bench_engine.FloorRunner(service) if target == "floor" else bench_engine.LayananRunner(service)
    if officers:  # the officers' event loop is started in both counts, so it cancels out too
        bench_engine._officers_at_once(runner, 2 * int(officers), 1000, int(officers))
        bench_engine._officers_at_once(runner, count, 0, int(officers))
        return
    for i in range(10):  # warm-up: caches, first statements, every path of the procedure
        runner.run_case(1000 + i)
    if target == "transaction":
        for _ in range(count):
            with service.store.transaction():
                pass
        return
    for i in range(count):
        runner.run_case(i)


def counted(target: str, count: int) -> int:
    with tempfile.TemporaryDirectory(prefix="layanan-callgrind-") as scratch:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={scratch}/out", sys.executable, __file__,
             "--child", target, "--cases", str(count)],
            capture_output=True, text=True, env=dict(os.environ, TMPDIR=scratch))
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"callgrind failed for {target}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--only", default="layanan,floor,spiff,transaction")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.cases)
        return
    per = {}
    for target in args.only.split(","):
        items = args.cases if target != "transaction" else 50 * args.cases
        per[target] = (counted(target, items) - counted(target, 0)) / items
        if target == "transaction":
            print(f"  {target:12} {per[target] / 1e3:7.1f} k instructions per empty write transaction", flush=True)
        else:
            print(f"  {target:12} {per[target] / 1e6:7.2f} M instructions per case", flush=True)
    if "layanan@16" in per and "spiff@16" in per:
        print(f"  with 16 officers at once, SpiffWorkflow runs {per['spiff@16'] / per['layanan@16']:.2f}x the "
              "instructions of layanan per case"
              + (f", {per['spiff@16'] / per['floor@16']:.2f}x those of the floor" if "floor@16" in per else ""))
    if "layanan" in per and "spiff" in per:
        print(f"  SpiffWorkflow runs {per['spiff'] / per['layanan']:.2f}x the instructions of layanan per case"
              + (f", {per['spiff'] / per['floor']:.2f}x those of the floor" if "floor" in per else ""))


if __name__ == "__main__":
    main()
