"""Alternative requirements ("A atau B") and tariff tables (issue 19), on the corpus's passport standard of a
Kantor Imigrasi: one of three documents suffices; the fee is the sum of the tariff items that apply."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.errors import InvalidInput
from engine.publish.render import render_standard
from engine.standard.model import load_library
from engine.store.models import Case, Event

WIB = ZoneInfo("Asia/Jakarta")
CORPUS = Path(__file__).parent / "data" / "corpus"
PASPOR = "imigrasi-oki-paspor"
OFFICE = "kanim-ogan-komering-ilir"
AT = datetime(2026, 12, 7, 9, tzinfo=WIB)


@pytest.fixture
def service(database_url):
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    store = Store(database_url)  # SQLite, or PostgreSQL in CI's second list
    svc = CaseService(store, load_library(CORPUS))
    svc.directory.sync_offices()
    users_for(svc, stock=False)
    yield svc
    store.dispose()


def _open(service, requirements, variant="reguler", answers=None):
    from engine.cases.simulate import SAMPLE_APPLICANT

    return service.open_case(PASPOR, dict(SAMPLE_APPLICANT), variant=variant, channel="m_paspor",
                             answers=answers or {"jenis_paspor": "biasa", "pewarganegaraan": False, "ganti_nama": False}, requirements=requirements, at=AT)


def test_one_document_of_an_alternative_requirement_is_enough(service):
    case_id = _open(service, ["ktp", "kk", "ijazah"])
    with service.store.read() as s:
        assert s.get(Case, case_id).status != "incomplete"


def test_none_of_the_alternatives_is_named_as_such_and_an_unknown_one_is_refused(service):
    case_id = _open(service, ["ktp", "kk"])  # an online application may be recorded incomplete
    with service.store.read() as s:
        assert s.get(Case, case_id).status == "incomplete"
        before = s.scalar(select(func.count()).select_from(Event))
    with pytest.raises(InvalidInput, match="'paspor_lama' tidak berlaku"):
        _open(service, ["ktp", "kk", "paspor_lama"])
    with service.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == before  # refused: nothing written
    from engine.cases.core.decide import incomplete_message

    standard = service.library.standard(PASPOR)
    message = incomplete_message(standard, "reguler", "m_paspor", {}, ["bukti_identitas"])
    assert "Dokumen yang memuat nama, tanggal lahir, dan nama orang tua" in message


def test_the_fee_is_the_sum_of_the_tariff_items_that_apply():
    standard = load_library(CORPUS).standard(PASPOR)
    assert standard.fee_total("reguler", "m_paspor", {"jenis_paspor": "biasa"}) == 350_000
    assert standard.fee_total("reguler", "m_paspor", {"jenis_paspor": "elektronik"}) == 650_000
    assert standard.fee_total("percepatan", "m_paspor", {"jenis_paspor": "biasa"}) == 1_350_000


def test_the_published_document_lists_the_alternatives_and_the_tariff_with_its_conditions():
    standard = load_library(CORPUS).standard(PASPOR)
    text = render_standard(standard, fmt="md")
    assert "(salah satu: Akta kelahiran, Ijazah atau Buku nikah)" in text
    assert "Paspor Biasa 48 Halaman: Rp 350.000 (bila Jenis paspor: Paspor Biasa 48 Halaman)" in text
    assert "(bila varian Layanan Percepatan Paspor Selesai di Hari yang Sama)" in text
    assert "3–4 hari kerja (titik mulai penghitungan tidak dinyatakan)" in text


def test_the_payment_records_the_total_of_this_application(service):
    from engine.cases.simulate import SAMPLE_APPLICANT
    from engine.store.models import Task

    case_id = service.open_case(PASPOR, dict(SAMPLE_APPLICANT), variant="percepatan", channel="m_paspor",
                                answers={"jenis_paspor": "elektronik", "pewarganegaraan": False, "ganti_nama": False}, requirements=["ktp", "kk", "akta_kelahiran"],
                                at=AT)

    def open_task():
        with service.store.read() as s:
            return s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).first()

    payment = open_task()
    assert payment.step_id == "pembayaran"
    service.complete(payment.id, f"{OFFICE}.petugas_loket", outcome="ditetapkan", data={"jumlah": 1_650_000}, at=AT)
    service.complete(open_task().id, f"{OFFICE}.petugas_loket", outcome="lunas",
                     data={"jumlah": 1_650_000, "referensi": "820261207000123"}, at=AT)
    with service.store.read() as s:
        paid = s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == "payment_received")).one()
    assert paid.data["amount"] == 1_650_000 and paid.data["reference"] == "820261207000123"


@pytest.mark.parametrize("outcome, issued", [("tolak", {"surat_penolakan"}), ("setuju", {"izin"})])
def test_a_rejection_issues_its_refusal_letter_and_only_the_path_taken_is_issued(database_url, outcome, issued):
    from engine.cases.service import CaseService
    from engine.cases.simulate import SAMPLE_APPLICANT, users_for
    from engine.store.db import Store
    from engine.store.models import Document, Product, Task

    from .conftest import TEST_LIBRARY

    store = Store(database_url)
    service = CaseService(store, load_library(TEST_LIBRARY / "standards"))
    service.directory.sync_offices()
    users_for(service, stock=False)
    at = datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("Asia/Makassar"))
    case_id = service.open_case("uji-surat-penolakan", dict(SAMPLE_APPLICANT), requirements=["surat"],
                                actor="kantor-uji.petugas", at=at)
    for _ in range(3):
        with store.read() as s:
            task = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).first()
        if task is None:
            break
        service.complete(task.id, f"kantor-uji.{task.role}", outcome=outcome if task.step_id == "keputusan" else None,
                         reason="Tidak memenuhi ketentuan" if outcome == "tolak" else None, at=at)
    with store.read() as s:
        products = {p.product_id: p for p in s.scalars(select(Product).where(Product.case_id == case_id))}
        documents = {d.product_id for d in s.scalars(select(Document).where(Document.case_id == case_id))}
        status = s.get(Case, case_id).status
    assert set(products) == issued and all(p.handed_over_at is not None for p in products.values())
    if outcome == "tolak":
        assert status == "rejected" and products["surat_penolakan"].number and documents == {"surat_penolakan"}
    else:
        assert status == "done" and "surat_penolakan" not in documents
    store.dispose()


def test_the_payment_page_starts_from_this_applications_total(service):
    import re

    from fastapi.testclient import TestClient

    from engine.cases.simulate import SAMPLE_APPLICANT
    from engine.store.models import Task
    from engine.web.auth import hash_password

    from .conftest import post_sign_in, web_app

    case_id = service.open_case(PASPOR, dict(SAMPLE_APPLICANT), variant="percepatan", channel="m_paspor",
                                answers={"jenis_paspor": "biasa", "pewarganegaraan": False, "ganti_nama": False},
                                requirements=["ktp", "kk", "ijazah"], at=AT)
    with service.store.read() as s:
        task = s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).one()
    service.directory.set_password(f"{OFFICE}.petugas_loket", hash_password("kata-sandi-uji-2026"))
    client = TestClient(web_app(service))
    post_sign_in(client, f"{OFFICE}.petugas_loket", "kata-sandi-uji-2026")
    page = client.get(f"/tugas/{task.id}").text
    field = re.search(r'<input[^>]*name="data\.jumlah"[^>]*>', page).group(0)
    assert 'value="1350000"' in field  # Paspor Biasa Rp350.000 + percepatan Rp1.000.000
