import os
import subprocess
from contextlib import contextmanager
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
    """The database_url fixture's database, for a fixture of another scope (a server started per module)."""
    server = os.environ.get("LAYANAN_TEST_POSTGRES")
    if not server:
        yield f"sqlite:///{folder / 'cases.db'}"
        return
    import uuid

    from sqlalchemy import create_engine, text

    name = f"layanan_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        import time

        from sqlalchemy.exc import DBAPIError

        for attempt in range(10):
            try:
                with admin.connect() as connection:
                    connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                break
            except DBAPIError:
                # An autovacuum worker (a superuser backend, which FORCE may not terminate) can be on the
                # fresh database for a moment: wait for it rather than fail the test that used it.
                if attempt == 9:
                    raise
                time.sleep(1)
        admin.dispose()


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
