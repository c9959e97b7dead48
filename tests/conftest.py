import os
import subprocess
from contextlib import contextmanager
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Prefect reads its settings once, when first imported: the in-process tests' Prefect (the demo's ephemeral
# API) keeps its database in a home of this test process, never in the checkout's data/ from one run to the
# next. A test that starts layanan as a process gives it a home of its own where it matters.
if "PREFECT_HOME" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="layanan-test-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], True)
STANDARDS = ROOT / "standards"
TEST_LIBRARY = ROOT / "tests" / "data" / "library"


def run_cli(*args, cwd=ROOT, env=None, timeout=60, input_text=None):
    """Run `layanan` as a real process, as a user would."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "engine.cli.main", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, input=input_text)


@pytest.fixture(autouse=True)
def _own_audit_anchors(tmp_path, monkeypatch):
    """Each test's checkpoints anchor in a file of its own (the default, data/, is shared by the checkout)."""
    monkeypatch.setenv("LAYANAN_AUDIT_ANCHORS", str(tmp_path / "jangkar-audit.jsonl"))


@pytest.fixture(scope="session")
def library():
    from engine.standard.model import load_library

    return load_library(STANDARDS)


@pytest.fixture
def database_url(tmp_path):
    """A fresh empty database: a SQLite file, or with LAYANAN_TEST_POSTGRES (a PostgreSQL URL whose user may
    create databases) a new PostgreSQL database dropped afterwards: the same tests on both."""
    with fresh_database(tmp_path) as url:
        yield url


@contextmanager
def fresh_database(folder):
    """The database_url fixture's database, for a fixture of another scope (a server started per module).

    Each is a copy of one database migrated to the latest revision once per test process (a file copy on
    SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL): Alembic's upgrade, ~0.5 s on SQLite and over
    1 s on PostgreSQL, was most of a test's set-up. The migrations themselves are tested from empty and
    back (tests/test_store.py, tests/test_audit.py)."""
    server = os.environ.get("LAYANAN_TEST_POSTGRES")
    if not server:
        import shutil

        path = folder / "cases.db"
        shutil.copyfile(_migrated_sqlite(), path)
        yield f"sqlite:///{path}"
        return
    import uuid

    from sqlalchemy import create_engine, text

    name = f"layanan_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    _create_from_template(admin, name, _migrated_postgres(server))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        _drop(admin, name)
        admin.dispose()


_TEMPLATES: dict[str, str] = {}


def _migrated_sqlite() -> str:
    if "sqlite" not in _TEMPLATES:
        import atexit
        import shutil
        import tempfile

        from engine.store.db import upgrade

        folder = tempfile.mkdtemp(prefix="layanan-test-template-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "template.db")
        upgrade(f"sqlite:///{path}")
        assert not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") == 0
        _TEMPLATES["sqlite"] = path
    return _TEMPLATES["sqlite"]


def _migrated_postgres(server: str) -> str:
    """A database at the latest revision, the template of this process's test databases (dropped at exit)."""
    if "postgresql" not in _TEMPLATES:
        import atexit

        from sqlalchemy import create_engine, text

        from engine.store.db import upgrade

        name = f"layanan_tmpl_{os.getpid()}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
        upgrade(server.rsplit("/", 1)[0] + "/" + name)  # disposes its engine: no connection left on it
        atexit.register(lambda: (_drop(admin, name), admin.dispose()))
        _TEMPLATES["postgresql"] = name
    return _TEMPLATES["postgresql"]


def _create_from_template(admin, name: str, template: str) -> None:
    # "source database is being accessed by other users": an autovacuum worker on the template for a moment.
    _retried(admin, f"CREATE DATABASE {name} TEMPLATE {template}", attempts=20, pause=0.25)


def _drop(admin, name: str) -> None:
    # An autovacuum worker (a superuser backend, which FORCE may not terminate) can be on the database for a
    # moment: wait for it rather than fail the test that used it.
    _retried(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", attempts=10, pause=1.0)


def _retried(admin, statement: str, *, attempts: int, pause: float) -> None:
    import time

    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            with admin.connect() as connection:
                connection.execute(text(statement))
            return
        except DBAPIError:
            if attempt == attempts - 1:
                raise
            time.sleep(pause)


@pytest.fixture
def service(library, database_url):
    """A case service on a fresh database, with one simulated officer per office and role."""
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    store = Store(database_url)
    svc = CaseService(store, library)
    # The seed library's Bontang standards are drafts (a presentation, not a decree): the test office takes
    # them, as the demo office does; tests/test_time_limits.py checks that an office's default refuses them.
    svc.accept_drafts = True
    svc.directory.sync_offices()
    users_for(svc)
    yield svc
    store.dispose()


async def not_waiting(seconds: float) -> None:
    """The sign-in throttle's waits, skipped in tests (tests never wait on the real clock)."""


def web_app(service, **options):
    """The web application as tests reach it (TestClient's host, http://testserver)."""
    from engine.web.app import create_app

    return create_app(service, **{"public_url": "http://testserver", "sleep": not_waiting, **options})


def post_sign_in(client, username, password, **options):
    """Sign in through the page, as a browser does: the form's own token first, then the post."""
    import re

    page = client.get("/masuk")
    token = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)
    return client.post("/masuk", data={"username": username, "password": password, "csrf": token}, **options)


def signing_proof(service, username: str, at=None):
    """The proof a signature step needs: the simulated officer's TTE passphrase, checked for real."""
    from engine.access.tte import verify
    from engine.cases.simulate import DEMO_PASSPHRASE

    return verify(service.store, username, DEMO_PASSPHRASE, now=at)
