"""The signed product: a signature needs the officer's TTE passphrase (throttled, never recorded), the
signed letter names its signer with NIP and position and carries a verification code and QR code, its PDF
is sealed for real (pyHanko, PAdES) once, and the public verification page tells an authentic file from
an altered one, a reprint and an unknown code."""

import re
from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from engine.access import tte
from engine.cases.queries import case_view
from engine.cases.simulate import DEMO_PASSPHRASE, SAMPLE_APPLICANT, Scenario, act_on_open_tasks
from engine.errors import Forbidden, InvalidInput
from engine.signing import check_pdf, load_seal, seal_pdf
from engine.store.models import Document, Event, Task

from .conftest import post_sign_in, web_app

OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-data-agregat"
HEAD = f"{OFFICE}.kepala_dinas"
AT = datetime(2026, 12, 7, 2, 0, tzinfo=timezone.utc)  # Monday 7 December 2026, 10.00 WITA
PASSWORD = "kata-sandi-uji-2026"


def _to_signature(service, library) -> tuple[int, int]:
    """A case of the standard moved on by simulated officers up to its signature step: (case, task)."""
    requirements = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=requirements,
                                actor=f"{OFFICE}.petugas_layanan", at=AT)
    for _ in range(12):
        with service.store.read() as s:
            task = s.scalar(select(Task).where(Task.case_id == case_id, Task.status == "open"))
        if task.kind == "signature":
            return case_id, task.id
        if task.role == "sistem":
            service.run_automated(task.id, at=AT)
        else:
            act_on_open_tasks(service, case_id, Scenario("approve"), at=AT)
    raise AssertionError("no signature step reached")


def _events(service, case_id=None) -> list:
    with service.store.read() as s:
        query = select(Event)
        if case_id is not None:
            query = query.where(Event.case_id == case_id)
        return s.scalars(query.order_by(Event.id)).all()


def test_a_seal_tells_an_intact_file_from_an_altered_one_and_from_another_certificate(tmp_path):
    from engine.pdf import html_to_pdf

    seal = load_seal(tmp_path / "tte")
    assert seal.demo and load_seal(tmp_path / "tte") == seal  # made once, then kept
    pdf = html_to_pdf("<html><body><h1>Surat Jawaban</h1><p>Isi surat</p></body></html>")
    signed = seal_pdf(pdf, seal, signer_name="Dr. Budi", reason="uji", location="Samarinda")
    verdict = check_pdf(signed, seal)
    assert verdict.authentic and verdict.signer == "Dr. Budi"
    assert not check_pdf(pdf, seal).signed  # a reprint carries no signature
    altered = bytearray(signed)
    altered[len(pdf) // 2] ^= 1
    assert check_pdf(bytes(altered), seal).signed and not check_pdf(bytes(altered), seal).authentic
    assert not check_pdf(signed + b"\n% appended\n", seal).authentic  # not the whole file signed
    other = load_seal(tmp_path / "other")
    assert check_pdf(signed, other).intact and not check_pdf(signed, other).trusted
    assert not check_pdf(b"not a pdf at all", seal).signed


def test_a_signature_needs_the_passphrase_and_a_refusal_changes_nothing(service, library):
    case_id, task_id = _to_signature(service, library)
    before = len(_events(service, case_id))
    with pytest.raises(Forbidden, match="frasa sandi TTE"):
        service.complete(task_id, HEAD, at=AT)
    other = tte.verify(service.store, f"{OFFICE}.petugas_layanan", DEMO_PASSPHRASE, now=AT)
    with pytest.raises(Forbidden, match="frasa sandi TTE"):  # another officer's proof is not the head's
        service.complete(task_id, HEAD, proof=other, at=AT)
    with pytest.raises(InvalidInput, match="frasa sandi TTE salah"):
        tte.verify(service.store, HEAD, "bukan-frasa-ini", now=AT)
    assert len(_events(service, case_id)) == before
    with service.store.read() as s:
        assert s.get(Task, task_id).status == "open"
    service.complete(task_id, HEAD, proof=tte.verify(service.store, HEAD, DEMO_PASSPHRASE, now=AT), at=AT)
    with service.store.read() as s:
        assert s.get(Task, task_id).status == "done"


def test_five_wrong_passphrases_lock_signing_for_a_while_and_are_recorded(service, library, caplog):
    for n in range(tte.FAILURES):
        with pytest.raises(InvalidInput):
            tte.verify(service.store, HEAD, f"salah-{n}-rahasia", now=AT + timedelta(minutes=n))
    with pytest.raises(tte.SigningLocked, match="dikunci"):  # even the right one, while locked
        tte.verify(service.store, HEAD, DEMO_PASSPHRASE, now=AT + timedelta(minutes=10))
    locked = [e for e in _events(service) if e.kind == "tte_locked"]
    assert len(locked) == 1 and locked[0].actor == HEAD
    assert tte.verify(service.store, HEAD, DEMO_PASSPHRASE, now=AT + timedelta(minutes=25)).username == HEAD
    everything = " ".join(str(e.data) for e in _events(service)) + caplog.text
    assert "salah-0-rahasia" not in everything and DEMO_PASSPHRASE not in everything


def test_the_signed_letter_names_its_signer_and_carries_its_verification_code(service, library):
    case_id, task_id = _to_signature(service, library)
    service.directory.set_signer(HEAD, nip="197001011995031001", position="Kepala Dinas Kependudukan",
                                 rank="Pembina Utama Muda, IV/c")
    service.complete(task_id, HEAD, proof=tte.verify(service.store, HEAD, DEMO_PASSPHRASE, now=AT), at=AT)
    with service.store.read() as s:
        docs = s.scalars(select(Document).where(Document.case_id == case_id, Document.product_id == "surat_jawaban")
                         .order_by(Document.id)).all()
        signed = docs[-1]
        assert signed.signed_at == AT and signed.verify_code and len(signed.verify_code) == 12
        html = signed.content
    for shown in ("Petugas Kepala Dinas", "NIP 197001011995031001", "Kepala Dinas Kependudukan",
                  "Pembina Utama Muda, IV/c", "Ditandatangani secara elektronik", "7 Desember 2026",
                  f'data-qr="http://127.0.0.1:8000/verifikasi/{signed.verify_code}"'):
        assert shown in html, shown
    assert "DRAF" not in html
    signed_event = [e for e in _events(service, case_id) if e.kind == "document_signed"][-1]
    assert signed_event.data["sha256"] == signed.sha256
    with pytest.raises(InvalidInput, match="18 angka"):
        service.directory.set_signer(HEAD, nip="12345")


@pytest.fixture
def web(service, tmp_path, monkeypatch):
    from engine.web.auth import hash_password

    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    service.directory.set_password(HEAD, hash_password(PASSWORD))
    return TestClient(web_app(service)), service


def _sign_in(client) -> None:
    assert post_sign_in(client, HEAD, PASSWORD, follow_redirects=False).status_code == 303


def _csrf(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_the_head_reads_the_draft_signs_with_the_passphrase_and_the_pdf_verifies(web, library):
    client, service = web
    case_id, task_id = _to_signature(service, library)
    number = case_view(service.store, case_id)["number"]
    _sign_in(client)
    page = client.get(f"/tugas/{task_id}")
    assert "Draf dokumen yang akan ditandatangani" in page.text and "DRAF — belum ditandatangani" in page.text
    assert SAMPLE_APPLICANT["name"] in page.text and 'type="password" name="passphrase"' in page.text
    wrong = client.post(f"/tugas/{task_id}", data={"csrf": _csrf(page), "passphrase": "tebak-tebakan"})
    assert wrong.status_code == 400 and "frasa sandi TTE salah" in wrong.text
    assert "tebak-tebakan" not in wrong.text
    done = client.post(f"/tugas/{task_id}", data={"csrf": _csrf(page), "passphrase": DEMO_PASSPHRASE},
                       follow_redirects=False)
    assert done.status_code == 303
    html = client.get(f"/kasus/{number}/dokumen/surat_jawaban")
    assert "style-src 'unsafe-inline'" in html.headers["content-security-policy"]  # the letter keeps its style
    assert "script-src" not in html.headers["content-security-policy"] and "<script" not in html.text
    code = re.search(r"/verifikasi/([A-Z0-9]{12})", html.text).group(1)
    assert '<div class="qr"><svg' in html.text  # the QR code drawn from the signed link
    pdf = client.get(f"/kasus/{number}/dokumen/surat_jawaban?format=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    again = client.get(f"/kasus/{number}/dokumen/surat_jawaban?format=pdf")
    assert again.content == pdf.content  # sealed once, then served as stored
    assert [e.kind for e in _events(service, case_id)].count("document_sealed") == 1
    verdict = check_pdf(pdf.content, load_seal(_data_dir() / "tte"))
    assert verdict.authentic

    public = TestClient(client.app)  # a citizen, not signed in
    found = public.get(f"/verifikasi/{code}")
    assert found.status_code == 200 and "Petugas Kepala Dinas" in found.text and number in found.text
    assert SAMPLE_APPLICANT["nik"] not in found.text and SAMPLE_APPLICANT["name"] not in found.text
    upload = public.post(f"/verifikasi/{code}", files={"berkas": ("surat.pdf", pdf.content, "application/pdf")})
    assert "Asli." in upload.text
    altered = bytearray(pdf.content)
    altered[len(altered) // 3] ^= 1
    changed = public.post(f"/verifikasi/{code}", files={"berkas": ("surat.pdf", bytes(altered), "application/pdf")})
    assert "Asli." not in changed.text and ("diubah" in changed.text or "Tidak bertanda tangan" in changed.text)
    reprint = public.post(f"/verifikasi/{code}", files={"berkas": ("x.pdf", b"%PDF-1.4 cetak ulang", "application/pdf")})
    assert "Tidak bertanda tangan elektronik" in reprint.text
    unknown = public.get("/verifikasi/ABCDEFGHJKLM")
    assert unknown.status_code == 404 and "tidak dikenal" in unknown.text
    odd = public.get("/verifikasi/" + "%27%22<x>" * 3)
    assert odd.status_code == 404 and "<x>" not in odd.text

    from engine.audit.verify import verify

    assert verify(service.store).ok  # the sealing is in the case's chain like every event


def _data_dir():
    import os
    from pathlib import Path

    return Path(os.environ["LAYANAN_DATA_DIR"])
