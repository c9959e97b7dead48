"""The `layanan` command. Each subcommand imports only what it needs, so that commands that run no
flow (validate, list, show, deadline, calendar) start fast and never import Prefect or SQLAlchemy."""

from __future__ import annotations

import argparse
import sys


from .errors import CliError


def _add_validate(sub) -> None:
    p = sub.add_parser("validate", help="periksa berkas standar (YAML, skema, rujukan, alur)",
                       description="Periksa berkas atau folder standar. Keluar 0 bila semua sah, 1 bila ada kesalahan.")
    p.add_argument("paths", nargs="*", help="berkas atau folder (bawaan: standards/)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--no-warnings", action="store_true", help="tampilkan hanya kesalahan")
    p.set_defaults(run=_lazy("engine.cli.spec_commands", "cmd_validate"))


def _add_schema(sub) -> None:
    p = sub.add_parser("schema", help="cetak JSON Schema standar (Draft 2020-12)")
    p.set_defaults(run=_lazy("engine.cli.spec_commands", "cmd_schema"))


def _add_list(sub) -> None:
    p = sub.add_parser("list", help="daftar standar: id, judul, kantor, jangka waktu, biaya")
    p.add_argument("--standards", help="folder standar (bawaan: standards/ atau $LAYANAN_STANDARDS)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_lazy("engine.cli.spec_commands", "cmd_list"))


def _add_show(sub) -> None:
    p = sub.add_parser("show", help="ringkasan satu standar dalam bahasa Indonesia")
    p.add_argument("id", help="id standar atau paket")
    p.add_argument("--standards", help="folder standar (bawaan: standards/ atau $LAYANAN_STANDARDS)")
    p.set_defaults(run=_lazy("engine.cli.spec_commands", "cmd_show"))


def _add_deadline(sub) -> None:
    p = sub.add_parser("deadline", help="tanggal jatuh tempo: START + N hari kerja",
                       description="Cetak tanggal jatuh tempo (YYYY-MM-DD) di baris pertama. Hari START adalah hari "
                                   "ke-0; hari ke-1 adalah hari kerja berikutnya.")
    p.add_argument("start", help="tanggal persyaratan lengkap, YYYY-MM-DD")
    p.add_argument("days", type=int, help="jumlah hari kerja")
    p.add_argument("--office", help="id kantor (kalender dan zona waktunya)")
    p.add_argument("--start-day", choices=("day_0", "day_1"), default="day_0",
                   help="day_1: hari START dihitung hari ke-1 bila hari kerja")
    p.add_argument("--explain", action="store_true", help="jelaskan hari yang dilewati dan alasannya")
    p.add_argument("--standards", help="folder standar (untuk --office)")
    p.set_defaults(run=_lazy("engine.cli.calendar_commands", "cmd_deadline"))


def _add_calendar(sub) -> None:
    p = sub.add_parser("calendar", help="hari libur nasional, cuti bersama dan hari tutup kantor dalam setahun")
    p.add_argument("year", type=int)
    p.add_argument("--office", help="id kantor")
    p.add_argument("--standards", help="folder standar (untuk --office)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_lazy("engine.cli.calendar_commands", "cmd_calendar"))


def _lazy(module: str, name: str):
    def run(args):
        import importlib

        return getattr(importlib.import_module(module), name)(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="layanan",
        description="layanan: standar pelayanan publik sebagai YAML yang dapat dijalankan.",
    )
    parser.add_argument("--version", action="version", version="layanan 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="PERINTAH")
    for add in (_add_validate, _add_schema, _add_list, _add_show, _add_deadline, _add_calendar):
        add(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return args.run(args) or 0
    except CliError as exc:
        print(f"layanan: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `layanan list | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
