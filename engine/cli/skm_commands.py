"""`layanan skm`: the satisfaction survey's arithmetic for a file of responses, the minimum sample, and (with
the case store) importing responses and the office's SKM report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import CliError


def _number(value: float, places: int = 2) -> str:
    return f"{value:.{places}f}".replace(".", ",")


def cmd_hitung(args) -> int:
    from engine.skm.index import Convention, of_responses
    from engine.skm.questionnaire import questionnaire
    from engine.skm.sheet import SheetError, read

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"berkas '{args.file}' tidak ada")
    if path.stat().st_size > 25 * 1024 * 1024:
        raise CliError("berkas lebih dari 25 MB")
    try:
        responses = read(path.read_bytes(), path.name)
    except SheetError as exc:
        for line, message in exc.problems[:50]:
            print(f"{args.file}:{line}: {message}", file=sys.stderr)
        more = len(exc.problems) - 50
        raise CliError(f"{len(exc.problems)} baris bermasalah" + (f" ({more} tidak ditampilkan)" if more > 0 else "")
                       + "; tidak ada yang dihitung") from None
    try:
        convention = Convention(args.bobot, args.bulatkan)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    result = of_responses([r.scores for r in responses], convention)
    if args.format == "json":
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    names = {q.id: q.name for q in questionnaire().elements}
    print(f"{result.respondents} responden · {convention.describe()}")
    print(f"{'Unsur':<46} {'Jumlah':>7} {'NRR':>7} {'Tertimbang':>11}")
    for element in result.totals:
        print(f"{element} {names[element]:<43} {result.totals[element]:>7} {_number(result.nrr[element], 3):>7} "
              f"{_number(result.weighted[element], 3):>11}")
    print(f"IKM {_number(result.ikm, 3)} · IKM konversi {_number(result.converted)} · mutu {result.grade} "
          f"({result.performance})")
    print("Unsur terendah: " + ", ".join(f"{e} {names[e]} ({_number(result.nrr[e], 2)})" for e in result.lowest))
    return 0


def cmd_sampel(args) -> int:
    from engine.skm.sample import minimum_sample

    try:
        population = int(args.population)
    except ValueError:
        raise CliError("populasi harus bilangan bulat, mis. layanan skm sampel 1200") from None
    if population < 0:
        raise CliError("populasi tidak boleh negatif")
    sample = minimum_sample(population)
    print(sample)
    people = f"{population:,}".replace(",", ".")
    print(f"Populasi {people} orang: sampel minimal {sample} responden (tabel Krejcie dan Morgan, "
          f"PermenPAN-RB 14/2017)", file=sys.stderr)
    return 0
