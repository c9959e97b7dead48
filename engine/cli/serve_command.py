"""`layanan serve`: the web application with the Prefect worker in a background thread, on the embedded
default (SQLite + Prefect's ephemeral API); nothing else to start."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import threading

from .case_commands import _guard, _service
from .errors import CliError


def _worker_thread(service, stop: threading.Event) -> threading.Thread:
    def run():
        from engine.orchestration.orchestrator import Orchestrator

        async def main():
            event = asyncio.Event()
            orchestrator = Orchestrator(service)
            task = asyncio.create_task(orchestrator.run(until_idle=False, poll_seconds=2.0, stop=event,
                                                        monitor=True))
            while not stop.is_set():
                await asyncio.sleep(0.5)
            event.set()
            await task

        asyncio.run(main())

    thread = threading.Thread(target=run, name="layanan-prefect", daemon=True)
    thread.start()
    return thread


def _exit_normally(_signum, _frame):
    raise SystemExit(0)


@_guard
def cmd_serve(args) -> int:
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - uvicorn comes with Prefect
        raise CliError(f"uvicorn tidak terpasang: {exc}")
    if args.demo and not os.environ.get("LAYANAN_DATABASE_URL"):
        from engine.store.db import data_dir

        folder = data_dir() / "demo"
        shutil.rmtree(folder, ignore_errors=True)  # a fresh demo every time; real data lives elsewhere
        folder.mkdir(parents=True)
        os.environ["LAYANAN_DATABASE_URL"] = f"sqlite:///{(folder / 'layanan.db').resolve()}"
        os.environ.setdefault("PREFECT_HOME", str((folder / "prefect").resolve()))
        # The demo's mail is written as files (nothing leaves the machine) and its scans stay in the demo.
        os.environ.setdefault("LAYANAN_SMTP_URL", f"file://{(folder / 'surel').resolve()}")
        os.environ.setdefault("LAYANAN_UPLOAD_DIR", str((folder / "unggahan").resolve()))
    public_url = args.public_url or os.environ.get("LAYANAN_PUBLIC_URL")
    address = f"http://{args.host}:{args.port}/"
    print(f"layanan: {address} (halaman publik: /standar, /status, /verifikasi)"
          + (" — menyiapkan kantor demo..." if args.demo else ""), flush=True)
    service = _service(args)
    if not public_url and args.host in ("0.0.0.0", "::"):
        import socket

        public_url = f"http://{socket.gethostname()}:{args.port}"
        args.allowed_host = [*args.allowed_host, "*"]
        print(f"Peringatan: alamat publik belum diatur; tanda terima memakai {public_url}. Atur --public-url "
              f"(atau LAYANAN_PUBLIC_URL) dengan alamat yang dipakai pemohon dan petugas.", flush=True)
    public_url = public_url or f"http://{args.host}:{args.port}"
    service.store.public_url = public_url.rstrip("/")  # in what the demo's cases issue and notify too
    service.directory.sync_offices()
    service.accept_drafts = bool(args.demo)  # the demo office takes the draft standards too
    if args.demo:
        from engine.web.demo import seed_demo

        made = seed_demo(service)
        print(f"Demo: {made['cases']} kasus, {made['users']} pengguna. Masuk sebagai mis. "
              f"'disdukcapil-kaltim.petugas_layanan' atau 'admin', kata sandi '{made['password']}'; "
              f"frasa sandi TTE para penanda tangan '{made['passphrase']}'.", flush=True)
        mail = os.environ.get("LAYANAN_SMTP_URL", "")
        print(f"Layanan daring: {address}akun, masuk dengan NIK {made['citizen']['nik']} dan kata sandi "
              f"'{made['password']}'" + (f"; surel demo ditulis ke {mail[len('file://'):]}" if mail.startswith("file:")
                                        else ""), flush=True)
    from engine.web.app import create_app

    try:
        app = create_app(service, demo=args.demo, public_url=public_url, secure_cookies=args.secure_cookies,
                         allowed_hosts=args.allowed_host)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    # uvicorn re-raises the signal that stopped it once it has shut down. With Python's default SIGTERM
    # action that kills the process on the spot: the worker is not stopped and Prefect's exit handler never
    # stops the ephemeral API server it started, which stayed running, orphaned. Exiting normally instead
    # lets both happen.
    signal.signal(signal.SIGTERM, _exit_normally)
    stop = threading.Event()
    worker = None if args.no_worker else _worker_thread(service, stop)
    print(f"layanan siap di {address}", flush=True)
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    finally:
        stop.set()
        if worker is not None:
            worker.join(timeout=60)  # the flow run in progress ends first (a few seconds at most)
    return 0
