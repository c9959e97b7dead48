"""deadline and calendar: working-day arithmetic from the command line (no Prefect, no database)."""

from __future__ import annotations

import datetime
import json
import sys

from ..calendar import UncoveredYear, WorkingCalendar, national_calendar
from .errors import CliError

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
         "November", "Desember")
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
KIND_LABELS = {"libur_nasional": "libur nasional", "cuti_bersama": "cuti bersama", "closure": "tutup kantor",
               "weekend": "akhir pekan"}


def tanggal(day: datetime.date) -> str:
    return f"{HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}"


def _calendar(args) -> WorkingCalendar:
    if not args.office:
        return national_calendar()
    from ..standard.model import LibraryError, load_library

    try:
        library = load_library(args.standards)
    except LibraryError as exc:
        raise CliError(f"standar tidak sah ({len(exc.diagnostics)} kesalahan): jalankan layanan validate", 1) from None
    if args.office not in library.offices:
        from ..standard.diagnostics import suggest

        hint = suggest(args.office, library.offices)
        raise CliError(f"kantor '{args.office}' tidak dikenal" + (f" (maksud Anda '{hint}'?)" if hint else ""))
    return WorkingCalendar.from_office(library.offices[args.office].data)


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"tanggal '{text}' tidak sah: gunakan YYYY-MM-DD") from None


def _reasons(reasons) -> str:
    parts = []
    for r in reasons:
        label = KIND_LABELS.get(r.kind, r.kind)
        text = r.name if r.kind == "weekend" else f"{r.name} ({label})"
        parts.append(text + (" [tanggal perkiraan]" if r.estimated else ""))
    return "; ".join(parts)


def cmd_deadline(args) -> int:
    start = _date(args.start)
    if args.days < 0:
        raise CliError("jumlah hari kerja tidak boleh negatif")
    calendar = _calendar(args)
    try:
        due = calendar.due(start, args.days, args.start_day)
        rows = calendar.explain(start, args.days, args.start_day) if args.explain else []
    except UncoveredYear as exc:
        raise CliError(str(exc)) from None
    print(due.date().isoformat())
    zone = ZONE_NAMES.get(calendar.timezone, calendar.timezone)
    where = f"kantor {args.office}" if args.office else "kalender nasional"
    print(f"Jatuh tempo {tanggal(due.date())} pukul {due:%H:%M} {zone} ({args.days} hari kerja sejak "
          f"{tanggal(start)}, {where})")
    provisional = sorted({y for y in range(start.year, due.year + 1) if calendar.provisional(y)})
    if provisional:
        years = ", ".join(str(y) for y in provisional)
        print(f"Sementara: SKB cuti bersama {years} belum ada; dihitung dengan hari libur nasional saja. Setelah "
              f"SKB terbit, jalankan `layanan sla recompute` untuk kasus yang berjalan.")
    if args.explain:
        if not rows or rows[0][0] != start:
            print(f"{start.isoformat()}  {HARI[start.weekday()]:<6}  hari ke-0: persyaratan lengkap")
        for day, number, reasons in rows:
            label = f"hari kerja ke-{number}" if number else "dilewati: " + _reasons(reasons)
            if number and reasons:
                label += " (" + _reasons(reasons) + ")"
            print(f"{day.isoformat()}  {HARI[day.weekday()]:<6}  {label}")
    return 0


def cmd_calendar(args) -> int:
    calendar = _calendar(args)
    try:
        days = calendar.non_working_days(args.year)
    except UncoveredYear as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        json.dump([{"date": d.isoformat(), "weekday": HARI[d.weekday()],
                    "reasons": [{"name": r.name, "kind": r.kind, "estimated": r.estimated} for r in reasons]}
                   for d, reasons in days], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    where = f"kantor {args.office}" if args.office else "nasional"
    print(f"Hari libur dan cuti bersama {args.year} ({where}); akhir pekan tidak dicantumkan")
    for day, reasons in days:
        print(f"{day.isoformat()}  {HARI[day.weekday()]:<6}  {_reasons(reasons)}")
    weekday_count = sum(1 for d, _ in days if d.weekday() < 5)
    print(f"{len(days)} tanggal, {weekday_count} di antaranya jatuh pada hari Senin-Jumat", file=sys.stderr)
    return 0
