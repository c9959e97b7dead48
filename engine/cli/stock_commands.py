"""`layanan stock`: the office's stock of consumables per service point (the KTP-el blanks): receipts from
the Dinas, the weekly return of spoiled pieces, transfers between units, balances, and the reconciliation
report. What a print step uses is recorded by the step itself."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone

from .errors import CliError


def add_parser(sub, lazy) -> None:
    p = sub.add_parser("stock", help="persediaan titik layanan (blanko KTP-el): terima, kembalikan, pindah, rekonsiliasi")
    ssub = p.add_subparsers(dest="stock_command", metavar="AKSI", required=True)
    for name, helptext in (("receive", "catat penerimaan dari Dinas (dengan nomor surat jalan)"),
                           ("return", "catat pengembalian barang rusak/gagal cetak ke Dinas (dengan berita acara)")):
        q = ssub.add_parser(name, help=helptext)
        q.add_argument("--office", required=True)
        q.add_argument("--unit", required=True, help="id titik layanan, mis. kec-balikpapan-kota")
        q.add_argument("--item", default="blangko_ktp_el")
        q.add_argument("--qty", required=True, help="jumlah keping")
        q.add_argument("--document", required=True, help="nomor surat jalan atau berita acara")
        q.add_argument("--as", dest="actor", default="pengurus_barang", help="yang mencatat")
        q.set_defaults(run=lazy("engine.cli.stock_commands", f"cmd_{name}"))
    t = ssub.add_parser("transfer", help="pindahkan persediaan antar titik layanan")
    t.add_argument("--office", required=True)
    t.add_argument("--from", dest="source", required=True)
    t.add_argument("--to", dest="target", required=True)
    t.add_argument("--item", default="blangko_ktp_el")
    t.add_argument("--qty", required=True)
    t.add_argument("--document", required=True)
    t.add_argument("--as", dest="actor", default="pengurus_barang")
    t.set_defaults(run=lazy("engine.cli.stock_commands", "cmd_transfer"))
    r = ssub.add_parser("report", help="rekonsiliasi per titik layanan untuk satu periode")
    r.add_argument("--office", required=True)
    r.add_argument("--item", default="blangko_ktp_el")
    r.add_argument("--unit")
    r.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
    r.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD")
    r.add_argument("--format", choices=("text", "json"), default="text")
    r.set_defaults(run=lazy("engine.cli.stock_commands", "cmd_report"))


def _context(args):
    from .case_commands import _service

    return _service(args)


def _guarded(body):
    def run(args):
        from .case_commands import _guard

        return _guard(body)(args)
    return run


@_guarded
def cmd_receive(args) -> int:
    from engine.stock import ledger

    service = _context(args)
    on_hand, _held = ledger.receive(service.store, service.library, args.office, args.unit, args.item, args.qty,
                                    args.document, args.actor, datetime.now(timezone.utc))
    print(f"diterima {args.qty}; sisa di {args.unit}: {on_hand}")
    return 0


@_guarded
def cmd_return(args) -> int:
    from engine.stock import ledger

    service = _context(args)
    _on_hand, held = ledger.return_spoiled(service.store, service.library, args.office, args.unit, args.item,
                                           args.qty, args.document, args.actor, datetime.now(timezone.utc))
    print(f"dikembalikan {args.qty}; barang rusak yang masih ditahan di {args.unit}: {held}")
    return 0


@_guarded
def cmd_transfer(args) -> int:
    from engine.stock import ledger

    service = _context(args)
    on_hand, _held = ledger.transfer(service.store, service.library, args.office, args.source, args.target,
                                     args.item, args.qty, args.document, args.actor, datetime.now(timezone.utc))
    print(f"dipindahkan {args.qty} dari {args.source} ke {args.target}; sisa di {args.target}: {on_hand}")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"tanggal '{text}' tidak sah: gunakan YYYY-MM-DD") from None


@_guarded
def cmd_report(args) -> int:
    from engine.stock import ledger

    start, end = _day(args.start), _day(args.end)
    if end < start:
        raise CliError("tanggal akhir sebelum tanggal awal")
    service = _context(args)
    found = ledger.reconcile(service.store, service.library, args.office, args.item, start, end, args.unit)
    if args.format == "json":
        json.dump([{"unit": r.unit_id, "opening": list(r.opening), "closing": list(r.closing), "totals": r.totals,
                    "ok": r.ok, "problems": r.problems} for r in found], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0 if all(r.ok for r in found) else 1
    print(f"{'Titik layanan':<36} {'awal':>6} {'terima':>6} {'masuk':>6} {'pakai':>6} {'rusak':>6} "
          f"{'keluar':>6} {'akhir':>6} {'kembali':>7} {'ditahan':>7}")
    for r in found:
        t = r.totals
        print(f"{r.unit_name[:36]:<36} {r.opening[0]:>6} {t['received']:>6} {t['transfer_in']:>6} {t['used']:>6} "
              f"{t['spoiled']:>6} {t['transfer_out']:>6} {r.closing[0]:>6} {t['returned']:>7} {r.closing[1]:>7}")
        for problem in r.problems:
            print(f"  SELISIH: {problem}")
    return 0 if all(r.ok for r in found) else 1
