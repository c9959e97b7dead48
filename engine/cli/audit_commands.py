"""`layanan audit verify|export` and `layanan sla check`: the auditors' and supervisors' commands."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime, time, timezone

from .case_commands import _guard, _service
from .errors import CliError


@_guard
def cmd_audit_verify(args) -> int:
    from pathlib import Path

    from engine.audit.verify import verify

    verdict = verify(_service(args, need_library=False).store, anchors=Path(args.anchors) if args.anchors else None)
    print(verdict.message)
    if not verdict.ok and verdict.case_number:
        print(f"kasus: {verdict.case_number}")
    for note in verdict.notes:
        print(f"catatan: {note}", file=sys.stderr)
    return 0 if verdict.ok else 1


@_guard
def cmd_audit_checkpoint(args) -> int:
    from pathlib import Path

    from engine.audit.checkpoints import anchors_path, make_checkpoint

    anchors = Path(args.anchors) if args.anchors else anchors_path()
    made = make_checkpoint(_service(args, need_library=False).store, anchors=anchors)
    if made.checkpoint is None:
        print("tidak ada peristiwa baru sejak titik periksa terakhir")
        return 0
    print(f"titik periksa #{made.checkpoint.id}: {made.heads} rantai disegel; baris jangkar ditambahkan ke {anchors}:")
    print(made.line)
    return 0


def _day(text: str | None, end: bool = False):
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise CliError(f"tanggal '{text}' harus berformat YYYY-MM-DD")
    return datetime.combine(day, time.max if end else time.min, tzinfo=timezone.utc)


@_guard
def cmd_audit_export(args) -> int:
    from engine.audit.export import FIELDS, trail

    service = _service(args, need_library=False)
    rows = trail(service.store, case=args.case, start=_day(args.date_from), end=_day(args.date_to, end=True))
    out = open(args.out, "w", encoding="utf-8", newline="") if args.out else sys.stdout
    try:
        count = 0
        if args.format == "csv":
            writer = csv.DictWriter(out, fieldnames=FIELDS)
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "data": json.dumps(row["data"], ensure_ascii=False, sort_keys=True)})
                count += 1
        else:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                count += 1
    finally:
        if args.out:
            out.close()
    if args.out:
        print(f"{count} peristiwa ditulis ke {args.out}")
    return 0


@_guard
def cmd_sla_check(args) -> int:
    from engine.sla.monitor import run_pass

    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise CliError(f"waktu '{args.at}' bukan ISO 8601 (mis. 2026-03-26T09:00+08:00)")
        if at.tzinfo is None:
            raise CliError("waktu harus memuat zona, mis. 2026-03-26T09:00+08:00")
    from engine.sla.corrections import expire_corrections

    store = _service(args, need_library=False).store
    summary = run_pass(store, at)
    expired = expire_corrections(store, at)
    print(f"{summary.checked} kasus diperiksa: {summary.at_risk} berisiko, {summary.late} terlambat, "
          f"{summary.escalations} eskalasi" + (f"; {expired} ditutup karena tidak diperbaiki pemohon tepat waktu"
                                                if expired else ""))
    for office, count in sorted(summary.by_office.items()):
        print(f"  {office}: {count} eskalasi")
    return 0


@_guard
def cmd_sla_recompute(args) -> int:
    from engine.sla.calendar_change import follow_office_calendars
    from engine.sla.recompute import recompute

    service = _service(args, need_library=not args.check)
    if not args.check:  # the offices' calendars as their files say now: running cases follow them first
        service.directory.sync_offices()
        moved = follow_office_calendars(service.store, office_id=args.office).moved
        if moved:
            print(f"{len(moved)} kasus berjalan memakai kalender kerja kantor yang baru")
    summary = recompute(service.store, args.office, write=not args.check)
    verb = "berbeda" if args.check else "diperbaiki"
    print(f"{summary.checked} kasus berjalan diperiksa, {len(summary.changed)} batas waktu {verb}"
          + (f", {summary.skipped} dilewati (dibuka kembali atau hari kalender)" if summary.skipped else ""))
    for _case_id, number, old, new in summary.changed[:50]:
        print(f"  {number}: {old.astimezone(new.tzinfo):%Y-%m-%d %H.%M} -> {new:%Y-%m-%d %H.%M}")
    return 0


@_guard
def cmd_report(args) -> int:
    from engine.reports import render
    from engine.reports.report import build

    service = _service(args)
    if args.office not in service.library.offices:
        raise CliError(f"kantor '{args.office}' tidak dikenal; kantor: {', '.join(service.library.offices)}")
    start, end = _day(args.date_from).date(), _day(args.date_to).date()
    if end < start:
        raise CliError("--to lebih awal dari --from")
    report = build(service.store, args.office, start, end, service.library.offices[args.office].timezone)
    text = {"text": render.as_text, "csv": render.as_csv, "json": render.as_json,
            "html": render.as_html}[args.format](report)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text)
        print(f"laporan ditulis ke {args.out}")
    else:
        print(text)
    return 0
