"""Time limits beyond whole days (hours and minutes on office hours, hours round the clock, months, ranges),
components a source does not state, drafts, and incomplete files as the standard's choice (issue 19)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.calendar import WorkingCalendar
from engine.errors import Conflict, InvalidInput
from engine.standard import wording
from engine.standard.durations import Duration, add_office_time, office_time_between
from engine.standard.model import load_library
from engine.store.models import Case, Event

WIB = ZoneInfo("Asia/Jakarta")
WITA = ZoneInfo("Asia/Makassar")
CORPUS = Path(__file__).parent / "data" / "corpus"
PASSWORD = "kata-sandi-uji-2026"


def wib(day, hour, minute=0, month=12):
    return datetime(2026, month, day, hour, minute, tzinfo=WIB)


@pytest.fixture(scope="module")
def calendar():
    return WorkingCalendar("Asia/Jakarta", office_hours={"default": "08:00-16:00"})


# ------------------------------------------------------------------ the units


def test_three_hours_taken_at_two_on_a_friday_are_due_on_monday_morning(calendar):
    # Friday 4 December 2026, 14.00 (closing 16.00): two hours on Friday, one on Monday from 08.00.
    assert Duration.of({"hours": 3}).due(calendar, wib(4, 14)) == wib(7, 9)


def test_ten_minutes_at_closing_time_run_on_at_the_next_opening(calendar):
    assert Duration.of({"minutes": 10}).due(calendar, wib(7, 15, 55)) == wib(8, 8, 5)
    assert Duration.of({"minutes": 10}).due(calendar, wib(5, 10)) == wib(7, 8, 10)  # a Saturday: from Monday


def test_office_hours_skip_national_holidays_and_cuti_bersama(calendar):
    # 24 and 25 December 2026: cuti bersama and Christmas; Thursday 23rd 15.00 + 2 hours = Monday 28th 09.00.
    assert Duration.of({"hours": 2}).due(calendar, wib(23, 15)) == wib(28, 9)


def test_hours_round_the_clock_and_calendar_months(calendar):
    assert Duration.of({"calendar_hours": 24}).due(calendar, wib(4, 14)) == wib(5, 14)
    six_months = Duration.of({"months": 6}).due(calendar, datetime(2026, 8, 31, 10, tzinfo=WIB))
    assert six_months == datetime(2027, 2, 28, 16, tzinfo=WIB)  # the last day of a shorter month


def test_whole_days_keep_their_meaning(calendar):
    assert Duration.of({"working_days": 3}).due(calendar, wib(4, 14)) == calendar.due(wib(4, 14), 3)
    assert Duration.of({"calendar_days": 14}).due(calendar, wib(4, 14)) == wib(18, 16)


def test_office_time_between_two_moments_and_backwards(calendar):
    assert office_time_between(calendar, wib(4, 15), wib(7, 9)) == timedelta(hours=2)
    assert add_office_time(calendar, wib(7, 9), -timedelta(hours=2)) == wib(4, 15)


def test_a_range_publishes_both_ends_and_the_upper_one_is_the_limit(calendar):
    limit = {"working_days": 25, "from": 3}
    assert wording.time_limit_short(limit) == "3–25 hari kerja"
    assert Duration.of(limit).due(calendar, wib(7, 9)) == calendar.due(wib(7, 9), 25)
    assert wording.time_limit({"calendar_hours": 24, "from": 1}, with_clock=False) == "1–24 jam"


def test_a_start_not_stated_is_printed_as_such():
    text = wording.time_limit({"working_days": 5, "clock_starts": "not_stated"})
    assert text == "5 hari kerja (titik mulai penghitungan tidak dinyatakan)"
    assert "berkas persyaratan" not in text


# ------------------------------------------------------------------ the engine


@pytest.fixture
def corpus_service(database_url):
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    store = Store(database_url)  # SQLite, or PostgreSQL in CI's second list
    service = CaseService(store, load_library(CORPUS))
    service.directory.sync_offices()
    users_for(service)
    yield service
    store.dispose()


@pytest.fixture
def test_library_service(database_url):
    """A case service on the small test library (tests/data/library/standards: kantor-uji)."""
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    from .conftest import TEST_LIBRARY

    store = Store(database_url)
    library = load_library(TEST_LIBRARY / "standards")
    service = CaseService(store, library)
    service.directory.sync_offices()
    users_for(service, stock=False)
    yield service, library
    store.dispose()


def _open(service, standard_id, at, **kw):
    from engine.cases.simulate import SAMPLE_APPLICANT, sample_answers

    standard = service.library.standard(standard_id)
    answers = kw.pop("answers", None) or sample_answers(standard, kw.get("variant"), kw.get("channel"))
    requirements = kw.pop("requirements", None)
    if requirements is None:
        requirements = [r["id"] for r in standard.requirements(kw.get("variant"), kw.get("channel"), answers)]
    return service.open_case(standard_id, dict(SAMPLE_APPLICANT), answers=answers, requirements=requirements,
                             at=at, **kw)


def _tasks(service, case_id):
    from engine.store.models import Task

    with service.store.read() as s:
        return s.scalars(select(Task).where(Task.case_id == case_id, Task.status.in_(("open", "claimed")))
                         .order_by(Task.id)).all()


def test_a_ten_minute_case_opened_just_before_closing_is_due_the_next_morning(corpus_service):
    office = "disdukcapil-musi-banyuasin"
    case_id = _open(corpus_service, "musi-banyuasin-e-ktp", wib(7, 15, 50))
    informasi = _tasks(corpus_service, case_id)[0]
    corpus_service.complete(informasi.id, f"{office}.petugas_informasi", at=wib(7, 15, 52))
    intake = _tasks(corpus_service, case_id)[0]
    requirements = [r["id"] for r in corpus_service.library.standard("musi-banyuasin-e-ktp").requirements()]
    corpus_service.complete(intake.id, f"{office}.petugas_kecamatan", requirements=requirements,
                            at=wib(7, 15, 55))
    with corpus_service.store.read() as s:
        due = s.get(Case, case_id).due_at
    assert due.astimezone(WIB) == wib(8, 8, 5)


def test_a_range_of_hours_round_the_clock_is_due_at_its_upper_end(corpus_service):
    """Bener Meriah: "1 jam dan paling lama 24 jam sejak persyaratan dinyatakan lengkap"."""
    office = "disdukcapil-bener-meriah"
    case_id = _open(corpus_service, "bener-meriah-ktp-el", wib(7, 9), actor=f"{office}.registrasi")
    with corpus_service.store.read() as s:
        assert s.get(Case, case_id).due_at.astimezone(WIB) == wib(8, 9)


def test_a_pause_moves_a_limit_in_hours_by_the_office_time_the_file_was_away(calendar):
    """The file with the applicant from Monday 15.00 to Tuesday 10.00: three office hours (one on Monday,
    two on Tuesday) are added to a due date of Monday 16.00 (in hours), but whole working days to one in days."""
    hours = Duration.of({"hours": 3})
    due, away = hours.shift_for_pause(calendar, wib(7, 16), wib(7, 15), wib(8, 10))
    assert due == wib(8, 11) and away == "180 menit jam kerja"
    days = Duration.of({"working_days": 5})
    due, away = days.shift_for_pause(calendar, wib(14, 16), wib(7, 15), wib(8, 10))
    assert due == wib(15, 16) and away == "1 hari kerja"


def test_a_standard_stating_no_time_limit_runs_without_a_due_date_and_cannot_be_published(corpus_service):
    from engine.publish.record import publish

    standard = corpus_service.library.standard("sorong-perekaman-ktp-el")
    case_id = _open(corpus_service, standard.id, wib(7, 9), actor="disdukcapil-sorong.petugas")
    with corpus_service.store.read() as s:
        case = s.get(Case, case_id)
        assert case.clock_started_at is not None and case.due_at is None
    assert wording.time_limit(standard.time_limit()) == "Tidak tercantum"
    assert standard.not_stated == ["time_limit"]
    with pytest.raises(Conflict, match="tidak tercantum"):
        publish(corpus_service, [standard])


def test_an_incomplete_file_is_not_registered_where_the_standard_says_so(corpus_service):
    office = "disdukcapil-gunungsitoli"
    with corpus_service.store.read() as s:
        before = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
    with pytest.raises(InvalidInput, match="tidak mencatat berkas yang belum lengkap"):
        _open(corpus_service, "gunungsitoli-ktp-el", wib(7, 9), variant="hilang", requirements=["f102"],
              actor=f"{office}.petugas_pelayanan", allow_incomplete=True)
    with corpus_service.store.read() as s:
        assert s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)) == before
    # Another standard registers it (the default): the counter records it incomplete, numbered.
    case_id = _open(corpus_service, "bener-meriah-ktp-el", wib(7, 9), requirements=[],
                    actor="disdukcapil-bener-meriah.registrasi", allow_incomplete=True)
    with corpus_service.store.read() as s:
        assert s.get(Case, case_id).status == "incomplete"


def test_a_draft_standard_takes_no_application_outside_the_demo(library, database_url):
    from engine.cases.service import CaseService
    from engine.cases.simulate import SAMPLE_APPLICANT
    from engine.store.db import Store

    store = Store(database_url)
    service = CaseService(store, library)
    service.directory.sync_offices()
    standard = library.standard("bontang-ktp-el")
    assert standard.data["status"] == "draft"
    with pytest.raises(InvalidInput, match="rancangan"):
        service.open_case(standard.id, dict(SAMPLE_APPLICANT), requirements=["kk_terbaru", "ktp_lama"], unit="kantor-dinas",
                          at=datetime(2026, 12, 7, 9, tzinfo=WITA))
    with store.read() as s:
        assert s.scalar(select(Case.id)) is None and s.scalar(select(Event.id).where(Event.case_id.isnot(None))) is None
    service.accept_drafts = True  # the demo office
    assert service.open_case(standard.id, dict(SAMPLE_APPLICANT), requirements=["kk_terbaru", "ktp_lama"], unit="kantor-dinas",
                             at=datetime(2026, 12, 7, 9, tzinfo=WITA))
    store.dispose()


def test_a_case_due_in_a_year_without_its_decree_opens_with_a_provisional_due_date(corpus_service):
    from engine.calendar.national import last_decree_year
    from engine.cases.queries import case_view

    year = last_decree_year()
    opened = datetime(year, 12, 28, 9, tzinfo=WIB)
    case_id = _open(corpus_service, "sidoarjo-aduan-masyarakat", opened, channel="tatap_muka",
                    actor="bappeda-sidoarjo.petugas_layanan")
    view = case_view(corpus_service.store, case_id)
    assert view["due_at"].year == year + 1 and view["due_provisional"] is True
    with corpus_service.store.read() as s:
        started = s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == "clock_started")).one()
    assert started.data["provisional"] is True


def test_an_extension_moves_the_due_date_once_by_the_named_role_with_a_reason(corpus_service):
    """Dikpora DIY: "petugas pengaduan dapat memperpanjang waktu paling lambat 7 (tujuh) hari kerja"."""
    from engine.cases.queries import case_view
    from engine.errors import Forbidden

    office = "dikpora-diy"
    case_id = _open(corpus_service, "dikpora-diy-pengaduan", wib(7, 9), actor=f"{office}.meja_pelayanan")
    due = case_view(corpus_service.store, case_id)["due_at"]

    def events():
        with corpus_service.store.read() as s:
            return s.scalar(select(func.count()).select_from(Event).where(Event.case_id == case_id))

    before = events()
    with pytest.raises(Forbidden, match="Petugas Pengelola Pengaduan"):
        corpus_service.extend_time(case_id, f"{office}.meja_pelayanan", "Perlu klarifikasi sekolah", at=wib(9, 9))
    with pytest.raises(InvalidInput, match="alasan perpanjangan wajib"):
        corpus_service.extend_time(case_id, f"{office}.petugas_pengaduan", "  ", at=wib(9, 9))
    assert events() == before and case_view(corpus_service.store, case_id)["due_at"] == due
    new_due = corpus_service.extend_time(case_id, f"{office}.petugas_pengaduan", "Perlu klarifikasi sekolah",
                                         at=wib(9, 9))
    calendar = corpus_service.library.standard("dikpora-diy-pengaduan")
    from engine.calendar import WorkingCalendar

    cal = WorkingCalendar.from_office(calendar.office.data)
    assert new_due == cal.due(due, 7) and case_view(corpus_service.store, case_id)["due_at"] == new_due
    with pytest.raises(Conflict, match="paling banyak 1 kali"):
        corpus_service.extend_time(case_id, f"{office}.petugas_pengaduan", "Lagi", at=wib(10, 9))
    with corpus_service.store.read() as s:
        extended = s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == "time_extended")).one()
    assert extended.data["reason"] == "Perlu klarifikasi sekolah" and extended.data["extension"] == "7 hari kerja"


def test_the_officer_extends_from_the_case_page_and_the_applicant_reads_why(corpus_service):
    from engine.cases.queries import case_view

    from fastapi.testclient import TestClient

    from .conftest import post_sign_in, web_app

    office = "dikpora-diy"
    case_id = _open(corpus_service, "dikpora-diy-pengaduan", wib(7, 9), actor=f"{office}.meja_pelayanan")
    view = case_view(corpus_service.store, case_id)
    from engine.web.auth import hash_password

    for who in ("petugas_pengaduan", "meja_pelayanan"):
        corpus_service.directory.set_password(f"{office}.{who}", hash_password(PASSWORD))
    client = TestClient(web_app(corpus_service))
    post_sign_in(client, f"{office}.meja_pelayanan", PASSWORD)
    page = client.get(f"/kasus/{view['number']}").text
    assert "Perpanjang jangka waktu" not in page  # not this role's to give
    client = TestClient(web_app(corpus_service))
    post_sign_in(client, f"{office}.petugas_pengaduan", PASSWORD)
    page = client.get(f"/kasus/{view['number']}").text
    assert "Perpanjang jangka waktu" in page and "Dapat diperpanjang 7 hari kerja, satu kali" in page
    assert "7 Desember 2026 09.00 WIB" in page and "WITA" not in page  # the office's own zone (Yogyakarta)
    import re

    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    empty = client.post(f"/kasus/{view['number']}/perpanjang", data={"csrf": csrf, "reason": ""})
    assert empty.status_code == 400 and "alasan perpanjangan wajib diisi" in empty.text
    done = client.post(f"/kasus/{view['number']}/perpanjang", data={"csrf": csrf, "reason": "Menunggu klarifikasi sekolah"},
                       follow_redirects=True)
    assert done.status_code == 200 and "Jangka waktu diperpanjang." in done.text
    status = client.get(f"/status?kode={view['receipt_code']}").text
    assert "Jangka waktu diperpanjang" in status and "Menunggu klarifikasi sekolah" in status
    assert "Diterima</dt><dd>7 Desember 2026 09.00 WIB" in status and "WITA" not in status  # the public page too


@pytest.mark.parametrize("visit, decision, steps, handed", [
    (True, "setuju", ["terima", "telaah", "kunjungan", "keputusan", "serah_rekomendasi"], {"rekomendasi"}),
    (False, "tidak_setuju", ["terima", "telaah", "keputusan", "serah_penolakan"], {"penolakan"}),
])
def test_a_step_runs_on_what_an_earlier_step_recorded(test_library_service, visit, decision, steps, handed):
    """A field visit "if needed" (the officer's answer in an earlier step) and the letter of the decision
    taken (its outcome): `when: {telaah.perlu_kunjungan: true}`, `when: {keputusan.outcome: setuju}`."""
    from engine.cases.simulate import SAMPLE_APPLICANT
    from engine.store.models import Product, Task

    service, _library = test_library_service
    store = service.store
    at = datetime(2026, 12, 7, 9, tzinfo=WITA)
    case_id = service.open_case("uji-fakta-langkah", dict(SAMPLE_APPLICANT), requirements=["surat"],
                                actor="kantor-uji.petugas", at=at)
    for _ in range(6):
        open_ = _tasks(service, case_id)
        if not open_:
            break
        task = open_[0]
        data = {"telaah": {"perlu_kunjungan": visit}, "kunjungan": {"hasil_kunjungan": "Sesuai"}}.get(task.step_id, {})
        outcome = decision if task.step_id == "keputusan" else None
        service.complete(task.id, f"kantor-uji.{task.role}", data=data, outcome=outcome, at=at)
    with store.read() as s:
        done = [t.step_id for t in s.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.seq))]
        products = {p.product_id for p in s.scalars(select(Product).where(Product.case_id == case_id))
                    if p.handed_over_at is not None}
        assert s.get(Case, case_id).status == "done"
    assert done == steps and products == handed
    from engine.calendar import WorkingCalendar

    calendar = WorkingCalendar.from_office(_library.offices["kantor-uji"].data)
    with store.read() as s:
        case = s.get(Case, case_id)
        tiers = s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == "tier_set")).all()
    # The visit makes the limit the standard's branch for it: 10 working days instead of 5, recorded why.
    assert case.due_at == calendar.due(at, 10 if visit else 5)
    assert [t.data["tier"] for t in tiers] == (["kunjungan"] if visit else [])
    if visit:
        assert "Perlu kunjungan lapangan" in tiers[0].data["reason"]


def test_the_offices_clock_stands_still_while_the_applicant_pays_at_the_bank(test_library_service):
    """An applicant step mid-way (issue 19's defect: the clock kept running while the applicant paid):
    received Monday 7 December, the bill issued the same day, paid on Thursday 10th: the 3-working-day
    limit moves on by the three working days the applicant held the file."""
    from engine.calendar import WorkingCalendar
    from engine.cases.simulate import SAMPLE_APPLICANT

    service, library = test_library_service
    store = service.store
    monday = datetime(2026, 12, 7, 9, tzinfo=WITA)
    case_id = service.open_case("uji-bayar-di-bank", dict(SAMPLE_APPLICANT), requirements=["surat"],
                                actor="kantor-uji.petugas", at=monday)
    with store.read() as s:
        due = s.get(Case, case_id).due_at
    service.complete(_tasks(service, case_id)[0].id, "kantor-uji.operator", at=monday.replace(hour=10))
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case.status == "waiting_applicant" and case.clock_paused_at is not None
    thursday = datetime(2026, 12, 10, 11, tzinfo=WITA)
    service.complete(_tasks(service, case_id)[0].id, "pemohon", at=thursday)
    calendar = WorkingCalendar.from_office(library.offices["kantor-uji"].data)
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case.status == "open" and case.clock_paused_at is None
        assert case.due_at == calendar.due(due, 3)
        resumed = s.scalars(select(Event).where(Event.case_id == case_id, Event.kind == "clock_resumed")).one()
        assert resumed.data["paused_working_days"] == 3
    assert _tasks(service, case_id)[0].step_id == "periksa"
    from engine.audit.verify import verify

    assert verify(store).ok  # the case's rows agree with its history (the held clock included)


def test_the_diff_names_a_changed_extension_tier_range_and_step_target():
    import copy

    from engine.publish.diff import as_text, diff

    old = load_library(CORPUS).standard("dikpora-diy-pengaduan").data
    new = copy.deepcopy(old)
    new["version"] = "2"
    new["extension"] = {"working_days": 5, "times": 1, "role": "petugas_pengaduan"}
    new["steps"][1]["tiers"]["koordinasi"]["from"] = 5
    new["steps"][2]["target"] = {"hours": 4}
    text = as_text(old, new, diff(old, new))
    assert "Dapat diperpanjang 5 hari kerja" in text and "Dapat diperpanjang 7 hari kerja" in text
    assert "7–10 hari kerja" in text and "5–10 hari kerja" in text
    assert "target 4 jam kerja" in text


def test_a_step_of_another_agency_the_standard_does_not_count_stands_the_clock_still(test_library_service):
    """`clock: stops` on the Dinas Teknis's recommendation: received Monday, recommended Thursday, the
    3-working-day limit moves on by the three days the other agency held the file."""
    from engine.calendar import WorkingCalendar
    from engine.cases.simulate import SAMPLE_APPLICANT

    service, library = test_library_service
    store = service.store
    monday = datetime(2026, 12, 7, 9, tzinfo=WITA)
    case_id = service.open_case("uji-instansi-lain", dict(SAMPLE_APPLICANT), requirements=["surat"],
                                actor="kantor-uji.petugas", at=monday)
    with store.read() as s:
        case = s.get(Case, case_id)
        due = case.due_at
        assert case.clock_paused_at is not None  # entered the other agency's step
    service.complete(_tasks(service, case_id)[0].id, "kantor-uji.dinas_teknis",
                     at=datetime(2026, 12, 10, 11, tzinfo=WITA))
    calendar = WorkingCalendar.from_office(library.offices["kantor-uji"].data)
    with store.read() as s:
        case = s.get(Case, case_id)
        assert case.clock_paused_at is None and case.due_at == calendar.due(due, 3)
    assert _tasks(service, case_id)[0].step_id == "proses"
    from engine.audit.verify import verify

    assert verify(store).ok  # the case's rows agree with its history (the held clock included)


def test_a_partner_agencys_step_is_due_on_its_own_working_hours(test_library_service):
    """The Dinas Teknis (an external role with its own calendar: 07.30-15.30, Saturdays 08.00-12.00) gets a
    4-hour target at 14.00 on Friday 11 December: due Saturday 10.30 on its hours, not Monday on the office's."""
    from engine.cases.simulate import SAMPLE_APPLICANT

    service, _library = test_library_service
    friday = datetime(2026, 12, 11, 14, tzinfo=WITA)
    case_id = service.open_case("uji-instansi-lain", dict(SAMPLE_APPLICANT), requirements=["surat"],
                                actor="kantor-uji.petugas", at=friday)
    task = _tasks(service, case_id)[0]
    assert task.step_id == "rekomendasi"
    assert task.step_due_at.astimezone(WITA) == datetime(2026, 12, 12, 10, 30, tzinfo=WITA)


def test_a_limit_stated_in_words_only_validates_with_its_text_and_gives_no_due_date(tmp_path):
    """"Sesuai durasi kegiatan": `{open_ended: true, text: ...}` (without its text, a clear message)."""
    import shutil

    from engine.standard.validate import validate_paths

    from .conftest import TEST_LIBRARY

    shutil.copytree(TEST_LIBRARY / "offices", tmp_path / "offices")
    (tmp_path / "standards").mkdir()
    source = (TEST_LIBRARY / "standards" / "uji-bayar-di-bank.yaml").read_text()
    path = tmp_path / "standards" / "uji-bayar-di-bank.yaml"
    path.write_text(source.replace("time_limit: {working_days: 3}", "time_limit: {open_ended: true}"))
    result = validate_paths([path])
    assert any(d.path == "time_limit.open_ended" and "memerlukan 'text'" in d.message for d in result.errors)
    path.write_text(source.replace("time_limit: {working_days: 3}",
                                   "time_limit: {open_ended: true, text: Sesuai durasi kegiatan}"))
    assert validate_paths([path]).ok
    standard = load_library(tmp_path).standard("uji-bayar-di-bank")
    assert wording.time_limit_short(standard.time_limit()) == "Sesuai durasi kegiatan"
    assert wording.time_limit(standard.time_limit()) == "Sesuai durasi kegiatan"
    assert Duration.of(standard.time_limit()) is None  # the engine sets no due date (clock.due_for)
