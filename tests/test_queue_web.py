"""The queue's pages (TestClient): the kiosk issues a ticket and its slip, the display streams calls, the
counter opens, calls, serves and opens the intake whose case is linked to the ticket."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.store.models import QueueTicket

from .conftest import post_sign_in, web_app

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 8, 30, tzinfo=WITA)
PASSWORD = "kata-sandi-uji-2026"
BASE = "/antrean/disdukcapil-bontang/mpp-bontang"


@pytest.fixture
def app(service):
    from engine.access.passwords import hash_password

    service.directory.set_password("disdukcapil-bontang.front_office", hash_password(PASSWORD))
    return web_app(service, clock=lambda: AT, demo=True)  # Bontang's standards are drafts: a demo offers them


def csrf(text):
    return re.search(r'name="csrf" value="([^"]*)"', text).group(1)


def test_kiosk_counter_and_case(app, service):
    with TestClient(app) as kiosk:
        page = kiosk.get(f"{BASE}/kios")
        assert page.status_code == 200 and "Pendaftaran dokumen kependudukan" in page.text
        slip = kiosk.post(f"{BASE}/kios", data={"layanan": "A", "prioritas": "lansia"})
        assert "A-001" in slip.text and "0 orang di depan Anda" in slip.text
        refused = kiosk.post(f"{BASE}/kios", data={"layanan": "Z"})
        assert refused.status_code == 400 and "tidak ada" in refused.text
    with TestClient(app) as counter:
        post_sign_in(counter, "disdukcapil-bontang.front_office", PASSWORD)
        page = counter.get("/loket?unit=mpp-bontang&loket=loket-1")
        token = csrf(page.text)
        act = lambda **data: counter.post("/loket", data={"csrf": token, "unit": "mpp-bontang",  # noqa: E731
                                                          "loket": "loket-1", **data}, follow_redirects=False)
        closed = act(aksi="panggil")
        assert "Loket 1 belum dibuka" in counter.get(closed.headers["location"]).text
        act(aksi="buka")
        page = counter.get(act(aksi="panggil").headers["location"])
        assert "A-001" in page.text and "dipanggil" in page.text
        ticket = int(re.search(r'name="tiket" value="(\d+)"', page.text).group(1))
        page = counter.get(act(aksi="layani", tiket=ticket).headers["location"])
        link = re.search(r'href="(/kasus/baru/bontang-ktp-el\?tiket=\d+&amp;unit=mpp-bontang)"', page.text).group(1)
        intake = counter.get(link.replace("&amp;", "&"))
        assert "nomor antrean yang sedang dilayani" in intake.text
        assert '<option value="mpp-bontang" selected>' in intake.text  # the ticket's service point
        # The case registered from the ticket finishes the ticket and is linked to it.
        fields = {"csrf": csrf(intake.text), "tiket": str(ticket), "tiket_unit": "mpp-bontang", "unit": "mpp-bontang",
                  "applicant.nik": "6474015708900003", "applicant.name": "Siti Rahmawati",
                  "requirements": re.findall(r'name="requirements" value="([^"]+)"', intake.text)}
        done = counter.post("/kasus/baru/bontang-ktp-el", data=fields, follow_redirects=False)
        assert done.status_code == 303, re.findall(r"(?:error|field-error)[^>]*>([^<]*)", done.text)
    with service.store.read() as s:
        finished = s.get(QueueTicket, ticket)
        assert finished.status == "finished" and finished.case_id is not None


def test_the_display_streams_the_calls(app, service):
    from engine.floor.queue import Floor

    floor = Floor(service.library, "disdukcapil-bontang", "mpp-bontang")
    floor.issue(service.store, "A", AT)
    floor.open_counter(service.store, "loket-2", "fo", AT)
    floor.call_next(service.store, "loket-2", "fo", AT)
    with TestClient(app) as screen:
        page = screen.get(f"{BASE}/layar")
        assert "A-001" in page.text and "Loket 2" in page.text
        with screen.stream("GET", f"{BASE}/peristiwa") as events:
            first = next(line for line in events.iter_lines() if line.startswith("data:"))
        assert '"label": "A-001"' in first and '"counter": "Loket 2"' in first


def test_the_floor_page_shows_queue_figures_and_stock(service):
    """Balikpapan keeps blanks (the simulated office received each unit's 2,000); Bontang runs a queue: each
    office's officers see their own floor."""
    from engine.access.passwords import hash_password
    from engine.floor.queue import Floor

    floor = Floor(service.library, "disdukcapil-bontang", "mpp-bontang")
    first = floor.issue(service.store, "A", AT)
    floor.open_counter(service.store, "loket-1", "fo", AT)
    floor.call_next(service.store, "loket-1", "fo", AT.replace(minute=50))
    service.directory.set_password("disdukcapil-balikpapan.operator_siak", hash_password(PASSWORD))
    app = web_app(service, clock=lambda: AT.replace(hour=10))
    with TestClient(app) as client:
        post_sign_in(client, "disdukcapil-balikpapan.operator_siak", PASSWORD)
        page = client.get("/lantai").text
        assert "Blanko KTP-el" in page and "Kantor Kecamatan Balikpapan Kota" in page and ">2000<" in page
        assert "sesuai" in page and "SELISIH" not in page
    service.directory.set_password("disdukcapil-bontang.front_office", hash_password(PASSWORD))
    with TestClient(app) as client:
        post_sign_in(client, "disdukcapil-bontang.front_office", PASSWORD)
        page = client.get("/lantai?dari=2026-12-01&sampai=2026-12-01").text
        assert "Mall Pelayanan Publik" in page and "1 tiket" in page and "20,0 menit" in page
        assert "Menunggu terlalu lama" not in page and first.label == "A-001"
        refused = client.get("/lantai?dari=kemarin")
        assert refused.status_code == 400 and "YYYY-MM-DD" in refused.text
    # The auditor's page has the same figures, for the period asked.
    service.directory.add_user("inspektorat-bontang", "Inspektur", "disdukcapil-bontang", [])
    service.directory.set_auditor("inspektorat-bontang")
    service.directory.set_password("inspektorat-bontang", hash_password(PASSWORD))
    with TestClient(app) as client:
        post_sign_in(client, "inspektorat-bontang", PASSWORD)
        page = client.get("/audit?dari=2026-12-01&sampai=2026-12-01").text
        assert 'id="antrean"' in page and "1 tiket" in page and "pukul 8: 20,0 menit (1)" in page
