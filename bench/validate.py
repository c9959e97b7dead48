"""Wall time of `layanan validate` as a whole process (Python start-up included), on the seed standards
and on 10x and 100x copies of them, to show it scales linearly.

    .venv/bin/python bench/validate.py [--runs 7]
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def copies(target: Path, factor: int) -> int:
    """A library with `factor` renamed copies of every seed standard (offices shared)."""
    shutil.copytree(ROOT / "standards" / "offices", target / "offices")
    count = 0
    for path in sorted((ROOT / "standards").rglob("*.yaml")):
        if "offices" in path.parts:
            continue
        text = path.read_text()
        ident = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("id: "))
        for n in range(factor):
            copy = text.replace(f"id: {ident}\n", f"id: {ident}-{n}\n", 1)
            for part in ("bontang-akta-perkawinan", "bontang-kartu-keluarga", "bontang-ktp-el"):
                copy = copy.replace(f"standard: {part}\n", f"standard: {part}-{n}\n")
            (target / f"{path.stem}-{n}.yaml").write_text(copy)
            count += 1
    return count


def timed(args, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "engine.cli.main", *args], cwd=ROOT, capture_output=True)
        samples.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(proc.stdout.decode() + proc.stderr.decode())
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    files = len(list((ROOT / "standards").rglob("*.yaml")))
    base = timed(["validate", "standards"], args.runs)
    print(f"layanan validate standards/   {files:5d} files  median {base * 1000:7.1f} ms  (goal < 500 ms)")
    startup = timed(["--version"], args.runs)
    print(f"python + layanan start-up only             median {startup * 1000:7.1f} ms")
    for factor in (10, 100):
        with tempfile.TemporaryDirectory() as tmp:
            count = copies(Path(tmp), factor)
            seconds = timed(["validate", tmp], max(3, args.runs // 2))
            per_file = (seconds - startup) / count * 1000
            print(f"layanan validate {factor:3d}x copies  {count:5d} files  median {seconds * 1000:7.1f} ms"
                  f"  ({per_file:.2f} ms per standard after start-up)")


if __name__ == "__main__":
    main()
