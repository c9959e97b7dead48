"""Each role's home and what it carries (issue 20): the head's dashboard of today, the auditors' report
whose every figure opens the cases it counts, the admin's hand-over of a departed officer's tasks, and a
worklist that says how late a task is. In-process over HTTP, at fixed moments."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.audit.verify import verify
from engine.cases.simulate import SAMPLE_APPLICANT, Scenario, act_on_open_tasks
from engine.store.models import Case, Event, Task

from .conftest import post_sign_in, web_app

PASSWORD = "kata-sandi-uji-2026"
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"  # 3 working days; intake, form, approval, numbering, signature, hand-over
WITA = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 10, 10, tzinfo=WITA)  # a Thursday


@pytest.fixture
def office(service, monkeypatch, tmp_path):
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    for module in ("engine.web.home", "engine.web.case_list", "engine.web.auditor", "engine.cases.queries"):
        monkeypatch.setattr(f"{module}.now", lambda: NOW)
    service.directory.add_user(f"{OFFICE}.auditor", "Auditor Kaltim", OFFICE, [])
    service.directory.set_auditor(f"{OFFICE}.auditor")
    service.directory.add_user(f"{OFFICE}.admin", "Admin Kaltim", OFFICE, [])
    service.directory.set_admin(f"{OFFICE}.admin")
    service.directory.add_user(f"{OFFICE}.operator2", "Operator Kedua", OFFICE, ["operator"])
    hashed = hash_password(PASSWORD)
    for name in (f"{OFFICE}.{r}" for r in ("auditor", "admin", "operator", "operator2", "kepala_dinas",
                                            "petugas_layanan", "subkoor_piak", "kabid_piak")):
        service.directory.set_password(name, hashed)
    return service


def _client(service, role):
    client = TestClient(web_app(service))
    assert post_sign_in(client, f"{OFFICE}.{role}", PASSWORD, follow_redirects=False).status_code == 303
    return client


def _open(service, at, rounds=0):
    standard = service.library.standard(STANDARD)
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT),
                                requirements=[r["id"] for r in standard.requirements(None, None, {})], at=at)
    for n in range(rounds):
        moment = at + timedelta(minutes=10 * (n + 1))
        with service.store.read() as s:
            automated = s.scalars(select(Task.id).where(Task.case_id == case_id, Task.role == "sistem",
                                                        Task.status == "open")).all()
        for task_id in automated:
            service.run_automated(task_id, at=moment)
        if not automated:
            act_on_open_tasks(service, case_id, Scenario("approve"), at=moment)
    return case_id


def _number(service, case_id):
    with service.store.read() as s:
        return s.get(Case, case_id).number


def _csrf(page_text):
    return re.search(r'name="csrf" value="([^"]+)"', page_text).group(1)


def test_each_role_lands_on_its_own_home(office):
    for role, home in (("kepala_dinas", "/beranda"), ("operator", "/kerja"), ("kabid_piak", "/kerja"),
                       ("auditor", "/audit"), ("admin", "/admin/pengguna")):
        client = _client(office, role)
        response = client.get("/", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == home, role
    worklist = _client(office, "kabid_piak").get("/kerja").text
    assert 'href="/beranda"' in worklist  # a supervisor reaches the office's summary from the worklist


def test_the_heads_dashboard_shows_today_and_every_count_opens_its_cases(office):
    late = _open(office, NOW - timedelta(days=9), rounds=1)            # due 4 December, at the operator
    due_today = _open(office, datetime(2026, 12, 7, 9, tzinfo=WITA), rounds=1)  # Monday + 3 working days
    to_sign = _open(office, NOW - timedelta(hours=2), rounds=4)        # at the head's signature
    client = _client(office, "kepala_dinas")
    page = client.get("/beranda").text
    assert "Menunggu tanda tangan Anda (1)" in page and _number(office, to_sign) in page
    assert "Baca dan tandatangani" in page
    counts = dict((label, int(n)) for n, label in re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", page))
    assert counts["Terlambat"] == 1 and counts["Jatuh tempo hari ini"] == 1 and counts["Diterima hari ini"] == 1
    for link, label in re.findall(r'<a href="(/cari\?[^"]+)"><strong>\d+</strong><span>([^<]+)</span>', page):
        listed = client.get(link.replace("&amp;", "&")).text
        if counts[label]:
            assert f"<strong>{counts[label]}</strong> kasus" in listed, label
        else:
            assert "Tidak ada kasus yang cocok" in listed, label
    late_list = client.get("/cari?status=open&sla=late").text
    assert _number(office, late) in late_list and _number(office, due_today) not in late_list
    assert "Register hari ini: 1 permohonan diterima" in page


def test_every_figure_of_the_auditors_report_opens_as_many_cases(office):
    _open(office, datetime(2026, 12, 1, 9, tzinfo=WITA), rounds=12)   # done
    _open(office, datetime(2026, 12, 2, 9, tzinfo=WITA), rounds=1)    # late by NOW
    _open(office, datetime(2026, 12, 9, 9, tzinfo=WITA), rounds=2)    # under way
    client = _client(office, "auditor")
    page = client.get("/audit?dari=2026-12-01&sampai=2026-12-10").text
    assert "Ambil" not in page and "Laporan pelayanan Dinas Kependudukan" in page
    assert "1 Desember 2026 s.d. 10 Desember 2026" in page and "p90" not in page
    assert "Survei kepuasan masyarakat" in page and "Triwulan IV 2026" in page  # the survey beside the report
    links = re.findall(r'<a href="(/cari\?[^"]+)">([\d.]+)%?</a>', page)
    assert len(links) >= 8
    for link, figure in links:
        listed = client.get(link.replace("&amp;", "&")).text
        total = re.search(r"<strong>([\d.]+)</strong> kasus", listed)
        expected = figure if "." not in figure else None  # a percentage opens the on-time cases
        assert total is not None, link
        if expected:
            assert total.group(1) == expected, (link, figure)
    worklist = client.get("/kerja").text
    assert "tidak ada tugas untuk Anda" in worklist and "Ambil" not in worklist


def test_the_admin_hands_a_departed_officers_tasks_to_a_colleague(office):
    cases = [_open(office, NOW - timedelta(hours=3 - n), rounds=1) for n in range(2)]  # both at the operator
    with office.store.read() as s:
        tasks = s.scalars(select(Task.id).where(Task.case_id.in_(cases), Task.status == "open")).all()
    for task_id in tasks:
        office.claim(task_id, f"{OFFICE}.operator", at=NOW)
    client = _client(office, "admin")
    users = client.get("/admin/pengguna").text
    assert f"/admin/pengguna/{OFFICE}.operator/alihkan" in users
    page = client.get(f"/admin/pengguna/{OFFICE}.operator/alihkan").text
    assert "memegang 2 tugas" in page and f"{OFFICE}.operator2" in page and f"{OFFICE}.auditor" not in page
    csrf = _csrf(page)
    refused = client.post(f"/admin/pengguna/{OFFICE}.operator/alihkan",
                          data={"csrf": csrf, "to": f"{OFFICE}.operator2", "reason": ""})
    assert refused.status_code == 400 and "alasan pengalihan wajib diisi" in refused.text
    wrong = client.post(f"/admin/pengguna/{OFFICE}.operator/alihkan",
                        data={"csrf": csrf, "to": f"{OFFICE}.kepala_dinas", "reason": "Pindah tugas"})
    assert wrong.status_code == 400 and "tidak memegang peran" in wrong.text
    with office.store.read() as s:
        assert {t.assignee_id for t in s.scalars(select(Task).where(Task.id.in_(tasks)))} != {None}
        assert not s.scalars(select(Event).where(Event.kind == "task_reassigned")).all()
    done = client.post(f"/admin/pengguna/{OFFICE}.operator/alihkan",
                       data={"csrf": csrf, "to": f"{OFFICE}.operator2", "reason": "Pindah ke bidang lain"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert "2 tugas disdukcapil-kaltim.operator dialihkan" in client.get(done.headers["location"]).text
    with office.store.read() as s:
        moved = s.scalars(select(Event).where(Event.kind == "task_reassigned")).all()
        assert len(moved) == 2 and all(e.data["reason"] == "Pindah ke bidang lain" for e in moved)
        assert office.held_tasks(f"{OFFICE}.operator2") == sorted(tasks)
    assert verify(office.store).ok
    # the colleague now has them to do
    operator2 = _client(office, "operator2")
    assert "Kerjakan" in operator2.get("/kerja").text


def test_deactivating_an_officer_puts_their_tasks_back_in_the_worklist(office):
    case_id = _open(office, NOW - timedelta(hours=1), rounds=1)
    with office.store.read() as s:
        task_id = s.scalar(select(Task.id).where(Task.case_id == case_id, Task.status == "open"))
    office.claim(task_id, f"{OFFICE}.operator", at=NOW)
    client = _client(office, "admin")
    csrf = _csrf(client.get(f"/admin/pengguna?ubah={OFFICE}.operator").text)
    response = client.post("/admin/pengguna", data={"csrf": csrf, "username": f"{OFFICE}.operator",
                                                    "full_name": "Operator", "roles": ["operator"]},
                           follow_redirects=False)
    assert response.status_code == 303
    with office.store.read() as s:
        task = s.get(Task, task_id)
        assert task.status == "open" and task.assignee_id is None
        released = s.scalar(select(Event).where(Event.kind == "task_released", Event.task_id == task_id))
        assert released.data["holder"] == f"{OFFICE}.operator" and "dinonaktifkan" in released.data["reason"]
    assert verify(office.store).ok


def test_a_late_task_says_how_late_and_the_list_says_when_it_is_cut(office):
    _open(office, datetime(2026, 12, 1, 9, tzinfo=WITA), rounds=1)  # due 4 December; 10 December is 4 working days later
    page = _client(office, "operator").get("/kerja").text
    assert re.search(r"terlambat \d+ hari kerja", page) and "-4 hari kerja" not in page
