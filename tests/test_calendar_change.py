"""Running cases follow their office's calendar when a closure or a decree is added (issue 19): the case keeps
its standard's content, moves to a version with the new calendar, and its due date is computed again, each
recorded in its history; nothing moves when nothing changed."""

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.audit.verify import verify
from engine.cases.service import CaseService
from engine.cases.simulate import SAMPLE_APPLICANT, users_for
from engine.sla.calendar_change import follow_office_calendars
from engine.standard.model import load_library
from engine.store.db import Store
from engine.store.models import Case, Event, StandardVersion

from .conftest import TEST_LIBRARY

WITA = ZoneInfo("Asia/Makassar")
MONDAY = datetime(2026, 12, 7, 9, tzinfo=WITA)


def _library(folder: Path, closure: str | None = None):
    target = folder / "pustaka"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(TEST_LIBRARY / "offices", target / "offices")
    shutil.copytree(TEST_LIBRARY / "standards", target / "standards")
    if closure:
        office = target / "offices" / "kantor-uji.yaml"
        office.write_text(office.read_text() + f"calendar:\n  closures:\n    - {{date: {closure}, name: Kantor tutup (pindah gedung)}}\n")
    return load_library(target)


def test_a_closure_added_later_moves_the_due_date_of_running_cases(tmp_path, database_url):
    store = Store(database_url)
    service = CaseService(store, _library(tmp_path))
    service.directory.sync_offices()
    users_for(service, stock=False)
    case_id = service.open_case("uji-bayar-di-bank", dict(SAMPLE_APPLICANT), requirements=["surat"],
                                actor="kantor-uji.petugas", at=MONDAY)
    with store.read() as s:
        before = s.get(Case, case_id)
        due, version = before.due_at, before.standard_version_id
    assert due.astimezone(WITA).date().isoformat() == "2026-12-10"  # 3 working days

    assert follow_office_calendars(store, MONDAY).moved == []  # nothing changed: nothing moves

    # The office closes on Tuesday 8 December (a move): its file says so, the library is loaded again.
    later = CaseService(store, _library(tmp_path, closure="2026-12-08"))
    later.directory.sync_offices()
    followed = follow_office_calendars(store, MONDAY.replace(hour=13))
    assert [m[0] for m in followed.moved] == [case_id]
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case.standard_version_id != version
        assert case.due_at.astimezone(WITA).date().isoformat() == "2026-12-11"
        new_version = s.get(StandardVersion, case.standard_version_id)
        assert new_version.document == s.get(StandardVersion, version).document  # the standard's content is kept
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.case_id == case_id).order_by(Event.id))]
    assert kinds[-2:] == ["calendar_followed", "due_recomputed"]
    assert follow_office_calendars(store, MONDAY.replace(hour=14)).moved == []  # once
    assert verify(store).ok
    store.dispose()
