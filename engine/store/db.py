"""Where the case store lives and how to open it.

``LAYANAN_DATABASE_URL`` names any SQLAlchemy URL (``postgresql+psycopg://...``); by default a SQLite file
``layanan.db`` in the data directory (``$LAYANAN_DATA_DIR``, else ``./data``). The schema is managed by
Alembic (``layanan db upgrade``); a brand-new database is created at its latest revision on first use.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATA_DIR = "data"
MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """The store cannot be used as configured (message in Indonesian, for the user)."""


def data_dir() -> Path:
    return Path(os.environ.get("LAYANAN_DATA_DIR", DEFAULT_DATA_DIR))


DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def public_url() -> str:
    """The address citizens and officers use (``LAYANAN_PUBLIC_URL``): printed on receipts, QR codes and
    notifications."""
    return (os.environ.get("LAYANAN_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")


def notify_channels() -> tuple[str, ...]:
    """The channels applicants are notified through: e-mail always (held until ``LAYANAN_SMTP_URL`` is
    set), SMS and WhatsApp when their gateway is configured (engine/notify/transports.py)."""
    channels = ["email"]
    for channel in ("sms", "whatsapp"):
        if os.environ.get(f"LAYANAN_{channel.upper()}_GATEWAY_URL"):
            channels.append(channel)
    return tuple(channels)


def database_url() -> str:
    url = os.environ.get("LAYANAN_DATABASE_URL")
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(folder / 'layanan.db').resolve()}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    if url.startswith("sqlite"):
        # 30 s busy timeout: several officers' processes may write at once; WAL lets readers go on.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process kills in WAL mode
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # Writers take the write lock at BEGIN, so two writers queue (busy timeout) instead of one
            # failing when it upgrades a read lock; readers stay concurrent.
            dbapi_connection = conn.connection.dbapi_connection
            if dbapi_connection.in_transaction:  # begun by _HeldWriter on the driver itself
                return
            write = conn.get_execution_options().get("layanan_write", False)
            # Straight to the driver: through exec_driver_sql this costs ~15 µs more per transaction.
            dbapi_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")

        # pysqlite's own transaction handling would defeat BEGIN IMMEDIATE.
        @event.listens_for(engine, "connect", insert=True)
        def _no_pysqlite_begin(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        return engine
    # One pool per process, no overflow: a connection made and dropped per request beyond the pool costs a
    # PostgreSQL backend process each time (bench/load.py: the web process spent its time there). Threads
    # past the pool wait for a connection instead. LAYANAN_DB_POOL_SIZE per process; PostgreSQL's
    # max_connections must cover every process's pool (docs/deploy.md).
    size = int(os.environ.get("LAYANAN_DB_POOL_SIZE") or 20)
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=0, pool_timeout=30)


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision(url: str) -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(url: str | None = None) -> tuple[str | None, str]:
    """Bring the schema to the latest revision; returns (before, after)."""
    from alembic import command

    url = url or database_url()
    engine = make_engine(url)
    try:
        before = current_revision(engine)
    finally:
        engine.dispose()
    command.upgrade(alembic_config(url), "head")
    return before, head_revision(url)


class _HeldWriter:
    """SQLite lets one connection write at a time. A process's Core write transactions take turns on one
    connection kept open: a writer waits on a lock here instead of in SQLite's busy handler (which sleeps
    in steps of milliseconds), and a transaction costs no pool checkout (~50 µs here).

    The transaction itself is begun and ended on the driver (BEGIN IMMEDIATE, COMMIT or ROLLBACK): the
    connection is in SQLAlchemy's AUTOCOMMIT mode, so SQLAlchemy's own transaction bookkeeping, more than
    half of an empty transaction's cost, is left out. Core statements and savepoints (``begin_nested``) work inside
    as in any transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.lock = threading.Lock()
        self.conn: Connection | None = None
        self.pid: int | None = None
        self.owner: int | None = None

    @contextmanager
    def transaction(self):
        if self.owner == threading.get_ident():
            raise RuntimeError("a write transaction is already open in this thread")
        with self.lock:
            self.owner = threading.get_ident()
            conn = None
            try:
                conn = self._connection()
                driver = conn.connection.dbapi_connection
                driver.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    if driver.in_transaction:
                        driver.execute("ROLLBACK")
                    raise
                driver.execute("COMMIT")
            except BaseException:
                self._drop_if_broken()
                raise
            finally:
                if conn is not None and not conn.closed and conn.in_transaction():
                    conn.rollback()  # SQLAlchemy's logical transaction (AUTOCOMMIT): nothing reaches SQLite
                self.owner = None

    def _connection(self) -> Connection:
        conn = self.conn
        if conn is None or conn.closed or conn.invalidated or self.pid != os.getpid():
            # A connection inherited through fork() belongs to the parent: never used, never closed here.
            self.conn, self.pid = self.engine.connect(), os.getpid()
            # A group of actions runs each in a savepoint (engine.cases.batch); SQLite keeps the pages a
            # savepoint may have to restore in a temporary file unless told to keep them in memory (they
            # are the pages one group changes: a few hundred KiB).
            self.conn.connection.dbapi_connection.execute("PRAGMA temp_store=MEMORY")
        return self.conn

    def _drop_if_broken(self) -> None:
        conn = self.conn
        if conn is not None and (conn.invalidated or conn.connection.dbapi_connection.in_transaction):
            try:
                conn.close()
            finally:
                self.conn = None

    def close(self) -> None:
        with self.lock:
            if self.conn is not None and self.pid == os.getpid():
                self.conn.close()
            self.conn = None


class Store:
    """An engine and session factory over a database whose schema is at the latest revision."""

    def __init__(self, url: str | None = None, *, create: bool = True):
        self.url = url or database_url()
        self.public_url = public_url()  # the web application sets the one it serves under
        self.notify_channels = notify_channels()  # applicants are notified through these (engine/cases/notices.py)
        self.engine = make_engine(self.url)
        self._check_schema(create)
        self.write_engine = self.engine.execution_options(layanan_write=True)
        self._held = _HeldWriter(self.write_engine) if self.engine.dialect.name == "sqlite" else None
        self.writer = sessionmaker(self.write_engine, expire_on_commit=False)
        self.reader = sessionmaker(self.engine, expire_on_commit=False)
        # Stored standard versions never change: the engine caches what it read back (by id, and by
        # (standard id, digest)) for the life of this store.
        self.versions_by_id: dict = {}
        self.versions_by_digest: dict = {}
        self.known_offices: set[str] = set()  # offices seen committed (never deleted)

    def _check_schema(self, create: bool) -> None:
        current = current_revision(self.engine)
        head = head_revision(self.url)
        if current == head:
            return
        if current is None and create and not inspect(self.engine).get_table_names():
            upgrade(self.url)
            return
        raise StoreError(f"skema basis data {current or 'kosong'} belum mutakhir ({head}): "
                         f"jalankan `layanan db upgrade`")

    def forget_uncommitted(self) -> None:
        """A transaction that ran several units could not commit: one of them may have cached a row another
        one wrote (engine.cases.batch). The caches are read again from the store."""
        self.versions_by_id.clear()
        self.versions_by_digest.clear()
        self.known_offices.clear()

    @contextmanager
    def write(self) -> Session:
        """A transaction that commits on success and leaves nothing behind on any error."""
        with self.writer() as session, session.begin():
            yield session

    @contextmanager
    def transaction(self) -> Connection:
        """A Core write transaction (the engine's hot path): commits on success, rolls back on any error.
        On SQLite the process's write transactions take turns on one held connection (_HeldWriter)."""
        if self._held is not None:
            with self._held.transaction() as conn:
                yield conn
            return
        with self.write_engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Session:
        with self.reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        if self._held is not None:
            self._held.close()
        self.engine.dispose()
