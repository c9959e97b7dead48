"""What the Chromium tests share: a real `layanan serve` process on a SQLite file (with its Prefect
worker), Debian's chromium driven by Playwright, and helpers that act as an officer would."""

import io
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from .conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
SUBMIT = "main form[method=post] button[type=submit]"  # not the header's sign-out button
SHOTS = ROOT / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(library, tmp_path_factory):
    yield from serve(library, tmp_path_factory.mktemp("web"))


def serve(library, folder, extra_env: dict | None = None, url: str | None = None, args: tuple = ()):
    """A real `layanan serve` on a fresh SQLite file in ``folder`` (or the database ``url``), officers made:
    yields (base URL, service) and stops it as a service manager would, checking that nothing is left
    running."""
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store
    from engine.web.auth import hash_password

    url = url or f"sqlite:///{folder / 'cases.db'}"
    store = Store(url)
    service = CaseService(store, library)
    service.directory.sync_offices()
    password = hash_password(PASSWORD)
    for username in users_for(service).values():
        service.directory.set_password(username, password)
    port = _free_port()
    env = dict(os.environ, LAYANAN_DATABASE_URL=url, PREFECT_HOME=str(folder / "prefect"),
               LAYANAN_DATA_DIR=str(folder / "data"), **(extra_env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli.main", "serve", "--port", str(port), *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"layanan serve did not start:\n{proc.stdout.read()}")
            time.sleep(0.2)
    yield base, service
    proc.terminate()
    try:
        proc.wait(90)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("layanan serve did not stop on SIGTERM")
    store.dispose()
    # Stopped like a service manager stops it: a normal exit, and the Prefect API server it started is gone
    # too (uvicorn's re-raised SIGTERM used to kill the process and leave that server running).
    assert proc.returncode == 0
    assert _processes_using(folder / "prefect") == []


def _processes_using(prefect_home) -> list[int]:
    """Processes still running with this PREFECT_HOME (e.g. an orphaned ephemeral API server)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if f"PREFECT_HOME={prefect_home}".encode() in environ:
            found.append(int(entry.name))
    return found


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("Debian's chromium is needed for the web tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def signed_in(browser, base, role, width=1200):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.goto(f"{base}/kerja")
    assert "/masuk" in page.url  # every officer page needs a sign-in
    page.fill("input[name=username]", f"{OFFICE}.{role}")
    page.fill("input[name=password]", PASSWORD)
    page.click(SUBMIT)
    page.wait_for_url(f"{base}/kerja")
    return page


def sign_in(browser, base, username, width=1366, password=PASSWORD):
    """Sign in from the sign-in page and land where the application sends this officer (their home)."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.goto(f"{base}/masuk")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click(SUBMIT)
    page.wait_for_load_state()
    assert "/masuk" not in page.url, page.inner_text("main")
    return page


def fits(page) -> bool:
    """No sideways scrolling: the page is no wider than the window."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_task(service, number, step):
    from engine.store.models import Case, Task

    with service.store.read() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        return s.scalar(select(Task).where(Task.case_id == case.id, Task.step_id == step,
                                           Task.status.in_(("open", "claimed"))))


def pdf_text(page, url) -> str:
    from pypdf import PdfReader

    response = page.context.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def fill_processing(page, period):
    """The data agregat standard's processing form (the period left empty when None)."""
    page.select_option("select[name='data.jenis_data']", "agregat")
    page.fill("input[name='data.wilayah']", "Kota Samarinda")
    if period is not None:
        page.fill("input[name='data.periode']", period)


def work(page, base, task_id):
    """Claim the task from the worklist and open its form."""
    page.goto(f"{base}/kerja")
    page.click(f"form[action='/tugas/{task_id}/ambil'] button")
    page.wait_for_url(f"{base}/tugas/{task_id}")


