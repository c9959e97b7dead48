"""`layanan cluster`: layanan on Prefect's self-hosted server, every part a process of its own, on one
machine for trying it (docs/deploy.md spreads the same processes over machines).

What it starts, in order, each restarted when it dies (as a service manager would, with back-off):
- Prefect's database migrated (`prefect server database upgrade`), then its background services
  (`prefect server services start`: scheduler, events, late runs) and ``--api`` API servers (`prefect server
  start --no-services`), on PostgreSQL; with more than one API server, Redis carries Prefect's messaging
  (prefect-redis), as Prefect's guide for several servers requires;
- ``--workers`` orchestrators (`layanan worker`): each catches up with the cases it claims (claims in the case
  store divide the work; a dead one's claims expire and are taken by the others), one of them runs the SLA
  monitor and the notifier under the ``sla-monitor`` lease; worker i talks to API server i mod ``--api``;
- ``--web`` web processes (`layanan serve --no-worker`) on consecutive ports from ``--port``.

Every process writes to its own log under ``<data>/cluster/``; ``cluster.json`` there names each part's pid
and address (for the failure tests and for an operator). SIGTERM or Ctrl-C stops the parts in reverse order
(SIGTERM, then SIGKILL after 30 s)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CliError

RESTART_AFTER = (1, 2, 5, 10, 30)  # seconds before restarting a part that died, its n-th time in a row
STEADY = 60  # a part that ran this long counts as healthy again (its back-off starts over)


@dataclass
class Part:
    name: str
    argv: list[str]
    env: dict
    health: str | None = None  # a URL answering 200 when the part is up
    process: subprocess.Popen | None = None
    started: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    log: Path | None = None
    extra: dict = field(default_factory=dict)


def add_parser(sub, lazy) -> None:
    p = sub.add_parser("cluster", help="jalankan layanan di atas server Prefect: API, layanan latar, worker, web")
    p.add_argument("--web", type=int, default=2, help="jumlah proses web (bawaan 2)")
    p.add_argument("--workers", type=int, default=2, help="jumlah orkestrator/worker Prefect (bawaan 2)")
    p.add_argument("--api", type=int, default=1, help="jumlah server API Prefect (lebih dari 1 memerlukan Redis)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="port web pertama (berikutnya +1, +2, ...)")
    p.add_argument("--prefect-port", type=int, default=4200, help="port server API Prefect pertama")
    p.add_argument("--prefect-database-url", help="basis data Prefect (bawaan: LAYANAN_PREFECT_DATABASE_URL, "
                                                   "atau basis data <nama>_prefect di server PostgreSQL yang sama)")
    p.add_argument("--redis-url", default=os.environ.get("LAYANAN_REDIS_URL", "redis://127.0.0.1:6379"),
                   help="Redis untuk pesan antar server API Prefect")
    p.add_argument("--public-url", help="alamat yang dipakai petugas dan pemohon (di depan penyeimbang beban)")
    p.set_defaults(run=lazy("engine.cli.cluster_command", "cmd_cluster"))


def _prefect_database(case_store: str, given: str | None) -> str:
    """Prefect's own database on the case store's PostgreSQL server, created when missing."""
    from sqlalchemy.engine import make_url

    if given:
        return given
    if os.environ.get("LAYANAN_PREFECT_DATABASE_URL"):
        return os.environ["LAYANAN_PREFECT_DATABASE_URL"]
    url = make_url(case_store)
    name = f"{url.database}_prefect"
    import psycopg

    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        raise CliError(f"basis data Prefect '{name}' tidak dapat disiapkan ({type(exc).__name__}); buat sendiri "
                       f"dan berikan --prefect-database-url") from None
    return url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)


def _redis_settings(redis_url: str) -> dict:
    from urllib.parse import urlparse

    parsed = urlparse(redis_url)
    return {"PREFECT_MESSAGING_BROKER": "prefect_redis.messaging",
            "PREFECT_MESSAGING_CACHE": "prefect_redis.messaging",
            "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": "prefect_redis.ordering",
            "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect_redis.lease_storage",
            "PREFECT_REDIS_MESSAGING_HOST": parsed.hostname or "127.0.0.1",
            "PREFECT_REDIS_MESSAGING_PORT": str(parsed.port or 6379),
            "PREFECT_REDIS_MESSAGING_DB": "0",
            "PREFECT_SERVER_DOCKET_URL": f"redis://{parsed.hostname or '127.0.0.1'}:{parsed.port or 6379}/1"}


def plan(args, case_store: str, folder: Path) -> list[Part]:
    """The parts of the cluster, in starting order."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    base.update({"LAYANAN_DATABASE_URL": case_store, "DO_NOT_TRACK": "1", "PYTHONUNBUFFERED": "1"})
    prefect = dict(base, PREFECT_SERVER_DATABASE_CONNECTION_URL=_prefect_database(case_store, args.prefect_database_url),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_API_DATABASE_MIGRATE_ON_START="false",
                   PREFECT_LOGGING_LEVEL="WARNING", PREFECT_SERVER_LOGGING_LEVEL="WARNING")
    if args.api > 1:
        prefect.update(_redis_settings(args.redis_url))
    prefect_bin = str(Path(sys.executable).with_name("prefect"))
    parts = [Part("prefect-services", [prefect_bin, "server", "services", "start"],
                  dict(prefect, PREFECT_HOME=str(folder / "prefect-services")))]
    apis = []
    for n in range(args.api):
        port = args.prefect_port + n
        apis.append(f"http://127.0.0.1:{port}/api")
        parts.append(Part(f"prefect-api-{n + 1}", [prefect_bin, "server", "start", "--no-services", "--host",
                                                     "127.0.0.1", "--port", str(port)],
                          dict(prefect, PREFECT_HOME=str(folder / f"prefect-api-{n + 1}")),
                          health=f"http://127.0.0.1:{port}/api/health"))
    layanan = [sys.executable, "-m", "engine.cli.main"]
    for n in range(args.workers):
        parts.append(Part(f"worker-{n + 1}", [*layanan, "worker"],
                          dict(base, PREFECT_API_URL=apis[n % len(apis)],
                               PREFECT_HOME=str(folder / f"prefect-worker-{n + 1}"))))
    for n in range(args.web):
        port = args.port + n
        web = [*layanan, "serve", "--no-worker", "--host", args.host, "--port", str(port)]
        if args.public_url:
            web += ["--public-url", args.public_url]
        parts.append(Part(f"web-{n + 1}", web, dict(base, PREFECT_API_URL=apis[0],
                                                    PREFECT_HOME=str(folder / f"prefect-web-{n + 1}")),
                          health=f"http://127.0.0.1:{port}/sehat"))
    return parts


class Supervisor:
    def __init__(self, parts: list[Part], folder: Path):
        self.parts, self.folder, self.stopping = parts, folder, False

    def say(self, text: str) -> None:
        print(f"[cluster {time.strftime('%H:%M:%S')}] {text}", flush=True)

    def start(self, part: Part) -> None:
        part.log = self.folder / f"{part.name}.log"
        with open(part.log, "ab") as log:
            part.process = subprocess.Popen(part.argv, env=part.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        part.started, part.restart_at = time.monotonic(), None
        self.write_state()

    def wait_healthy(self, part: Part, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while part.health and time.monotonic() < deadline:
            if part.process.poll() is not None:
                raise CliError(f"{part.name} berhenti saat dinyalakan (lihat {part.log})")
            try:
                with urllib.request.urlopen(part.health, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        if part.health:
            raise CliError(f"{part.name} tidak siap dalam {seconds:.0f} detik (lihat {part.log})")

    def write_state(self) -> None:
        state = {p.name: {"pid": p.process.pid if p.process else None, "health": p.health,
                          "log": str(p.log) if p.log else None} for p in self.parts}
        tmp = self.folder / "cluster.json.tmp"
        tmp.write_text(json.dumps(state, indent=2))
        tmp.replace(self.folder / "cluster.json")

    def watch_once(self) -> None:
        now = time.monotonic()
        for part in self.parts:
            if part.process is None:
                continue
            code = part.process.poll()
            if code is None:
                if part.failures and now - part.started > STEADY:
                    part.failures = 0
                continue
            if part.restart_at is None:
                part.failures += 1
                delay = RESTART_AFTER[min(part.failures, len(RESTART_AFTER)) - 1]
                part.restart_at = now + delay
                self.say(f"{part.name} berhenti (kode {code}); dinyalakan lagi dalam {delay} detik")
            elif now >= part.restart_at:
                self.start(part)
                self.say(f"{part.name} dinyalakan lagi (pid {part.process.pid})")

    def stop(self) -> None:
        """layanan's parts first (web, then the orchestrators finish their flow runs against a live Prefect),
        then Prefect's; each stage SIGTERM, then SIGKILL after 30 s."""
        self.stopping = True
        layanan = [p for p in reversed(self.parts) if not p.name.startswith("prefect-")]
        prefect = [p for p in reversed(self.parts) if p.name.startswith("prefect-")]
        for stage in (layanan, prefect):
            running = [p for p in stage if p.process is not None and p.process.poll() is None]
            for part in running:
                part.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 30
            for part in running:
                try:
                    part.process.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(part.process.pid, signal.SIGKILL)
                    part.process.wait()


def cmd_cluster(args) -> int:
    from engine.store.db import data_dir, database_url, upgrade

    case_store = database_url()
    if not case_store.startswith("postgresql"):
        raise CliError("cluster memerlukan PostgreSQL untuk basis data kasus: atur LAYANAN_DATABASE_URL="
                       "postgresql+psycopg://pengguna:sandi@host/nama (lihat docs/deploy.md)")
    for option in ("web", "workers", "api"):
        if not 1 <= getattr(args, option) <= 32:
            raise CliError(f"--{option} harus 1 sampai 32")
    upgrade(case_store)
    folder = (data_dir() / "cluster").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    parts = plan(args, case_store, folder)
    migrate = subprocess.run([parts[0].argv[0], "server", "database", "upgrade", "-y"], env=parts[0].env,
                             capture_output=True, text=True)
    if migrate.returncode != 0:
        (folder / "prefect-migrate.log").write_text(migrate.stdout + migrate.stderr)
        raise CliError(f"migrasi basis data Prefect gagal (lihat {folder / 'prefect-migrate.log'})")
    supervisor = Supervisor(parts, folder)
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    try:
        for part in parts:
            supervisor.start(part)
            supervisor.wait_healthy(part)
            supervisor.say(f"{part.name} berjalan (pid {part.process.pid})"
                           + (f" di {part.health.rsplit('/', 1)[0]}" if part.health else ""))
            if stop:
                return 0
        webs = [p.health.rsplit("/", 1)[0] for p in parts if p.name.startswith("web-")]
        supervisor.say(f"siap: web {', '.join(webs)}; log dan cluster.json di {folder}")
        while not stop:
            supervisor.watch_once()
            time.sleep(0.5)
        return 0
    finally:
        supervisor.say("menghentikan semua bagian...")
        supervisor.stop()
        supervisor.say("berhenti")
