"""A citizen's online application in Chromium at phone width (360 px), reading what each page says: they
register and verify their e-mail with the code the mail server received, apply for Balikpapan's KTP-el
printing (each variant offered online) with their scans, are returned for correction with the officer's
reason and the requirement named, correct it, and are told by e-mail; and for a Kaltim standard they
download the signed letter from their account and verify it. The server is a real `layanan serve` whose
Prefect-run notifier sends to a real SMTP server (aiosmtpd). Screenshots go to docs/screenshots/."""

from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image
from sqlalchemy import select

from .e2e_support import SUBMIT, browser, fits, serve, shot  # noqa: F401
from .notify_support import SmtpServer

pytestmark = pytest.mark.slow
PHONE = {"width": 360, "height": 780}
KTP = "balikpapan-cetak-ktp-el"
KALTIM = "kaltim-pemadanan-data"


def _image(kind: str = "PNG", shade: int = 90) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (shade, 120, 160)).save(out, kind)
    return out.getvalue()


@pytest.fixture(scope="module")
def mail():
    with SmtpServer() as smtp:
        yield smtp


@pytest.fixture(scope="module")
def online(library, tmp_path_factory, mail):
    """`layanan serve` on SQLite, or on PostgreSQL with LAYANAN_TEST_POSTGRES (as CI runs it)."""
    from .conftest import fresh_database

    folder = tmp_path_factory.mktemp("daring")
    with fresh_database(folder) as url:
        for started in serve(library, folder, {"LAYANAN_SMTP_URL": mail.url}, url=url):
            base, service = started
            service.store.public_url = base  # what this test's officers do is notified with the server's links
            yield started


def _wait_for_mail(mail, address: str, subject: str, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [m for m in mail.inbox.to(address) if m["Subject"] == subject]
        if found:
            return found[-1].get_content()
        time.sleep(0.3)
    raise AssertionError(f"no '{subject}' mail for {address}; got {[m['Subject'] for m in mail.inbox.to(address)]}")


def accessible(page) -> None:
    """axe-core's checks (WCAG 2.1 A/AA: labels, contrast, names, structure) find nothing serious."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}})
    assert results.response.get("passes"), "axe-core ran no check"
    serious = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"


def _phone(browser):
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    return context.new_page()


def _register(page, base, mail, nik: str, email: str):
    page.goto(f"{base}/akun")
    assert "/akun/masuk" in page.url  # the account needs a sign-in
    page.click("text=Daftar akun baru")
    page.fill("input[name=nik]", nik)
    page.fill("input[name=name]", "Ani Lestari")
    page.fill("input[name=email]", email)
    page.fill("input[name=phone]", "081234500001")
    page.fill("input[name=password]", "kopi-hujan-sepeda-78")
    assert fits(page)
    accessible(page)
    page.click(SUBMIT)
    assert "Kami mengirim kode verifikasi" in page.inner_text("main")
    body = _wait_for_mail(mail, email, "Kode verifikasi surel")
    code = re.search(r": (\d{6})\.", body).group(1)
    page.fill("input[name=identifier]", email)
    page.fill("input[name=code]", code)
    page.click("main form[action='/akun/verifikasi'] button[type=submit]")
    page.wait_for_url(f"{base}/akun")
    assert "Belum ada permohonan" in page.inner_text("main")


def _officers_move(service, number: str, until_step: str | None = None, returned=None, reason=None):
    """The officers act on the case (through the case engine) until it reaches ``until_step`` or waits for
    the applicant; a return names ``returned`` with ``reason``."""
    from engine.store.models import Case, Task

    from .conftest import signing_proof

    for _ in range(12):
        with service.store.read() as s:
            case = s.scalar(select(Case).where(Case.number == number))
            task = s.scalar(select(Task).where(Task.case_id == case.id, Task.status.in_(("open", "claimed"))))
        if task is None or task.role == "pemohon" or task.step_id == until_step:
            return task
        who = f"{case.office_id}.{task.role}"
        if task.role == "sistem":
            try:
                service.run_automated(task.id)
            except Exception:  # the server's own orchestrator ran it first
                time.sleep(0.2)
        elif returned and task.step_id == "verifikasi":
            outcome = "perbaiki_permohonan" if case.standard_id == KTP else "lengkapi"
            service.complete(task.id, who, outcome=outcome, reason=reason, returned=returned)
            returned = None
        elif task.kind == "signature":
            service.complete(task.id, who, proof=signing_proof(service, who))
        elif task.step_id == "verifikasi":
            service.complete(task.id, who, outcome="setuju" if case.standard_id == KTP else "lanjut")
        elif task.step_id == "pemadanan":
            service.complete(task.id, who, data={"jumlah_data": 5, "jumlah_padan": 5, "berkas_hasil": "hasil.xlsx"})
        elif task.step_id == "pencetakan":
            service.complete(task.id, who, data={"nomor_seri_blangko": "KTP-000123", "blangko_rusak": 0})
        elif task.kind == "handover":
            service.complete(task.id, who, data={"cara_pengambilan": "kirim", "nomor_resi": "JNE-0012345678"}
                             if case.standard_id == KTP else {})
        else:
            service.complete(task.id, who, data={})
    return None


def _apply_ktp(page, base, variant: str, files: dict, reason: str | None = None) -> str:
    page.goto(f"{base}/daring")
    page.click(f"a[href='/daring/{KTP}?jenis={variant}']")
    page.select_option("select[name=unit]", "kec-balikpapan-kota")
    if reason:
        page.select_option("select[name='answers.alasan']", reason)
    for requirement, (name, content, kind) in files.items():
        page.set_input_files(f"input[name='berkas.{requirement}']",
                             files=[{"name": name, "mimeType": kind, "buffer": content}])
    assert fits(page)
    page.click("main form.online-apply button[type=submit]")
    page.wait_for_load_state()
    assert "/daring/permohonan/" in page.url, page.inner_text("main")
    assert "Permohonan terkirim" in page.inner_text("main")
    return page.url.split("/daring/permohonan/")[1].split("?")[0]


def test_a_citizens_online_ktp_application_on_a_phone(online, browser, mail):
    base, service = online
    page = _phone(browser)
    _register(page, base, mail, "6471054107950002", "ani@contoh.test")
    shot(page, "24-akun-daring-ponsel")
    # Replacement of a lost card: the police letter is asked for because the reason is 'hilang'.
    page.goto(f"{base}/daring/{KTP}?jenis=penggantian")
    page.select_option("select[name='answers.alasan']", "hilang")
    assert page.is_visible("input[name='berkas.suket_hilang']")
    assert not page.is_visible("input[name='berkas.ktp_el_rusak']")  # only for a damaged card
    accessible(page)
    shot(page, "25-formulir-daring-ponsel")
    number = _apply_ktp(page, base, "penggantian", {
        "fotokopi_kk": ("kk.jpg", _image("JPEG"), "image/jpeg"),
        "suket_hilang": ("suket.pdf", _image("PDF"), "application/pdf")}, reason="hilang")
    assert "Permohonan diterima" in [m["Subject"] for m in mail.inbox.to("ani@contoh.test")] or \
        _wait_for_mail(mail, "ani@contoh.test", "Permohonan diterima")
    # The verifier sends it back: the KK scan is unreadable.
    _officers_move(service, number, returned=["fotokopi_kk"], reason="Foto KK buram, NIK tidak terbaca")
    page.reload()
    text = page.inner_text("main")
    assert "Foto KK buram, NIK tidak terbaca" in text and "Unggah ulang: Fotocopy Kartu Keluarga" in text
    assert fits(page)
    accessible(page)
    shot(page, "26-perbaikan-daring-ponsel")
    assert "Foto KK buram" in _wait_for_mail(mail, "ani@contoh.test", "Permohonan perlu diperbaiki")
    page.set_input_files("input[name='berkas.fotokopi_kk']",
                         files=[{"name": "kk-jelas.png", "mimeType": "image/png", "buffer": _image("PNG", 30)}])
    page.click("section.returned button[type=submit]")
    page.wait_for_url(re.compile(r".*baru=perbaikan$"))
    assert "Perbaikan terkirim" in page.inner_text("main") and "kk-jelas.png" in page.inner_text("main")
    # The card is printed; the applicant is told it can be collected, by the Prefect-run notifier.
    _officers_move(service, number, until_step="penyerahan")
    assert "KTP-el Anda sudah dapat diambil" in _wait_for_mail(mail, "ani@contoh.test", "Pemberitahuan layanan")
    # The other variant offered online: a data change.
    number2 = _apply_ktp(page, base, "perubahan_data", {
        "kk_terbaru": ("kk.png", _image("PNG"), "image/png"),
        "ktp_lama": ("ktp.jpg", _image("JPEG", 200), "image/jpeg")})
    page.goto(f"{base}/akun")
    history = page.inner_text("main")
    assert number in history and number2 in history and fits(page)
    accessible(page)


def test_a_kaltim_signed_letter_downloaded_and_verified_on_a_phone(online, browser, mail):
    base, service = online
    page = _phone(browser)
    _register(page, base, mail, "6471051203880001", "budi@contoh.test")
    page.goto(f"{base}/daring/{KALTIM}")
    page.set_input_files("input[name='berkas.surat_permohonan']",
                         files=[{"name": "surat.pdf", "mimeType": "application/pdf", "buffer": _image("PDF")}])
    page.set_input_files("input[name='berkas.data_dipadankan']",
                         files=[{"name": "data.png", "mimeType": "image/png", "buffer": _image("PNG")}])
    page.click("main form.online-apply button[type=submit]")
    page.wait_for_url(re.compile(r".*/daring/permohonan/.*"))
    number = page.url.split("/daring/permohonan/")[1].split("?")[0]
    _officers_move(service, number, returned=["data_dipadankan"], reason="Kolom NIK kosong pada lampiran")
    page.reload()
    assert "Kolom NIK kosong pada lampiran" in page.inner_text("main")
    page.set_input_files("input[name='berkas.data_dipadankan']",
                         files=[{"name": "data-2.png", "mimeType": "image/png", "buffer": _image("PNG", 10)}])
    page.click("section.returned button[type=submit]")
    page.wait_for_url(re.compile(r".*baru=perbaikan$"))
    _officers_move(service, number)  # to the head's signature and the hand-over
    body = _wait_for_mail(mail, "budi@contoh.test", "Dokumen Anda sudah ditandatangani")
    assert "/unduh/" in body
    page.goto(f"{base}/daring/permohonan/{number}")
    assert "Dokumen Anda" in page.inner_text("main") and fits(page)
    accessible(page)
    shot(page, "27-dokumen-daring-ponsel")
    response = page.context.request.get(f"{base}/daring/permohonan/{number}/dokumen/surat_hasil")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    found = re.search(r"kode verifikasi ([A-Z0-9]{8,24})", text)  # printed under the signature
    assert found, text
    code = found.group(1)
    page.goto(f"{base}/verifikasi/{code}")
    assert "Asli dan berlaku" in page.inner_text("main") and fits(page)
