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
