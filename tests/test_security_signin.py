"""Signing in, sessions and what every request passes (engine/access, engine/web/guards.py): throttling that
stops guessing without locking officers out for good, Argon2 off the event loop and outside transactions,
sign-in CSRF, sessions that end when an officer's standing changes or they go idle, size limits, foreign
origins, the Host header, Secure cookies, caching, and the password policy."""

import asyncio
import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.access import passwords
from engine.access.signin import Limits
from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Event, User, WebSession

from .conftest import post_sign_in, web_app

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
OPERATOR = f"{OFFICE}.operator"


class Clock:
    def __init__(self):
        self.now = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(service, clock, tmp_path, monkeypatch):
    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    hashed = passwords.hash_password(PASSWORD)
    with service.store.read() as s:
        names = s.scalars(select(User.username)).all()
    for name in names:
        service.directory.set_password(name, hashed)
    return web_app(service, clock=clock, limits=Limits(per_address=10, per_account=5, per_device=5))


def _client(app, address="10.0.0.1"):
    return TestClient(app, client=(address, 50000))


def _csrf(client):
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/kerja").text).group(1)


def _events(service, kind):
    with service.store.read() as s:
        return s.scalars(select(Event).where(Event.kind == kind)).all()


# ------------------------------------------------------------------ throttling


def test_an_address_is_locked_after_its_limit_and_further_guesses_hash_nothing(app, service):
    attacker = _client(app, "10.6.6.6")
    names = [f"{OFFICE}.{role}" for role in ("operator", "kepala_dinas", "petugas_layanan")]
    for n in range(10):
        assert post_sign_in(attacker, names[n % 3], f"tebakan-{n}").status_code == 401
    hashed = app.state.signin.hashes
    for n in range(30):
        refused = post_sign_in(attacker, names[n % 3], f"tebakan-lagi-{n}")
        assert refused.status_code == 429 and "Coba lagi dalam 15 menit" in refused.text
        assert int(refused.headers["Retry-After"]) > 800
    assert app.state.signin.hashes == hashed  # refused before any Argon2
    # even the right password from that address waits (no cookie of a known device)
    assert post_sign_in(attacker, OPERATOR, PASSWORD).status_code == 429
    # another address is not affected
    assert post_sign_in(_client(app, "10.0.0.2"), OPERATOR, PASSWORD, follow_redirects=False).status_code == 303
    locked = _events(service, "signin_locked")
    assert [e.data["locked"] for e in locked] == ["addr"] and locked[0].data["address"] == "10.6.6.6"


def test_refused_attempts_are_answered_late_without_holding_a_thread(service, clock, tmp_path, monkeypatch):
    """A guessing loop gets its answers slowly (half a second for a wrong password, two seconds once
    locked), waited on the event loop; the refusals of a locked address run no query and no Argon2."""
    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    service.directory.set_password(OPERATOR, passwords.hash_password(PASSWORD))
    waited = []

    async def recorded(seconds):
        waited.append(seconds)

    app = web_app(service, clock=clock, sleep=recorded, limits=Limits(per_address=3, per_account=50))
    attacker = _client(app, "10.6.6.8")
    for n in range(3):
        assert post_sign_in(attacker, OPERATOR, f"tebakan-{n}").status_code == 401
    assert waited == [0.5, 0.5, 0.5]
    queries = []
    from sqlalchemy import event

    listener = lambda *args: queries.append(args[2])  # noqa: E731
    event.listen(service.store.engine, "before_cursor_execute", listener)
    try:
        for n in range(5):
            assert attacker.post("/api/v1/masuk", json={"username": OPERATOR, "password": "x"}).status_code == 429
    finally:
        event.remove(service.store.engine, "before_cursor_execute", listener)
    assert waited[3:] == [2.0] * 5
    assert not [q for q in queries if "signin" in q or "users" in q]
    assert post_sign_in(_client(app, "10.0.0.9"), OPERATOR, PASSWORD, follow_redirects=False).status_code == 303
    assert waited[-1] == 2.0 and len(waited) == 8  # a successful sign-in waits for nothing


def test_a_lock_ends_after_its_time(app, clock):
    attacker = _client(app, "10.6.6.7")
    for n in range(10):
        post_sign_in(attacker, OPERATOR, f"tebakan-{n}")
    assert post_sign_in(attacker, OPERATOR, PASSWORD).status_code == 429
    clock.now += timedelta(minutes=16)
    assert post_sign_in(attacker, OPERATOR, PASSWORD, follow_redirects=False).status_code == 303


def test_an_attacker_cannot_lock_an_officer_out_of_their_own_browser(app, service):
    officer = _client(app, "10.0.0.5")
    assert post_sign_in(officer, OPERATOR, PASSWORD, follow_redirects=False).status_code == 303
    device = officer.cookies.get("layanan_perangkat")
    assert device
    officer.post("/keluar", data={"csrf": _csrf(officer)})
    # guesses at the operator's account from several addresses lock the account for unknown browsers
    for n in range(5):
        assert post_sign_in(_client(app, f"10.9.9.{n}"), OPERATOR, f"tebakan-{n}").status_code == 401
    assert post_sign_in(_client(app, "10.9.9.99"), OPERATOR, PASSWORD).status_code == 429
    assert "akun ini" in post_sign_in(_client(app, "10.9.9.98"), OPERATOR, PASSWORD).text
    # the officer's own browser still signs in
    assert post_sign_in(officer, OPERATOR, PASSWORD, follow_redirects=False).status_code == 303
    assert officer.get("/kerja").status_code == 200
    assert "user" in [e.data["locked"] for e in _events(service, "signin_locked")]


def test_a_known_browser_counts_its_own_failures(app):
    officer = _client(app, "10.0.0.6")
    post_sign_in(officer, OPERATOR, PASSWORD)
    officer.post("/keluar", data={"csrf": _csrf(officer)})
    for n in range(5):
        assert post_sign_in(officer, OPERATOR, f"salah-{n}").status_code == 401
    assert "perangkat ini" in post_sign_in(officer, OPERATOR, PASSWORD).text
    # other browsers of the office are unaffected: the account itself was not locked
    assert post_sign_in(_client(app, "10.0.0.7"), OPERATOR, PASSWORD, follow_redirects=False).status_code == 303


def test_the_json_api_sign_in_is_throttled_alike(app):
    client = _client(app, "10.6.6.8")
    for n in range(5):
        assert client.post("/api/v1/masuk", json={"username": OPERATOR, "password": f"x-{n}"}).status_code == 401
    refused = client.post("/api/v1/masuk", json={"username": OPERATOR, "password": PASSWORD})
    assert refused.status_code == 429 and "Coba lagi" in refused.json()["error"]


def test_argon2_runs_off_the_event_loop_and_outside_any_transaction(app, service, monkeypatch):
    seen = []
    real = passwords.verify

    def watching(stored, password):
        try:
            asyncio.get_running_loop()
            seen.append("on the event loop")
        except RuntimeError:
            seen.append("in a thread")
        held = service.store._held
        if held is not None:
            assert not held.lock.locked(), "a write transaction is open while hashing"
        return real(stored, password)

    monkeypatch.setattr(passwords, "verify", watching)
    client = _client(app)
    post_sign_in(client, OPERATOR, "salah-sekali-ini")
    post_sign_in(client, OPERATOR, PASSWORD)
    client.post("/api/v1/masuk", json={"username": OPERATOR, "password": PASSWORD})
    assert seen == ["in a thread"] * 3


# ------------------------------------------------------------------ sign-in CSRF and origins


def test_a_sign_in_form_posted_from_elsewhere_is_refused(app, service):
    client = _client(app)
    forged = client.post("/masuk", data={"username": OPERATOR, "password": PASSWORD}, follow_redirects=False)
    assert forged.status_code == 403 and "layanan_sesi" not in forged.headers.get("set-cookie", "")
    foreign = client.post("/masuk", data={"username": OPERATOR, "password": PASSWORD, "csrf": "x"},
                          headers={"Origin": "https://penyerang.example"})
    assert foreign.status_code == 403 and "situs lain" in foreign.text
    with service.store.read() as s:
        assert s.scalar(select(func.count()).select_from(WebSession)) == 0


def test_state_changes_from_a_foreign_origin_or_as_a_form_to_the_api_are_refused(app):
    client = _client(app)
    post_sign_in(client, OPERATOR, PASSWORD)
    csrf = _csrf(client)
    assert client.post("/keluar", data={"csrf": csrf}, headers={"Origin": "https://penyerang.example"},
                       follow_redirects=False).status_code == 403
    assert client.post("/keluar", data={"csrf": csrf}, headers={"Referer": "https://penyerang.example/x"},
                       follow_redirects=False).status_code == 403
    as_form = client.post("/api/v1/masuk", content="username=a&password=b",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert as_form.status_code == 403 and "application/json" in as_form.json()["error"]
    # our own origin is fine
    assert client.post("/keluar", data={"csrf": csrf}, headers={"Origin": "http://testserver"},
                       follow_redirects=False).status_code == 303


# ------------------------------------------------------------------ sessions


def _signed_in(app, username=OPERATOR):
    client = _client(app)
    assert post_sign_in(client, username, PASSWORD, follow_redirects=False).status_code == 303
    assert client.get("/kerja", follow_redirects=False).status_code == 200
    return client


@pytest.mark.parametrize("change", ["password", "roles", "deactivated", "admin", "auditor"])
def test_a_change_of_standing_ends_the_officers_sessions(app, service, change):
    client = _signed_in(app)
    directory = service.directory
    if change == "password":
        directory.set_password(OPERATOR, passwords.hash_password("sandi-baru-yang-panjang-9"))
    elif change == "roles":
        directory.add_user(OPERATOR, "Operator", OFFICE, ["petugas_layanan"])
    elif change == "deactivated":
        directory.set_active(OPERATOR, False)
    elif change == "admin":
        directory.set_admin(OPERATOR, True)
    else:
        directory.set_auditor(OPERATOR, True)
    assert client.get("/kerja", follow_redirects=False).status_code == 303


def test_an_unchanged_save_keeps_the_session(app, service):
    client = _signed_in(app)
    service.directory.add_user(OPERATOR, "Petugas Operator", OFFICE, ["operator"])
    service.directory.set_active(OPERATOR, True)
    assert client.get("/kerja", follow_redirects=False).status_code == 200


def test_an_idle_session_ends(app, clock):
    client = _signed_in(app)
    clock.now += timedelta(minutes=50)
    assert client.get("/kerja", follow_redirects=False).status_code == 200  # used: the idle time starts again
    clock.now += timedelta(minutes=50)
    assert client.get("/kerja", follow_redirects=False).status_code == 200
    clock.now += timedelta(minutes=61)
    assert client.get("/kerja", follow_redirects=False).status_code == 303


def test_a_session_cookie_set_before_sign_in_is_not_kept(app):
    """Session fixation: a token planted in the browser is never the one the sign-in uses."""
    client = _client(app)
    client.cookies.set("layanan_sesi", "ditanam-penyerang", domain="testserver.local", path="/")
    response = post_sign_in(client, OPERATOR, PASSWORD, follow_redirects=False)
    issued = re.search(r"layanan_sesi=([^;]+)", response.headers["set-cookie"]).group(1)
    assert issued != "ditanam-penyerang" and len(issued) >= 40
    fresh = _client(app)
    fresh.cookies.set("layanan_sesi", "ditanam-penyerang")
    assert fresh.get("/kerja", follow_redirects=False).status_code == 303


# ------------------------------------------------------------------ headers, hosts, cookies, limits


def test_pages_are_never_cached_and_static_assets_are(app):
    client = _signed_in(app)
    for path in ("/kerja", "/status", "/standar", "/api/v1/tugas", "/masuk"):
        assert client.get(path).headers["cache-control"] == "no-store", path
    assert "max-age" in client.get("/static/layanan.css").headers["cache-control"]


def test_the_host_header_is_not_trusted(app, service, library):
    client = _signed_in(app, f"{OFFICE}.petugas_layanan")
    assert client.get("/kerja", headers={"Host": "penyerang.example"}).status_code == 400
    standard = "kaltim-data-agregat"
    reqs = [r["id"] for r in library.standard(standard).requirements(None, None, {})]
    case_id = service.open_case(standard, dict(SAMPLE_APPLICANT), requirements=reqs,
                                actor=f"{OFFICE}.petugas_layanan")
    from engine.store.models import Case

    with service.store.read() as s:
        number = s.get(Case, case_id).number
    receipt = client.get(f"/kasus/{number}/tanda-terima")
    assert "http://testserver/status" in receipt.text


def test_secure_cookies_with_an_https_public_url(service):
    secured = web_app(service, public_url="https://layanan.kaltimprov.go.id")
    assert secured.state.secure_cookies is True
    client = TestClient(secured, base_url="https://layanan.kaltimprov.go.id")
    page = client.get("/masuk")
    assert "secure" in page.headers["set-cookie"].lower()
    assert web_app(service, secure_cookies=True).state.secure_cookies is True


def test_oversized_requests_are_refused(app, service, library):
    client = _signed_in(app, f"{OFFICE}.petugas_layanan")
    csrf = _csrf(client)
    huge = client.post("/api/v1/kasus", headers={"X-CSRF-Token": csrf},
                       json={"standard": "kaltim-data-agregat", "applicant": dict(SAMPLE_APPLICANT, name="A" * 20_000_000)})
    assert huge.status_code == 413 and "terlalu besar" in huge.json()["error"]
    long_name = client.post("/api/v1/kasus", headers={"X-CSRF-Token": csrf},
                            json={"standard": "kaltim-data-agregat", "requirements": [r["id"] for r in library.standard(
                                "kaltim-data-agregat").requirements(None, None, {})],
                                  "applicant": dict(SAMPLE_APPLICANT, name="A" * 300_000)})
    assert long_name.status_code == 400 and long_name.json()["field"] == "applicant.name"
    reason = client.post("/api/v1/tugas/1/selesai", headers={"X-CSRF-Token": csrf},
                         json={"outcome": "x", "reason": "r" * 10_000})
    assert reason.status_code == 400 and reason.json()["field"] == "reason"
    from engine.store.models import Case

    with service.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


# ------------------------------------------------------------------ passwords


@pytest.mark.parametrize("password", ["aaaaaaaaaa", "password123", "qwertyuiop12", "indonesia2026",
                                      "bismillah123", "disdukcapil-kaltim", "1234567890"])
def test_common_passwords_are_refused(password):
    assert passwords.password_problem(password, username=OPERATOR, office=OFFICE) is not None


def test_a_long_passphrase_is_accepted():
    assert passwords.password_problem("kopi-hujan-sepeda-78", username=OPERATOR) is None


def test_the_admin_page_and_the_cli_refuse_a_weak_password(app, service):
    service.directory.set_admin(f"{OFFICE}.kepala_dinas")
    client = _signed_in(app, f"{OFFICE}.kepala_dinas")
    page = client.post("/admin/pengguna", data={"csrf": _csrf(client), "username": "loket9", "full_name": "Loket",
                                                "roles": ["petugas_layanan"], "password": "aaaaaaaaaa",
                                                "active": "1"})
    assert page.status_code == 400 and "mudah ditebak" in page.text
    from .conftest import run_cli

    proc = run_cli("user", "add", "loket8", "--office", OFFICE, "--role", "operator", "--password-stdin",
                   env={"LAYANAN_DATABASE_URL": service.store.url}, input_text="aaaaaaaaaa\n")
    assert proc.returncode != 0 and "mudah ditebak" in proc.stderr and "Traceback" not in proc.stderr
