"""A working day of the head of office, the auditor and the admin in Chromium, at desktop and phone widths,
reading what is on each page (issue 20): the head's dashboard and the draft it signs or refuses, the
auditor's report whose figures open the cases, with no action buttons, and the admin handing a departed
officer's tasks to a colleague. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.cases.simulate import SAMPLE_APPLICANT, Scenario, act_on_open_tasks

from .e2e_support import OFFICE, PASSWORD, SUBMIT, browser, fits, server, shot, sign_in  # noqa: F401

pytestmark = pytest.mark.slow
STANDARD = "kaltim-data-agregat"


def _case(service, rounds: int) -> str:
    """A case taken ``rounds`` moves forward by simulated officers (automated steps run here too)."""
    from engine.store.models import Case, Task

    standard = service.library.standard(STANDARD)
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT, name="Rahmat Hidayat"),
                                requirements=[r["id"] for r in standard.requirements(None, None, {})])
    for _ in range(rounds):
        with service.store.read() as s:
            automated = s.scalars(select(Task.id).where(Task.case_id == case_id, Task.role == "sistem",
                                                        Task.status == "open")).all()
        for task_id in automated:
            service.run_automated(task_id)
        if not automated:
            act_on_open_tasks(service, case_id, Scenario("approve"))
    with service.store.read() as s:
        return s.get(Case, case_id).number


@pytest.fixture(scope="module")
def office(server):
    base, service = server
    from engine.web.auth import hash_password

    hashed = hash_password(PASSWORD)
    for suffix, name, roles in (("auditor", "Auditor Inspektorat", []), ("admin", "Admin Kepegawaian", []),
                                ("operator2", "Operator Pengganti", ["operator"])):
        service.directory.add_user(f"{OFFICE}.{suffix}", name, OFFICE, roles)
        service.directory.set_password(f"{OFFICE}.{suffix}", hashed)
    service.directory.set_auditor(f"{OFFICE}.auditor")
    service.directory.set_admin(f"{OFFICE}.admin")
    return base, service


def test_the_heads_day_in_chromium(office, browser):
    base, service = office
    number = _case(service, rounds=4)  # intake, form, approval, numbering: at the head's signature
    head = sign_in(browser, base, f"{OFFICE}.kepala_dinas")
    assert head.url == f"{base}/beranda"
    waiting = head.inner_text("section[aria-labelledby=ttd]")
    assert number in waiting and "Baca dan tandatangani" in waiting
    counts = head.inner_text("ul.counts")
    assert "Terlambat" in counts and "Diterima hari ini" in counts and "Jatuh tempo hari ini" in counts
    shot(head, "12-beranda-kepala")
    head.click(f"section[aria-labelledby=ttd] a:has-text('Baca dan tandatangani')")
    head.wait_for_url(re.compile(r".*/tugas/\d+$"))
    assert "Rahmat Hidayat" in head.inner_text("[data-testid=draf]")  # the letter it would sign
    head.check("input[name=outcome][value=tolak]")
    head.click(SUBMIT)  # refusing needs a reason, said beside the reason
    assert "alasan wajib diisi" in head.inner_text(".field.invalid .field-error")
    head.set_viewport_size({"width": 360, "height": 780})
    for path in ("/beranda", "/kerja", "/cari?status=open&sla=late"):
        head.goto(base + path)
        assert fits(head), path
    head.goto(f"{base}/beranda")
    shot(head, "13-beranda-kepala-ponsel")


def test_the_auditors_day_in_chromium(office, browser):
    base, service = office
    _case(service, rounds=12)  # done
    _case(service, rounds=1)   # under way
    auditor = sign_in(browser, base, f"{OFFICE}.auditor")
    assert auditor.url.startswith(f"{base}/audit")
    assert "rantai utuh" in auditor.inner_text("[role=status]")
    report = auditor.inner_text("section.report")
    assert "Laporan pelayanan Dinas Kependudukan" in report and "Pemanfaatan Data dan Informasi" in report
    assert "p90" not in report and re.search(r"\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|"
                                            r"September|Oktober|November|Desember) 20\d\d", report)
    shot(auditor, "14-audit")
    received = auditor.locator("section.report > p >> nth=0").locator("a >> nth=0")
    shown = received.inner_text()
    received.click()
    auditor.wait_for_url(re.compile(r".*/cari\?.*"))
    assert f"{shown} kasus" in auditor.inner_text("[data-testid=jumlah]")
    auditor.click("table.cases a >> nth=0")
    assert "Ambil" not in auditor.inner_text("main") and "Kerjakan" not in auditor.inner_text("main")
    auditor.goto(f"{base}/kerja")
    assert "tidak ada tugas untuk Anda" in auditor.inner_text("main") and auditor.locator("button:has-text('Ambil')").count() == 0
    auditor.set_viewport_size({"width": 360, "height": 780})
    for path in ("/audit", "/cari"):
        auditor.goto(base + path)
        assert fits(auditor), path
    auditor.goto(f"{base}/audit")
    shot(auditor, "15-audit-ponsel")


def test_the_admins_day_in_chromium(office, browser):
    base, service = office
    from engine.store.models import Task

    number = _case(service, rounds=1)  # at the operator
    with service.store.read() as s:
        from engine.store.models import Case

        case_id = s.scalar(select(Case.id).where(Case.number == number))
        task_id = s.scalar(select(Task.id).where(Task.case_id == case_id, Task.status == "open"))
    service.claim(task_id, f"{OFFICE}.operator")
    admin = sign_in(browser, base, f"{OFFICE}.admin")
    assert admin.url == f"{base}/admin/pengguna"
    admin.click(f"a[href='/admin/pengguna/{OFFICE}.operator/alihkan']")
    assert number in admin.inner_text("main") and "Operator Pengganti" in admin.inner_text("select[name=to]")
    admin.select_option("select[name=to]", f"{OFFICE}.operator2")
    admin.fill("textarea[name=reason]", "Petugas pindah tugas ke bidang lain")
    shot(admin, "16-alihkan-tugas")
    admin.click(SUBMIT)
    admin.wait_for_url(re.compile(r".*/admin/pengguna\?dialihkan=.*"))
    assert "tugas disdukcapil-kaltim.operator dialihkan" in admin.inner_text("[role=status]")
    with service.store.read() as s:
        assert s.get(Task, task_id).assignee_id is not None
    assert task_id in service.held_tasks(f"{OFFICE}.operator2")
    admin.set_viewport_size({"width": 360, "height": 780})
    admin.goto(f"{base}/admin/pengguna")
    assert fits(admin)
    shot(admin, "17-pengguna-ponsel")


def test_the_operators_returned_task_on_a_phone(office, browser):
    """The verifier's return reaches the operator on a phone: the reason on top, the values entered before."""
    base, service = office
    from engine.store.models import Case, Task

    number = _case(service, rounds=2)  # intake and the operator's form: at the verifier
    with service.store.read() as s:
        case_id = s.scalar(select(Case.id).where(Case.number == number))
        task_id = s.scalar(select(Task.id).where(Task.case_id == case_id, Task.status == "open"))
    service.complete(task_id, f"{OFFICE}.subkoor_piak", outcome="perbaiki",
                     reason="Wilayah harus ditulis lengkap dengan kecamatannya")
    with service.store.read() as s:
        returned = s.scalar(select(Task.id).where(Task.case_id == case_id, Task.status == "open"))
    operator = sign_in(browser, base, f"{OFFICE}.operator", width=360)
    assert operator.url == f"{base}/kerja" and fits(operator)
    operator.click(f"form[action='/tugas/{returned}/ambil'] button")
    operator.wait_for_url(f"{base}/tugas/{returned}")
    assert "Wilayah harus ditulis lengkap dengan kecamatannya" in operator.inner_text("[data-testid=dikembalikan]")
    assert operator.input_value("input[name='data.wilayah']")  # filled with what was entered before
    assert fits(operator)
    shot(operator, "18-tugas-dikembalikan-ponsel")


def test_the_survey_from_the_hand_over_to_the_report_in_chromium(office, browser):
    """The applicant answers the survey on a phone from the link on the receipt, tapping one choice per
    element; the head then reads the index and the grade in the SKM report."""
    base, service = office
    number = _case(service, rounds=12)  # closed
    front = sign_in(browser, base, f"{OFFICE}.petugas_layanan")
    front.goto(f"{base}/kasus/{number}/tanda-terima")
    link = re.search(r"http://[^\s<]+/survei/[A-Za-z0-9_-]+", front.inner_text("body")).group(0)
    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="id-ID").new_page()
    phone.goto(link)
    assert "Bagaimana pendapat Saudara tentang kesesuaian persyaratan" in phone.inner_text("main")
    assert "Rahmat Hidayat" not in phone.inner_text("body")
    for element in range(1, 10):
        phone.locator(f"input[name=U{element}][value='{3 if element % 2 else 4}']").check()
    phone.fill("textarea[name=suggestion]", "Ruang tunggu kurang kursi")
    assert fits(phone)
    shot(phone, "19-survei-ponsel")
    phone.click("form.survey button[type=submit]")
    assert "Terima kasih" in phone.inner_text("[role=status]")
    head = sign_in(browser, base, f"{OFFICE}.kepala_dinas")
    head.goto(f"{base}/skm")
    report = head.inner_text("section.skm-report")
    assert "LAPORAN SURVEI KEPUASAN MASYARAKAT" in report and "Ruang tunggu kurang kursi" in report
    assert re.search(r"Mutu pelayanan: [AB] \((Sangat baik|Baik)\)", report)
    shot(head, "20-laporan-skm")


def test_a_complaint_from_a_phone_to_the_reply_in_chromium(office, browser):
    """A citizen files a complaint on a phone, asking for confidentiality; the handler triages it and sees
    who complained, the operator does not; the reply reaches the status page, where the citizen rates it."""
    base, service = office
    from engine.store.models import Case, Task

    phone = browser.new_context(viewport={"width": 360, "height": 780}, locale="id-ID").new_page()
    phone.goto(f"{base}/pengaduan")
    phone.fill("textarea[name=isi]", "Petugas loket meminta uang tambahan untuk mempercepat KTP")
    phone.fill("input[name=name]", "Sri Pelapor")
    phone.check("input[name=rahasia]")
    assert fits(phone)
    shot(phone, "21-pengaduan-ponsel")
    phone.click("form.complaint button[type=submit]")
    code = phone.inner_text("strong.code")
    assert "Pengaduan Anda kami terima" in phone.inner_text("[role=status]")
    with service.store.read() as s:
        case = s.scalar(select(Case).where(Case.receipt_code == code))
        triage = s.scalar(select(Task).where(Task.case_id == case.id, Task.status == "open"))
    handler = sign_in(browser, base, f"{OFFICE}.pengelola_pengaduan")
    handler.goto(f"{base}/kerja")
    handler.click(f"form[action='/tugas/{triage.id}/ambil'] button")
    handler.wait_for_url(f"{base}/tugas/{triage.id}")
    assert "Sri Pelapor" in handler.inner_text("main")  # the handler sees the complainant
    handler.select_option("select[name='data.tingkat']", "pengawasan")
    handler.fill("textarea[name='data.alasan_tingkat']", "Dugaan pungutan liar: perlu pemeriksaan")
    handler.check("input[name=outcome][value=proses]")
    shot(handler, "22-telaah-pengaduan")
    handler.click(SUBMIT)
    handler.wait_for_url(re.compile(r".*/kasus/.*"))
    operator = sign_in(browser, base, f"{OFFICE}.operator")
    operator.goto(f"{base}/kasus/{case.number}")
    assert "Sri Pelapor" not in operator.inner_text("body") and "(dirahasiakan)" in operator.inner_text("main")
    answers = {"disposisi": ({"bidang": "fasilitasi"}, "pengelola_pengaduan"),
               "tindak_lanjut": ({"tindakan": "Pemeriksaan petugas", "hasil": "Petugas dijatuhi sanksi"},
                                 "subkoor_dafduk_capil"),
               "jawaban": ({"jawaban": "Petugas yang bersangkutan telah diperiksa dan dijatuhi sanksi."},
                           "pengelola_pengaduan"), "penyampaian": ({}, "pengelola_pengaduan")}
    while True:
        with service.store.read() as s:
            task = s.scalar(select(Task).where(Task.case_id == case.id, Task.status.in_(("open", "claimed"))))
        if task is None:
            break
        data, role = answers[task.step_id]
        service.complete(task.id, f"{OFFICE}.{role}", data=data)
    phone.goto(f"{base}/status?kode={code}")
    page = phone.inner_text("main")
    assert "Memerlukan pengawasan dan pemeriksaan" in page and "dijatuhi sanksi" in page
    assert "Sri Pelapor" not in page
    phone.locator("form.rating input[name=score][value='4']").check()
    phone.click("form.rating button[type=submit]")
    assert "Terima kasih atas penilaian Anda" in phone.inner_text("[role=status]")
    assert fits(phone)
    shot(phone, "23-jawaban-pengaduan-ponsel")
