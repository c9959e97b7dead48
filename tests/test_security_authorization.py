"""Every boundary of engine.access.policy, proved through the JSON API for every standard of the library
and every officer of every office (one per role, plus an auditor and an admin): who may register an
application, read a case, and take each of its steps; the admin and audit pages; and that every route but
the public ones needs a sign-in. A refused request changes nothing."""

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.access import passwords, policy
from engine.access.signin import Limits
from engine.cases.simulate import SAMPLE_APPLICANT, Scenario, act_on_open_tasks, sample_answers
from engine.store.models import Case, Task, User

from .conftest import post_sign_in, web_app

PASSWORD = "kata-sandi-uji-2026"
PUBLIC = {"/masuk", "/standar", "/standar/{standard_id}", "/status", "/api/docs", "/api/docs/aset/{name}",
          "/api/openapi.json", "/api/v1/masuk", "/"}
pytestmark = pytest.mark.slow  # some 5,000 requests: every role of every office against every standard


@pytest.fixture
def people(service, library, tmp_path, monkeypatch):
    """Signed-in API clients: username -> (client, csrf, actor as the policy sees them)."""
    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    for office in library.offices:
        service.directory.add_user(f"{office}.auditor", "Auditor", office, [])
        service.directory.set_auditor(f"{office}.auditor")
        service.directory.add_user(f"{office}.admin", "Admin", office, [])
        service.directory.set_admin(f"{office}.admin")
    hashed = passwords.hash_password(PASSWORD)
    with service.store.read() as s:
        users = s.scalars(select(User)).unique().all()
        actors = {u.username: policy.Actor(u.username, u.office_id, frozenset(u.role_ids), bool(u.is_admin),
                                           bool(u.is_auditor)) for u in users}
    for name in actors:
        service.directory.set_password(name, hashed)
    app = web_app(service, limits=Limits(per_address=10_000, per_account=10_000))
    clients = {}
    for name, actor in sorted(actors.items()):
        client = TestClient(app)
        signed = client.post("/api/v1/masuk", json={"username": name, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        clients[name] = (client, signed.json()["csrf_token"], actor)
    return app, clients


def _counter_combination(standard):
    combos = sorted(standard.combinations(), key=lambda vc: vc[1] == "daring")
    return combos[0]


def _application(standard):
    variant, channel = _counter_combination(standard)
    answers = sample_answers(standard, variant, channel)
    units = standard.data.get("units") or [u["id"] for u in standard.office.data.get("units") or []]
    return {"standard": standard.id, "applicant": dict(SAMPLE_APPLICANT), "variant": variant, "channel": channel,
            "unit": units[0] if units else None, "answers": answers,
            "requirements": [r["id"] for r in standard.requirements(variant, channel, answers)]}


def _cases(service):
    with service.store.read() as s:
        return s.scalar(select(func.count()).select_from(Case))


def test_every_route_but_the_public_ones_needs_a_sign_in(service):
    app = web_app(service)
    client = TestClient(app)
    for route in app.routes:
        if not isinstance(route, APIRoute) or route.path in PUBLIC:
            continue
        path = route.path.replace("{number}", "X").replace("{task_id}", "1").replace("{standard_id}", "x") \
            .replace("{product_id}", "p")
        for method in route.methods - {"HEAD"}:
            response = client.request(method, path, follow_redirects=False)
            assert response.status_code in (303, 401, 403), (method, route.path, response.status_code)
            if response.status_code == 303:
                assert response.headers["location"].startswith("/masuk"), route.path


def test_opening_reading_and_acting_follow_the_policy_for_every_role_and_standard(service, library, people):
    _app, clients = people
    checked = {"open": 0, "read": 0, "act": 0}
    for standard in sorted(library.standards.values(), key=lambda s: s.id):
        application = _application(standard)
        variant, channel = _counter_combination(standard)
        target = policy.Target(office_id=standard.office.id,
                               intake_roles=standard.intake_roles(variant, channel, application["answers"]))
        opened = None
        for name, (client, csrf, actor) in clients.items():
            expected = policy.allowed(actor, "case.open", target)
            for incomplete in (True, False):
                before = _cases(service)
                body = dict(application, incomplete=incomplete, requirements=application["requirements"][:-1]
                            if incomplete else application["requirements"])
                response = client.post("/api/v1/kasus", json=body, headers={"X-CSRF-Token": csrf})
                checked["open"] += 1
                if expected:
                    assert response.status_code == 201, (standard.id, name, incomplete, response.text)
                    if not incomplete and opened is None:
                        opened = response.json()["number"]
                else:
                    assert response.status_code == 403, (standard.id, name, incomplete, response.text)
                    assert _cases(service) == before
        assert opened is not None, f"nobody may open {standard.id}?"
        for name, (client, _csrf, actor) in clients.items():
            read = client.get(f"/api/v1/kasus/{opened}")
            checked["read"] += 1
            may = policy.allowed(actor, "case.read", policy.Target(office_id=standard.office.id))
            assert read.status_code == (200 if may else 404), (standard.id, name)
        checked["act"] += _walk_and_try_every_step(service, clients, opened)
    assert checked["open"] >= 2 * len(clients) * len(library.standards)
    assert checked["act"] > 1000


def _walk_and_try_every_step(service, clients, number) -> int:
    """At each open human step of the case, every officer tries to claim it and to complete it."""
    tried = 0
    with service.store.read() as s:
        case_id = s.scalar(select(Case.id).where(Case.number == number))
    for _round in range(12):
        with service.store.read() as s:
            task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status.in_(("open", "claimed")),
                                               Task.role != "sistem"))
            office = s.get(Case, case_id).office_id
        if task is None:
            return tried
        target = policy.Target(office_id=office, role=task.role, step=task.step_id)
        for name, (client, csrf, actor) in clients.items():
            may = policy.allowed(actor, "task.act", target)
            refused_complete = client.post(f"/api/v1/tugas/{task.id}/selesai", json={"outcome": "tidak-ada"},
                                           headers={"X-CSRF-Token": csrf})
            claim = client.post(f"/api/v1/tugas/{task.id}/ambil", headers={"X-CSRF-Token": csrf})
            tried += 2
            if may:
                assert refused_complete.status_code == 400, (task.step_id, name)  # a bad outcome, not a refusal
                assert claim.status_code == 200, (task.step_id, name, claim.text)
                service.release(task.id, name)
            else:
                assert refused_complete.status_code == 403, (task.step_id, name)
                assert claim.status_code == 403, (task.step_id, name, claim.text)
            with service.store.read() as s:
                assert s.get(Task, task.id).status == "open"
        act_on_open_tasks(service, case_id, Scenario("approve"))
        _run_automated(service, case_id)
    return tried


def _run_automated(service, case_id):
    while True:
        with service.store.read() as s:
            task_id = s.scalar(select(Task.id).where(Task.case_id == case_id, Task.role == "sistem",
                                                     Task.status == "open"))
        if task_id is None:
            return
        service.run_automated(task_id)


def test_the_admin_and_audit_pages_follow_the_policy(service, library, people):
    app, clients = people
    for name, (_api_client, _csrf, actor) in clients.items():
        page_client = TestClient(app)
        assert post_sign_in(page_client, name, PASSWORD, follow_redirects=False).status_code == 303
        own = policy.Target(office_id=actor.office_id)
        assert page_client.get("/admin/pengguna").status_code == \
            (200 if policy.allowed(actor, "users.manage", own) else 403), name
        assert page_client.get("/audit").status_code == \
            (200 if policy.allowed(actor, "audit.read", own) else 403), name


def test_the_command_line_asks_the_same_policy(service, library):
    from .conftest import run_cli

    env = {"LAYANAN_DATABASE_URL": service.store.url}
    standard = library.standard("kaltim-data-agregat")
    application = _application(standard)
    import json
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"applicant": application["applicant"], "requirements": application["requirements"][:-1]}, handle)
    wrong = run_cli("case", "new", standard.id, "--applicant", handle.name, "--as", "disdukcapil-kaltim.operator",
                    "--incomplete", env=env)
    assert wrong.returncode == 1 and "peran penerima berkas" in wrong.stderr and "Traceback" not in wrong.stderr
    other = run_cli("case", "new", standard.id, "--applicant", handle.name, "--incomplete",
                    "--as", "disdukcapil-bontang.front_office", env=env)
    assert other.returncode == 1 and "bukan petugas" in other.stderr
    assert _cases(service) == 0
