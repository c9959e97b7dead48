"""Command-line access to the case store: db, user, case, task, worker, demo. Only `worker` and `demo`
import Prefect; the others answer from the case store alone, so an officer never waits for it."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from engine.errors import CaseError
from engine.standard import wording
from engine.store.db import StoreError

from .errors import CliError
from .passphrase import signing_proof


def _service(args, need_library: bool = True):
    from engine.cases.service import CaseService
    from engine.standard.model import LibraryError, load_library
    from engine.store.db import Store

    library = None
    if need_library:
        try:
            library = load_library(getattr(args, "standards", None))
        except LibraryError as exc:
            raise CliError(f"standar tidak sah ({len(exc.diagnostics)} kesalahan): jalankan `layanan validate`")
    try:
        return CaseService(Store(), library)
    except StoreError as exc:
        raise CliError(str(exc), 2)


def _guard(fn):
    def run(args):
        try:
            return fn(args)
        except CaseError as exc:
            raise CliError(str(exc), exc.code) from None
        except StoreError as exc:
            raise CliError(str(exc), 2) from None
    return run


def _read_json(path: str, what: str) -> dict:
    try:
        text = Path(path).read_text(encoding="utf-8") if path != "-" else __import__("sys").stdin.read()
    except OSError as exc:
        raise CliError(f"{path}: tidak dapat dibaca ({exc.strerror})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}:{exc.lineno}:{exc.colno}: {what} bukan JSON yang sah ({exc.msg})")
    if not isinstance(data, dict):
        raise CliError(f"{path}: {what} harus berupa objek JSON")
    return data


def _local(value: datetime | None, tz: str | None = None) -> str:
    if value is None:
        return "-"
    from zoneinfo import ZoneInfo

    value = value.astimezone(ZoneInfo(tz)) if tz else value
    return value.strftime("%Y-%m-%d %H:%M %Z")


@_guard
def cmd_db_upgrade(args) -> int:
    from engine.store.db import database_url, upgrade

    before, after = upgrade()
    url = database_url()
    shown = url.split("@")[-1] if "@" in url else url
    print(f"basis data {shown}: {before or 'kosong'} -> {after}")
    return 0


@_guard
def cmd_user_add(args) -> int:
    if not (args.role or args.admin or args.auditor):
        raise CliError("beri sedikitnya satu --role (atau --auditor / --admin)")
    service = _service(args)
    password = _read_password(args, office=args.office, full_name=args.name or "") if args.password_stdin else None
    service.directory.add_user(args.username, args.name or args.username, args.office, args.role)
    if args.admin:
        service.directory.set_admin(args.username, True)
    if args.auditor:
        service.directory.set_auditor(args.username, True)
    if password:
        from engine.access.passwords import hash_password

        service.directory.set_password(args.username, hash_password(password))
    print(f"pengguna {args.username} ({args.office}): {', '.join(args.role) or '-'}"
          + (" · admin" if args.admin else "") + (" · auditor" if args.auditor else "") + ("" if password else
                                                  f" · atur kata sandi: layanan user password {args.username}"))
    return 0


def _read_password(args, *, office: str = "", full_name: str = "") -> str:
    import getpass
    import sys

    from engine.access.passwords import password_problem

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Kata sandi baru: ")
        if getpass.getpass("Ulangi: ") != password:
            raise CliError("kata sandi tidak sama")
    problem = password_problem(password, username=args.username, full_name=full_name, office=office)
    if problem:
        raise CliError(problem)
    return password


@_guard
def cmd_user_password(args) -> int:
    from engine.access.passwords import hash_password

    service = _service(args, need_library=False)
    service.directory.set_password(args.username, hash_password(_read_password(args)))
    print(f"kata sandi {args.username} diperbarui")
    return 0


@_guard
def cmd_case_extend(args) -> int:
    from engine.cases.queries import case_view

    service = _service(args)
    view = case_view(service.store, args.case)
    due = service.extend_time(view["id"], args.as_user, args.reason)
    print(f"Jangka waktu {view['number']} diperpanjang: jatuh tempo {_local(due, _tz(service, view))}")
    return 0


@_guard
def cmd_case_new(args) -> int:
    payload = _read_json(args.applicant, "berkas pemohon")
    unknown = sorted(set(payload) - {"applicant", "answers", "requirements", "unit"})
    if unknown:
        raise CliError(f"{args.applicant}: kunci '{unknown[0]}' tidak dikenal; gunakan applicant, answers, "
                       "requirements, unit")
    service = _service(args)
    case_id = service.open_case(args.standard, payload.get("applicant"), variant=args.variant,
                                channel=args.channel, unit=args.unit or payload.get("unit"),
                                answers=payload.get("answers"), requirements=payload.get("requirements"),
                                actor=getattr(args, "as_user", None), allow_incomplete=args.incomplete)
    from engine.cases.queries import case_view

    view = case_view(service.store, case_id)
    if args.json:
        print(json.dumps(view, default=str, indent=2, ensure_ascii=False))
        return 0
    print(f"Kasus {view['number']} dicatat ({view['status_label']}). Kode tanda terima: {view['receipt_code']}")
    if view["due_at"]:
        print(f"Jatuh tempo: {_local(view['due_at'], _tz(service, view))}"
              + (" (sementara: SKB cuti bersama tahun itu belum ada)" if view.get("due_provisional") else ""))
    _print_open(view)
    return 0


def _tz(service, view) -> str | None:
    office = service.library.offices.get(view["office"]) if service.library else None
    return office.timezone if office else None


def _print_open(view) -> None:
    for t in view["tasks"]:
        if t["status"] in ("open", "claimed"):
            who = "sistem (Prefect, `layanan worker`)" if t["role"] == "sistem" else t["role"]
            print(f"Tugas berikutnya: #{t['task']} {t['step']} ({t['kind']}) untuk {who}")


@_guard
def cmd_case_find(args) -> int:
    from sqlalchemy import select

    from engine.cases.finding import Search, find
    from engine.cases.service import now
    from engine.store.models import Office

    service = _service(args, need_library=False)
    search = Search.of({"q": args.text, "standard": args.standard, "step": args.step, "status": args.status,
                        "sla": args.sla, "from": args.received_from, "to": args.received_to,
                        "page": args.page, "size": args.limit})
    for name, given, kept in (("--status", args.status, search.status), ("--sla", args.sla, search.sla)):
        if given and not kept:
            raise CliError(f"{name} '{given}' tidak dikenal; lihat `layanan case find --help`")
    with service.store.read() as s:
        offices = args.office or list(s.scalars(select(Office.id)))
    result = find(service.store, search, offices=offices, at=now())
    if args.json:
        print(json.dumps(result, default=str, indent=2, ensure_ascii=False))
        return 0
    if result.get("unsearchable"):
        print("Teks terlalu panjang untuk dicari; tidak ada hasil.")
        return 0
    print(f"{result['total']} kasus" + (f" · halaman {result['page']} dari {result['pages']}"
                                         if result["pages"] > 1 else ""))
    for r in result["rows"]:
        print(f"  {r['number']}  {_local(r['received_at'])[:10]}  {r['applicant'] or '-'}  "
              f"{r['status_label']}{'  · ' + r['step_name'] if r['step_name'] else ''}  ({r['standard']})")
    return 0


@_guard
def cmd_case_show(args) -> int:
    from engine.cases.queries import case_view

    service = _service(args)
    view = case_view(service.store, args.case)
    if args.json:
        print(json.dumps(view, default=str, indent=2, ensure_ascii=False))
        return 0
    tz = _tz(service, view)
    sla = view["sla"]
    print(f"{view['number']}  {view['title']} (versi {view['version']})")
    print(f"  varian/kanal : {view['variant'] or '-'} / {view['channel'] or '-'}   unit: {view['unit'] or '-'}")
    print(f"  status       : {view['status_label']}" + (f" - {view['close_reason']}" if view['close_reason'] else ""))
    print(f"  diterima     : {_local(view['received_at'], tz)}")
    print(f"  jam SLA mulai: {_local(view['clock_started_at'], tz)}")
    print(f"  jatuh tempo  : {_local(view['due_at'], tz)}" + (" (sementara)" if view["due_provisional"] else "")
          + f"   SLA: {sla['status']}" + (" (keputusan penolakan)" if view["status"] == "rejected" else "")
          + (f", sisa {sla['days_left']} hari kerja" if sla["days_left"] is not None else ""))
    if view["parts"]:
        print("  bagian paket : " + ", ".join(f"{p['part']} {p['number']} ({p['status']})" for p in view["parts"]))
    missing = [r["id"] for r in view["requirements"] if not r["received"]]
    print(f"  persyaratan  : {len(view['requirements']) - len(missing)}/{len(view['requirements'])} diterima"
          + (f"; belum: {', '.join(missing)}" if missing else ""))
    for p in view["products"]:
        print(f"  produk       : {p['product']} {p['number'] or '(tanpa nomor)'}"
              + (" - diserahkan" if p["handed_over_at"] else ""))
    for d in view["documents"]:
        if d["signed_by"]:
            print(f"  ditandatangani: {d['product']} oleh {d['signed_by']} sha256 {d['sha256'][:16]}...")
    run = view["flow_run"]
    if run:
        print(f"  Prefect      : flow {run['flow']}, flow run {run['id'] or '(belum dibuat)'} ({run['state']}"
              + (", menunggu sinkron" if run["pending"] else "") + ")")
    print("  riwayat:")
    for t in view["tasks"]:
        when = _local(t["completed_at"] or t["created_at"], tz)
        status = t["outcome"] or t["status"]
        print(f"    #{t['task']:<5} {t['step']:<24} {t['role']:<22} {status:<20} {t['by'] or '':<28} {when}")
    return 0


@_guard
def cmd_task_list(args) -> int:
    from engine.cases.queries import worklist

    service = _service(args, need_library=False)
    rows = worklist(service.store, office=args.office, roles=[args.role] if args.role else None,
                    user=getattr(args, "as_user", None), limit=args.limit)
    if args.json:
        print(json.dumps(rows, default=str, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("Tidak ada tugas terbuka.")
        return 0
    from .text import grid

    print(grid([[f"#{r['task']}", r["case"], r["standard"], r["step"], r["role"], r["status"],
                  r["assignee"] or "", r["due_at"].strftime("%Y-%m-%d") if r["due_at"] else "-",
                  r["sla"]["status"], ",".join(r["outcomes"])] for r in rows],
                ["TUGAS", "KASUS", "STANDAR", "LANGKAH", "PERAN", "STATUS", "PETUGAS", "JATUH TEMPO", "SLA",
                 "HASIL"]))
    return 0


@_guard
def cmd_task_claim(args) -> int:
    _service(args).claim(args.task, args.as_user)
    print(f"tugas #{args.task} diambil oleh {args.as_user}")
    return 0


@_guard
def cmd_task_release(args) -> int:
    _service(args).release(args.task, args.as_user)
    print(f"tugas #{args.task} dilepas")
    return 0


@_guard
def cmd_task_complete(args) -> int:
    data = _read_json(args.data, "data formulir") if args.data else {}
    requirements = data.pop("requirements", None) if isinstance(data, dict) else None
    service = _service(args)
    service.complete(args.task, args.as_user, outcome=args.outcome, data=data, reason=args.reason,
                     requirements=requirements, proof=signing_proof(service, args))
    from engine.cases.queries import case_view
    from engine.store.models import Task

    with service.store.read() as s:
        case_id = s.get(Task, args.task).case_id
    view = case_view(service.store, case_id)
    print(f"tugas #{args.task} selesai. Kasus {view['number']}: {view['status_label']}")
    _print_open(view)
    return 0


@_guard
def cmd_worker(args) -> int:
    """Run Prefect's side: mirror cases into flow runs and execute automated steps."""
    import asyncio
    import signal

    service = _service(args)
    from engine.orchestration.orchestrator import Orchestrator

    orchestrator = Orchestrator(service)

    async def until_stopped():
        # SIGTERM/SIGINT end the worker between two cases, with a normal exit, so that Prefect stops the
        # ephemeral API server it started (the default SIGTERM action would leave that server orphaned).
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        # The SLA monitor runs in one orchestrator at a time (its lease); --once only catches up.
        # Idle, it looks for changes every half second against a server (an indexed query: the catch-up
        # lag's floor, bench/load.py --pace) and every 2 s on the embedded SQLite (a write transaction).
        poll = args.poll if args.poll is not None else 0.5 if orchestrator.shared_api else 2.0
        return await orchestrator.run(until_idle=args.once, poll_seconds=poll, stop=stop,
                                      monitor=not (args.once or args.no_monitor))

    total = asyncio.run(until_stopped())
    if total.waiting_for is not None:
        held = total.waiting_for
        print(f"Orkestrator lain sedang berjalan pada basis data ini ({held.name}, sampai "
              f"{held.until.astimezone().strftime('%Y-%m-%d %H:%M:%S')}); tidak ada yang dijalankan. "
              f"Cukup satu `layanan serve` atau `layanan worker` per basis data.")
        return 1
    print(f"Prefect: {total.created} flow run dibuat, {total.resumed} dilanjutkan, {total.restarted} diulang, "
          f"{total.suspended} menunggu petugas, {total.completed} selesai, {total.failed} gagal"
          + (f"; {orchestrator.notified} pemberitahuan terkirim" if orchestrator.notified else ""))
    for error in total.errors:
        print(f"  {error}")
    return 1 if total.failed else 0


@_guard
def cmd_demo(args) -> int:
    import asyncio
    import os
    import tempfile

    if not os.environ.get("LAYANAN_DATABASE_URL") and not args.keep:
        # A throw-away database: the demo never mixes simulated cases into real ones.
        folder = tempfile.mkdtemp(prefix="layanan-demo-")
        os.environ["LAYANAN_DATABASE_URL"] = f"sqlite:///{folder}/demo.db"
    service = _service(args)
    from engine.orchestration.demo import run_demo

    print("Menjalankan semua standar contoh dengan petugas simulasi dan Prefect (flow run pertama ~10-20 detik)...")
    results, total = asyncio.run(run_demo(service))
    from .text import grid

    rows, bad = [], 0
    for r in results:
        limit = service.library.standards[r["standard"]].time_limit(r["variant"]) \
            if r["standard"] in service.library.standards else None
        limit_text = wording.time_limit_short(limit) if limit else "paket"
        used = {"met": "tepat waktu", "missed": "terlambat"}.get(r["sla"]["status"], "-")
        ok = r["status"] in ("done", "rejected")
        bad += not ok
        rows.append([r["number"], r["standard"], r["variant"] or "-", r["channel"] or "-", r["scenario"],
                     r["status"], limit_text, used, str(sum(1 for t in r["tasks"] if t["status"] == "done"))])
    print(grid(rows, ["KASUS", "STANDAR", "VARIAN", "KANAL", "SKENARIO", "STATUS", "JANGKA WAKTU", "SLA",
                       "LANGKAH"]))
    print(f"\n{len(results)} kasus, {len(results) - bad} tuntas. Prefect: {total.created} flow run, "
          f"{total.suspended} kali menunggu petugas, {total.resumed} dilanjutkan, {total.completed} selesai, "
          f"{total.failed} gagal.")
    for error in total.errors:
        print(f"  {error}")
    return 0 if not bad and not total.failed else 1


@_guard
def cmd_publish(args) -> int:
    from engine.publish.record import publish

    service = _service(args)
    service.directory.sync_offices()
    library = service.library
    try:
        chosen = [library.standard(i) for i in args.ids] if args.ids else \
            [s for s in library.standards.values() if s.data.get("status") == "published"]
    except Exception as exc:  # UnknownStandard names the id and a suggestion
        raise CliError(str(exc)) from None
    for item in publish(service, chosen):
        print(f"{item.standard:<36} versi {item.version:<10} {'dicatat' if item.new else 'sudah tercatat'}")
    return 0
