"""The officers' web application end to end in a real headless Chromium (Debian's, via Playwright's
executable_path) against a real `layanan serve` process (SQLite file + its Prefect worker).

One case of kaltim-data-agregat goes through every kind of step: intake recorded incomplete, then
completed; a form; an approval returned for correction, then approved; the automated numbering (Prefect);
the signature; the hand-over. Along the way: a wrong password, a bad NIK, an action refused to the wrong
role (and recorded), the receipt and product as PDF, and the public status page without personal data.
Screenshots of the main pages go to docs/screenshots/.
"""

import time

import pytest
from sqlalchemy import select

from engine.cases.simulate import DEMO_PASSPHRASE

from .e2e_support import (OFFICE, PASSWORD, SUBMIT, browser, fill_processing, open_task, pdf_text, server,  # noqa: F401
                          shot, signed_in, work)

pytestmark = pytest.mark.slow


def test_a_case_through_every_kind_of_step_in_chromium(server, browser, library):
    base, service = server
    from engine.store.models import Event

    # Sign-in: a wrong password is refused with a message, nothing else said.
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/masuk")
    shot(page, "01-masuk")
    page.fill("input[name=username]", f"{OFFICE}.petugas_layanan")
    page.fill("input[name=password]", "salah-sekali-123")
    page.click(SUBMIT)
    assert "Nama pengguna atau kata sandi salah" in page.inner_text(".error")
    cookie_flags = None
    page.fill("input[name=password]", PASSWORD)
    page.click(SUBMIT)
    page.wait_for_url(f"{base}/kerja")
    cookie_flags = next(c for c in context.cookies() if c["name"] == "layanan_sesi")
    assert cookie_flags["httpOnly"] and cookie_flags["sameSite"] == "Strict"
    front = page

    # Intake: a bad NIK names the field; an incomplete checklist is refused, then recorded as incomplete.
    front.goto(f"{base}/kasus/baru")
    front.click("a[href='/kasus/baru/kaltim-data-agregat']")
    front.fill("input[name='applicant.nik']", "6472015708900000")
    front.fill("input[name='applicant.name']", "Budi Santoso")
    front.click(SUBMIT)
    assert "NIK" in front.inner_text(".invalid .field-error") and "applicant.nik" not in front.inner_text("main")
    front.fill("input[name='applicant.nik']", "6472015708900003")
    front.click(SUBMIT)
    assert "persyaratan belum lengkap" in front.inner_text(".error")
    # Beside the checklist, by the requirement's name, without internal ids or command-line flags.
    beside = front.inner_text("fieldset.invalid .field-error")
    assert "Surat Permohonan" in beside and "surat_permohonan" not in beside and "--" not in beside
    shot(front, "03-pendaftaran-belum-lengkap")
    front.check("input[name=incomplete]")
    front.click(SUBMIT)
    front.wait_for_url("**/tanda-terima")
    receipt = front.inner_text("body")
    assert "belum berjalan" in receipt and "BELUM" in receipt
    number = front.url.split("/kasus/")[1].split("/")[0]

    # The file is completed at the counter: the clock starts and the receipt shows the due date.
    intake = open_task(service, number, "penerimaan")
    work(front, base, intake.id)
    front.check("input[name=requirements][value=surat_permohonan]")
    front.click(SUBMIT)
    front.wait_for_url(f"**/kasus/{number}?selesai=*")
    front.goto(f"{base}/kasus/{number}/tanda-terima")
    receipt = front.inner_text("body")
    assert "Perkiraan selesai" in receipt and "WITA" in receipt and "BELUM" not in receipt
    shot(front, "04-tanda-terima")
    code = front.inner_text(".code")
    pdf = pdf_text(front, f"{base}/kasus/{number}/tanda-terima?format=pdf")
    assert number in pdf and "Surat Permohonan" in pdf

    # Form step by the operator; a missing required field is named beside the field.
    operator = signed_in(browser, base, "operator")
    shot(operator, "02-daftar-kerja")
    task = open_task(service, number, "pengolahan")
    work(operator, base, task.id)
    operator.click(SUBMIT)  # the browser's own check stops an empty required form...
    assert operator.url.endswith(f"/tugas/{task.id}")
    fill_processing(operator, None)
    operator.evaluate("document.querySelector(\"input[name='data.periode']\").removeAttribute('required')")
    operator.click(SUBMIT)  # ...and the server names the field when the browser does not
    assert operator.inner_text(".invalid .field-error") and "data.periode" not in operator.inner_text(".error")
    shot(operator, "05-formulir-langkah")
    fill_processing(operator, "Semester I 2026")
    operator.click(SUBMIT)
    operator.wait_for_url(f"**/kasus/{number}?selesai=*")

    # Approval: returned for correction (a reason is required), then approved after the fix.
    verifier = signed_in(browser, base, "subkoor_piak")
    task = open_task(service, number, "verifikasi")
    work(verifier, base, task.id)
    # The verifier sees the case: the applicant, the file and what the operator entered, by whom.
    assert "Budi Santoso" in verifier.inner_text("#pemohon + dl")
    earlier = verifier.inner_text("[data-testid=langkah-sebelumnya]")
    assert "Semester I 2026" in earlier and "Data agregat" in earlier and f"{OFFICE}.operator" in earlier
    labels = verifier.locator("fieldset.outcomes label").all_inner_texts()
    assert labels[0].strip() == "Disetujui" and not any("(" in label for label in labels)
    verifier.check("input[name=outcome][value=perbaiki]")
    verifier.click(SUBMIT)  # a return without a reason is refused beside the reason
    assert "alasan wajib diisi" in verifier.inner_text(".field.invalid .field-error")
    verifier.check("input[name=outcome][value=perbaiki]")
    verifier.fill("textarea[name=reason]", "Periode data belum sesuai surat permohonan")
    verifier.click(SUBMIT)
    verifier.wait_for_url(f"**/kasus/{number}?selesai=*")
    # The returned task comes back with the reason on top and the values entered before.
    task = open_task(service, number, "pengolahan")
    work(operator, base, task.id)
    returned = operator.inner_text("[data-testid=dikembalikan]")
    assert "Periode data belum sesuai surat permohonan" in returned and "Petugas" in returned
    assert operator.input_value("input[name='data.wilayah']") == "Kota Samarinda"
    assert operator.input_value("input[name='data.periode']") == "Semester I 2026"
    shot(operator, "05b-tugas-dikembalikan")
    fill_processing(operator, "Semester II 2026")
    operator.click(SUBMIT)
    operator.wait_for_url(f"**/kasus/{number}?selesai=*")
    task = open_task(service, number, "verifikasi")
    work(verifier, base, task.id)
    verifier.check("input[name=outcome][value=setuju]")
    verifier.click(SUBMIT)
    verifier.wait_for_url(f"**/kasus/{number}?selesai=*")

    # The numbering is automated: Prefect (the server's worker) runs it; the signature then appears.
    deadline = time.monotonic() + 180
    while (sign := open_task(service, number, "tte")) is None:
        assert time.monotonic() < deadline, "the automated numbering step never ran"
        time.sleep(1)

    # The wrong role is refused with a clear message, and the refusal is recorded.
    operator.goto(f"{base}/tugas/{sign.id}")
    operator.check("input[name=outcome][value=tandatangani]")
    operator.click(SUBMIT)
    assert "memerlukan peran" in operator.inner_text(".error")
    with service.store.read() as s:
        refused = s.scalars(select(Event).where(Event.kind == "action_refused",
                                                Event.actor == f"{OFFICE}.operator")).all()
    assert refused and "memerlukan peran" in refused[-1].data["message"]

    # The head reads the draft being signed; signing needs the TTE passphrase, refused beside its field.
    head = signed_in(browser, base, "kepala_dinas")
    work(head, base, sign.id)
    draft = head.inner_text("[data-testid=draf]")
    assert "Budi Santoso" in draft and "Semester II 2026" in draft and "Data agregat" in draft  # labelled values
    shot(head, "06-tanda-tangan")
    labels = head.locator("fieldset.outcomes label").all_inner_texts()
    assert labels[0].strip() == "Tandatangani" and "Tolak" in labels[1]
    head.check("input[name=outcome][value=tandatangani]")
    head.click(SUBMIT)
    assert "frasa sandi TTE" in head.inner_text(".field.invalid .field-error")
    head.fill("input[name=passphrase]", "bukan-frasa-ini")
    head.click(SUBMIT)
    assert "frasa sandi TTE salah" in head.inner_text(".field.invalid .field-error")
    head.fill("input[name=passphrase]", DEMO_PASSPHRASE)
    head.click(SUBMIT)
    head.wait_for_url(f"**/kasus/{number}?selesai=*")

    handover = open_task(service, number, "penyerahan")
    work(front, base, handover.id)
    front.click(SUBMIT)
    front.wait_for_url(f"**/kasus/{number}?selesai=*")
    assert "selesai" in front.inner_text(".facts").lower()
    shot(front, "07-kasus-selesai")
    product_number = front.inner_text("ul.products strong")
    assert product_number.startswith("400.12/0001/")
    product = pdf_text(front, f"{base}/kasus/{number}/dokumen/surat_jawaban?format=pdf")
    assert product_number in product.replace("\n", " ")

    # The public status page: by receipt code, no sign-in, no personal data.
    public = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # phone width
    public.goto(f"{base}/status?kode={code}")
    text = public.inner_text("main")
    assert "selesai" in text.lower() and "Budi" not in text and "6472015708900003" not in text
    shot(public, "08-status-publik-ponsel")
    public.goto(f"{base}/standar/kaltim-data-agregat")
    assert "Persyaratan" in public.inner_text("main")
    shot(public, "09-standar-publik-ponsel")
    narrow = signed_in(browser, base, "petugas_layanan", width=390)
    shot(narrow, "10-daftar-kerja-ponsel")

    # The front office finds the case by the applicant's name and by the product number, on a phone too;
    # the case page then tells its story in words, with no Prefect internals for an officer.
    for page, width in ((front, None), (narrow, 360)):
        if width:
            page.set_viewport_size({"width": width, "height": 780})
        page.goto(f"{base}/cari?q=budi+santo")
        assert "1 kasus" in page.inner_text("[data-testid=jumlah]")
        assert number in page.inner_text("table.cases") and "Budi Santoso" in page.inner_text("table.cases")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(narrow, "11-cari-kasus-ponsel")
    front.goto(f"{base}/cari?q={product_number}")
    front.click(f"a[href='/kasus/{number}']")
    story = front.inner_text("[data-testid=langkah-sebelumnya]")
    assert "Tandatangani" in story and "Periode data belum sesuai surat permohonan" in story
    assert "Prefect" not in front.inner_text("main") and "flow run" not in front.inner_text("main")
    for path in (f"/kasus/{number}", f"/tugas/{sign.id}"):
        narrow.goto(base + path)
        assert narrow.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path


def test_conditional_requirements_follow_the_answers_in_chromium(server, browser):
    """Balikpapan's KTP-el replacement: the police letter only when lost, the damaged card only when
    damaged; the page shows each when the answer makes it apply (the server decides again)."""
    base, _ = server
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/masuk")
    page.fill("input[name=username]", "disdukcapil-balikpapan.operator_siak")
    page.fill("input[name=password]", PASSWORD)
    page.click(SUBMIT)
    page.goto(f"{base}/kasus/baru/balikpapan-cetak-ktp-el?varian=penggantian&kanal=luring")
    lost = page.locator("label[data-when*='hilang']")
    damaged = page.locator("label[data-when*='rusak']")
    assert lost.is_visible() and damaged.is_visible()  # no answer yet: both shown, with their condition
    page.select_option("select[name='answers.alasan']", "hilang")
    assert lost.is_visible() and not damaged.is_visible()
    page.select_option("select[name='answers.alasan']", "rusak")
    assert damaged.is_visible() and not lost.is_visible()
    shot(page, "11-persyaratan-bersyarat")


def test_api_docs_render_within_the_csp_in_chromium(server, browser):
    """The API documentation draws its operations from local assets (it was blank: the CSP blocked the
    CDN it loaded from), and the browser reports no CSP violation."""
    base, _ = server
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{base}/api/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    shown = page.inner_text("body")
    assert "/api/v1/kasus" in shown and "/api/v1/tugas/{task_id}/selesai" in shown
    assert not blocked, blocked
    assert all(url.startswith(base) for url in requests), [u for u in requests if not u.startswith(base)]


def test_static_site_is_searchable_offline_in_chromium(browser, tmp_path, library):
    from engine.publish.site import build

    made = build(library, tmp_path / "situs", pdf=False)
    published = [s for s in library.standards.values() if s.data.get("status") != "draft"]
    assert made["standards"] == len(published)
    index = (tmp_path / "situs" / "index.html").read_text()
    assert "http://" not in index and "https://" not in index.replace("https://www.lapor.go.id", "")
    page = browser.new_context(viewport={"width": 390, "height": 844}, offline=True).new_page()
    page.goto((tmp_path / "situs" / "index.html").as_uri())
    assert page.locator("li[data-teks]:visible").count() == len(published)
    page.fill("#cari", "ktp-el kecamatan")
    visible = page.locator("li[data-teks]:visible")
    assert visible.count() == 1 and "Kecamatan" in visible.inner_text()
    page.fill("#cari", "surat permohonan")  # a requirement's words find the standards that ask for it
    assert 1 <= page.locator("li[data-teks]:visible").count() < len(published)
    page.click("li[data-teks]:visible a >> nth=0")
    assert "STANDAR PELAYANAN" in page.inner_text("body")
    page.click("text=Semua standar")
    assert page.url.endswith("index.html")
