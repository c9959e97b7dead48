"""A rejected case reads as rejected everywhere a person looks (issue 19: it ended "selesai, SLA met"):
the applicant's status page, the officer's case page and `layanan case show`."""

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.cases.queries import case_view
from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Task

from .conftest import web_app

WITA = ZoneInfo("Asia/Makassar")
KALTIM = "disdukcapil-kaltim"


def test_a_rejected_case_is_not_shown_as_finished(service, library):
    at = datetime(2026, 12, 7, 9, tzinfo=WITA)
    standard = library.standard("kaltim-akses-data")
    case_id = service.open_case(standard.id, dict(SAMPLE_APPLICANT), actor=f"{KALTIM}.petugas_layanan", at=at,
                                requirements=[r["id"] for r in standard.requirements()])

    def open_task():
        with service.store.read() as s:
            return s.scalars(select(Task).where(Task.case_id == case_id, Task.status == "open")).first()

    service.complete(open_task().id, f"{KALTIM}.subkoor_piak", at=at,
                     data={"lembaga_pengguna": "RSUD", "bentuk_akses": ["nik_online"], "jumlah_pengguna": 1})
    service.complete(open_task().id, f"{KALTIM}.kabid_piak", outcome="tolak", reason="Lembaga tidak berwenang",
                     at=at)
    view = case_view(service.store, case_id)
    assert view["status"] == "rejected"
    page = TestClient(web_app(service)).get(f"/status?kode={view['receipt_code']}").text
    assert "<dt>Ditolak</dt>" in page and ">Selesai<" not in page and "<strong>ditolak</strong>" in page
