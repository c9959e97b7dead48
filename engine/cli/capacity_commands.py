"""`layanan staffing`: the officers a counter needs (Erlang C, engine/capacity/erlang.py). Pure arithmetic:
no database is opened."""

from __future__ import annotations

import json
import sys

from .errors import CliError


def add_parser(sub, lazy) -> None:
    p = sub.add_parser("staffing", help="jumlah petugas loket untuk target layanan (Erlang C)")
    p.add_argument("--arrivals", required=True, help="jumlah pemohon datang dalam satu periode")
    p.add_argument("--per", required=True, metavar="MENIT", help="panjang periode (menit)")
    p.add_argument("--handling", required=True, metavar="MENIT", help="lama layanan rata-rata (menit)")
    p.add_argument("--target", required=True, metavar="PERSEN",
                   help="persentase pemohon yang dilayani dalam batas tunggu, mis. 80")
    p.add_argument("--within", required=True, metavar="DETIK", help="batas tunggu (detik)")
    p.add_argument("--shrinkage", default="0", metavar="PERSEN",
                   help="waktu petugas tidak di loket: istirahat, cuti, pelatihan (bawaan 0)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=lazy("engine.cli.capacity_commands", "cmd_staffing"))
    q = sub.add_parser("simulate", help="simulasi satu standar: persentase kasus dalam jangka waktu, antrean, "
                                        "keterisian petugas (dengan skenario 'bagaimana jika')")
    q.add_argument("standard", metavar="ID")
    q.add_argument("--variant")
    q.add_argument("--channel")
    q.add_argument("--arrivals", help="permohonan per hari kerja (bawaan: dari riwayat 90 hari)")
    q.add_argument("--officers", action="append", default=[], metavar="PERAN=N",
                   help="petugas per peran (bawaan: Jumlah Pelaksana kantor)")
    q.add_argument("--what-if", dest="what_if", action="append", default=[], metavar="PERAN=N",
                   help="bandingkan dengan petugas sebanyak ini untuk peran itu")
    q.add_argument("--handling", action="append", default=[], metavar="LANGKAH=MENIT")
    q.add_argument("--days", default="250", help="hari kerja disimulasikan (bawaan 250, setahun)")
    q.add_argument("--replications", default="20")
    q.add_argument("--workers", default="0", help="proses paralel untuk ulangan (bawaan: jumlah inti CPU)")
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.set_defaults(run=lazy("engine.cli.capacity_commands", "cmd_simulate"))


def _number(value: str, option: str) -> float:
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise CliError(f"{option}: '{value}' bukan angka") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CliError(f"{option}: '{value}' bukan angka")
    return number


def cmd_staffing(args) -> int:
    from engine.capacity.erlang import staffing

    for name in ("arrivals", "per", "handling", "target", "within", "shrinkage"):
        setattr(args, name, _number(getattr(args, name), f"--{name}"))
    try:
        result = staffing(args.arrivals, args.per * 60, args.handling * 60, args.target / 100, args.within,
                          args.shrinkage / 100)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        json.dump(result.as_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    percent = lambda x: f"{x * 100:.1f}".replace(".", ",") + " %"  # noqa: E731
    print(f"Beban kerja {result.intensity:.2f} erlang (petugas penuh waktu)".replace(".", ","))
    print(f"Petugas di loket: {result.officers} (melayani {percent(result.service_level)} dalam "
          f"{args.within:g} detik; peluang menunggu {percent(result.waiting_probability)}, rata-rata tunggu "
          f"{result.average_wait:.0f} detik, keterisian {percent(result.occupancy)})")
    print(f"Petugas dijadwalkan dengan shrinkage {args.shrinkage:g} %: {result.scheduled}".replace(".", ","))
    return 0


def _pairs(values: list[str], option: str, kind=int) -> dict:
    found = {}
    for value in values:
        key, _, number = value.partition("=")
        if not key or not number:
            raise CliError(f"{option}: '{value}' harus berbentuk NAMA=ANGKA")
        found[key.strip()] = kind(_number(number, option))
    return found


def cmd_simulate(args) -> int:
    from datetime import date

    from engine.capacity.simulation import simulate
    from engine.errors import CaseError
    from engine.reports.capacity import model_for

    from .case_commands import _service

    days = int(_number(args.days, "--days"))
    replications = int(_number(args.replications, "--replications"))
    import os

    workers = int(_number(args.workers, "--workers")) or min(os.cpu_count() or 1, replications)
    if not 1 <= days <= 2500 or not 2 <= replications <= 200 or not 1 <= workers <= 64:
        raise CliError("--days 1 sampai 2500, --replications 2 sampai 200, --workers 1 sampai 64")
    service = _service(args)
    options = {"variant": args.variant, "channel": args.channel, "officers": _pairs(args.officers, "--officers"),
               "arrivals": _number(args.arrivals, "--arrivals") if args.arrivals else None,
               "handling": _pairs(args.handling, "--handling", float), "days": days}
    try:
        model, notes = model_for(service.store, service.library, args.standard, until=date.today(), **options)
        scenarios = [("sekarang", model)]
        if args.what_if:
            changed = {**options["officers"], **_pairs(args.what_if, "--what-if")}
            scenarios.append(("bagaimana jika", model_for(service.store, service.library, args.standard,
                                                          until=date.today(), **{**options, "officers": changed})[0]))
        results = [(name, m, simulate(m, replications, workers=workers)) for name, m in scenarios]
    except (CaseError, ValueError) as exc:
        raise CliError(getattr(exc, "message", str(exc))) from None
    if args.format == "json":
        json.dump({"notes": notes, "scenarios": [{"name": n, "officers": m.officers, **r.as_dict()}
                                                 for n, m, r in results]}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for note in notes:
        print(f"  {note}")
    for name, m, r in results:
        officers = ", ".join(f"{role} {n}" for role, n in sorted(m.officers.items()))
        print(f"{name.capitalize()}: {officers}")
        if r.within_limit:
            w = r.within_limit
            print(f"  dalam jangka waktu {m.limit_text}: {w.mean * 100:.1f} % "
                  f"(95 %: {w.low * 100:.1f}-{w.high * 100:.1f} %)".replace(".", ","))
        for role in sorted(r.utilisation):
            u, q, wait = r.utilisation[role], r.queue_length[role], r.waiting_minutes[role]
            print(f"  {role}: keterisian {u.mean * 100:.0f} %, antrean rata-rata {q.mean:.1f}, "
                  f"tunggu rata-rata {wait.mean:.0f} menit".replace(".", ","))
    return 0
