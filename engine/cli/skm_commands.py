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


def _office_and_service(args):
    from .case_commands import _service

    service = _service(args)
    office = service.library.offices.get(args.office)
    if office is None:
        raise CliError(f"kantor '{args.office}' tidak dikenal; kantor: {', '.join(service.library.offices)}")
    standard = getattr(args, "standard", None)
    if standard and (standard not in service.library.standards
                     or service.library.standards[standard].office.id != office.id):
        raise CliError(f"standar '{standard}' tidak dikenal di {office.id}")
    return service, office, standard


def _guarded(fn):
    from .case_commands import _guard

    return _guard(fn)


def cmd_impor(args) -> int:
    return _guarded(_impor)(args)


def _impor(args) -> int:
    from engine.cases.service import now
    from engine.skm.sheet import SheetError, read
    from engine.survey.responses import import_responses

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"berkas '{args.file}' tidak ada")
    service, office, standard = _office_and_service(args)
    try:
        rows = read(path.read_bytes(), path.name)
    except SheetError as exc:
        for line, message in exc.problems[:50]:
            print(f"{args.file}:{line}: {message}", file=sys.stderr)
        raise CliError(f"{len(exc.problems)} baris bermasalah; tidak ada yang disimpan") from None
    from zoneinfo import ZoneInfo

    day = now().astimezone(ZoneInfo(office.timezone)).date()
    count = import_responses(service.store, office.id, standard, None, rows, day, args.as_user or "cli")
    print(f"{count} jawaban tersimpan untuk {office.name}" + (f" ({standard})" if standard else ""))
    return 0


def cmd_laporan(args) -> int:
    return _guarded(_laporan)(args)


def _laporan(args) -> int:
    from engine.skm.periods import parse
    from engine.survey.render import report_html, report_pdf
    from engine.survey.results import results

    service, office, standard = _office_and_service(args)
    try:
        period = parse(args.periode)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    titles = {s.id: s.title for s in service.library.standards.values()}
    found = results(service.store, office, period, standard_id=standard, titles=titles)
    if args.format == "pdf":
        if not args.out:
            raise CliError("PDF perlu --out BERKAS.pdf")
        Path(args.out).write_bytes(report_pdf(found))
        print(f"ditulis ke {args.out}")
        return 0
    if args.format == "html":
        text = str(report_html(found))
    elif args.format == "json":
        overall = found["overall"]
        text = json.dumps({"office": office.id, "period": period.label, "population": found["population"],
                           "minimum_sample": found["minimum"], "channels": found["channels"],
                           "overall": overall.as_dict() if overall else None,
                           "services": [{"standard": g["standard"], "population": g["population"],
                                         "minimum_sample": g["minimum"], **g["result"].as_dict()}
                                        for g in found["services"]]}, ensure_ascii=False, indent=2)
    else:
        overall = found["overall"]
        lines = [f"Survei Kepuasan Masyarakat {office.name}, {period.name}"]
        if overall is None:
            lines.append("Belum ada jawaban survei untuk periode ini.")
        else:
            lines.append(f"{overall.respondents} responden (sampel minimal {found['minimum']} dari "
                         f"{found['population']} penerima layanan) · IKM konversi {_number(overall.converted)} · "
                         f"mutu {overall.grade} ({overall.performance})")
            lines += [f"  {g['title']}: {g['result'].respondents} responden, IKM {_number(g['result'].converted)} "
                      f"({g['result'].grade})" for g in found["services"]]
            lines.append(f"Cara hitung: {overall.convention.describe()}")
        text = "\n".join(lines)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"ditulis ke {args.out}")
    else:
        print(text)
    return 0
