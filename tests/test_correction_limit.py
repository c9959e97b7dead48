"""The standard's waiting limit for a correction (``correction.within``): a case returned to its applicant
and not corrected in time is closed as the standard says, by the SLA monitor's pass; corrected in time, it
goes on. The applicant's page shows the last day; the rejection reaches them."""

import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.channel import applying
from engine.channel.uploads import FolderStore, scan
from engine.sla.corrections import expire_corrections
from engine.store.models import Case, Event, Notification, Task

from .conftest import STANDARDS
from .test_online_channel import _return, citizen, pdf, png

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 9, tzinfo=WITA)  # Tuesday
REASON = "Permohonan dianggap batal karena tidak diperbaiki dalam 5 hari kerja."


@pytest.fixture
def limited(tmp_path, database_url):
    """The seed standards with Balikpapan's KTP-el printing given a 5-working-day correction limit."""
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.standard.model import load_library
    from engine.store.db import Store

    folder = tmp_path / "standar"
    shutil.copytree(STANDARDS, folder)
    path = folder / "balikpapan" / "cetak-ktp-el.yaml"
    path.write_text(path.read_text().replace(
        "\nfee:\n", f"\ncorrection:\n  within: {{working_days: 5}}\n  reason: {REASON}\n\nfee:\n", 1))
    library = load_library(folder)
    assert library.standard("balikpapan-cetak-ktp-el").data["correction"]["within"]["working_days"] == 5
    store = Store(database_url)
    service = CaseService(store, library)
    service.directory.sync_offices()
    users_for(service)
    yield service
    store.dispose()


def _returned_case(service, tmp_path):
    files = FolderStore(tmp_path / "unggahan")
    who = citizen(service)
    case_id = applying.apply(service, files, who, "balikpapan-cetak-ktp-el", variant="penggantian",
                             unit="kec-balikpapan-kota", answers={"alasan": "hilang"}, at=AT,
                             scans=[scan("fotokopi_kk", "kk.png", png()), scan("suket_hilang", "s.pdf", pdf())])
    _return(service, case_id)
    return who, files, case_id


def test_uncorrected_in_time_the_case_closes_as_the_standard_says(limited, tmp_path):
    who, _files, case_id = _returned_case(limited, tmp_path)
    with limited.store.read() as s:
        number = s.get(Case, case_id).number
    wanted = applying.correction(limited, applying.owned_case(limited, who, number))
    # Returned on Tuesday 1 December: five working days end on Tuesday 8 December.
    assert wanted["deadline"].isoformat() == "2026-12-08"
    assert expire_corrections(limited.store, datetime(2026, 12, 8, 16, tzinfo=WITA)) == 0
    assert expire_corrections(limited.store, datetime(2026, 12, 9, 8, tzinfo=WITA)) == 1
    assert expire_corrections(limited.store, datetime(2026, 12, 9, 9, tzinfo=WITA)) == 0  # once
    with limited.store.read() as s:
        case = s.get(Case, case_id)
        tasks = s.scalars(select(Task.status).where(Task.case_id == case_id)).all()
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))]
        told = s.scalar(select(Notification.body).where(Notification.cause == "rejected"))
    assert case.status == "rejected" and case.close_reason == REASON
    assert "open" not in tasks and "cancelled" in tasks
    assert kinds[-3:] == ["task_cancelled", "correction_expired", "case_closed"]
    assert REASON in told


def test_corrected_in_time_it_goes_on(limited, tmp_path):
    who, files, case_id = _returned_case(limited, tmp_path)
    with limited.store.read() as s:
        number = s.get(Case, case_id).number
    applying.correct(limited, files, who, number, scans=[scan("fotokopi_kk", "kk2.png", png(2))],
                     at=datetime(2026, 12, 7, 10, tzinfo=WITA))
    assert expire_corrections(limited.store, datetime(2026, 12, 20, 9, tzinfo=WITA)) == 0
    with limited.store.read() as s:
        assert s.get(Case, case_id).status == "waiting_applicant"  # back with the officers' check


def test_the_history_replays(limited, tmp_path):
    from engine.cases.core.state import replay
    from engine.standard.kinds import kind_of

    _who, _files, case_id = _returned_case(limited, tmp_path)
    expire_corrections(limited.store, datetime(2026, 12, 10, 8, tzinfo=WITA))
    standard = limited.library.standard("balikpapan-cetak-ktp-el")
    with limited.store.read() as s:
        events = s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id)).all()
    state = replay(case_id, events, lambda step: kind_of(standard.procedure.by_id[step]))
    assert state.status == "rejected"
