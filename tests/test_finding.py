"""Finding a case (engine/cases/finding.py): by NIK, the applicant's name, the case number or its
sequence, the receipt code and the product number; narrowed by filters; paged with a total; within the
officer's office; and bad input finds nothing without an error."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine.cases.finding import Search, find
from engine.store.models import Case, Product
from engine.store.tokens import case_tokens, query_terms

from .conftest import run_cli
from .histories import run_case

WITA = timezone(timedelta(hours=8))
AT = datetime(2026, 12, 10, 9, tzinfo=WITA)
OFFICE = "disdukcapil-kaltim"
STANDARD = "kaltim-penduduk-rentan"


def _open(service, name, nik, day):
    standard = service.library.standard(STANDARD)
    return service.open_case(STANDARD, {"nik": nik, "name": name},
                             requirements=[r["id"] for r in standard.requirements(None, None, {})],
                             at=datetime(2026, 12, day, 9, tzinfo=WITA))


@pytest.fixture
def three(service):
    ids = [_open(service, "Budi Santoso", "6472015708900003", 1),
           _open(service, "Siti Rahmawati", "6472015708900011", 2),
           _open(service, "Budiman Hadi Ñoño", "6472015708900029", 3)]
    return service, ids


def _numbers(service, search, **kw):
    result = find(service.store, search, offices=[OFFICE], at=AT, **kw)
    return result, [r["id"] for r in result["rows"]]


def test_tokens_fold_case_and_accents_and_split_the_number():
    tokens = case_tokens({"nik": "6472015708900003", "name": "Budiman Ñoño"}, "DISDUKCAPIL-KALTIM-2026-000042", "AB7K-9XQ2")
    assert tokens == ["6472015708900003", "budiman", "nono", "disdukcapil-kaltim-2026-000042", "000042", "ab7k-9xq2"]
    assert query_terms('"budi" OR 1=1; %_* santoso\'') == ["budi", "or", "1", "santoso"]
    assert query_terms("x" * 10_000) is None


def test_found_by_name_word_beginning_nik_number_sequence_and_receipt_code(three):
    service, (budi, siti, budiman) = three
    with service.store.read() as s:
        cases = {c.id: c for c in s.scalars(select(Case))}
    assert _numbers(service, Search(text="budi"))[1] == [budiman, budi]  # newest first; "Budi" and "Budiman"
    assert _numbers(service, Search(text="BUDI santoso"))[1] == [budi]  # every word must match
    assert _numbers(service, Search(text="nono"))[1] == [budiman]  # accents folded
    assert _numbers(service, Search(text="6472015708900011"))[1] == [siti]
    assert _numbers(service, Search(text=cases[siti].number.lower()))[1] == [siti]
    assert _numbers(service, Search(text=cases[siti].number.rsplit("-", 1)[1]))[1] == [siti]
    assert _numbers(service, Search(text=cases[budi].receipt_code))[1] == [budi]
    result, found = _numbers(service, Search(text="rahma"))
    assert found == [siti] and result["total"] == 1
    row = result["rows"][0]
    assert row["applicant"] == "Siti Rahmawati" and row["step_name"] and row["status_label"]


def test_found_by_product_number_once_issued(service):
    case_id = run_case(service, "kaltim-data-agregat", None, None, "approve")
    with service.store.read() as s:
        number = s.scalar(select(Product.number).where(Product.case_id == case_id))
    assert number and _numbers(service, Search(text=number))[1] == [case_id]
    assert _numbers(service, Search(text=number, status="done", sla="on_time"))[1] == [case_id]
    assert _numbers(service, Search(sla="late"))[1] == []


def test_filters_paging_and_the_total(three):
    service, (budi, siti, budiman) = three
    result, found = _numbers(service, Search(size=2))
    assert result["total"] == 3 and result["pages"] == 2 and found == [budiman, siti]
    assert _numbers(service, Search(size=2, page=2))[1] == [budi]
    assert _numbers(service, Search(standard=STANDARD))[0]["total"] == 3
    assert _numbers(service, Search(standard="kaltim-data-agregat"))[0]["total"] == 0
    assert _numbers(service, Search(received_from=date(2026, 12, 2), received_to=date(2026, 12, 2)),
                    tz=WITA)[1] == [siti]
    assert _numbers(service, Search(status="open"))[0]["total"] == 3
    assert _numbers(service, Search(status="done"))[0]["total"] == 0
    step = service.library.standard(STANDARD).data["steps"][1]["id"]
    assert _numbers(service, Search(step=step))[0]["total"] == 0
    # The clock of this standard has not started at intake: none is late, however long after.
    later = find(service.store, Search(sla="not_started"), offices=[OFFICE], at=AT + timedelta(days=60))
    assert later["total"] == 3 and {r["sla"] for r in later["rows"]} == {"not_started"}
    assert find(service.store, Search(sla="late"), offices=[OFFICE], at=AT + timedelta(days=60))["total"] == 0


def test_another_office_finds_nothing_of_this_one(three):
    service, _ids = three
    assert find(service.store, Search(text="budi"), offices=["disdukcapil-bontang"], at=AT)["total"] == 0


@pytest.mark.parametrize("text", ['"', "'", "%", "_", "*", "budi%", "' OR '1'='1", "\\", "\x00", "　", "x" * 10_240,
                                  "budi " * 50])
def test_bad_search_text_finds_nothing_or_what_it_names_and_never_fails(three, text):
    service, _ids = three
    result = find(service.store, Search.of({"q": text}), offices=[OFFICE], at=AT)
    expected = {3} if not text.strip() else {0, 2}  # blank lists every case; "budi" names two
    assert result["total"] in expected and len(result["rows"]) == result["total"]


def test_search_values_from_a_form_are_kept_only_when_they_make_sense():
    search = Search.of({"q": "budi", "status": "<script>", "sla": "late", "from": "2026-13-40", "page": "-5",
                        "size": "999999"})
    assert (search.status, search.sla, search.received_from, search.page, search.size) == (None, "late", None, 1, 500)
    assert search.saved() == {"q": "budi", "sla": "late"}


def test_case_find_on_the_command_line(three, database_url):
    service, (budi, _siti, budiman) = three
    env = {"LAYANAN_DATABASE_URL": database_url}
    shown = run_cli("case", "find", "budi", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    result = json.loads(shown.stdout)
    assert result["total"] == 2 and [r["id"] for r in result["rows"]] == [budiman, budi]
    text = run_cli("case", "find", "santoso", env=env)
    assert text.returncode == 0 and "1 kasus" in text.stdout and "Budi Santoso" in text.stdout
    bad = run_cli("case", "find", "--sla", "kemarin", env=env)
    assert bad.returncode != 0 and "--sla 'kemarin' tidak dikenal" in bad.stderr and "Traceback" not in bad.stderr


def test_cases_recorded_before_the_search_existed_are_indexed_by_the_migration(three):
    """Revision 0015 indexes the cases already in the store: the tokens it writes are those a new case gets."""
    from alembic import command

    from engine.store.db import Store, alembic_config
    from engine.store.models import CaseToken

    service, (budi, _siti, _budiman) = three
    with service.store.read() as s:
        written = sorted(s.execute(select(CaseToken.case_id, CaseToken.office_id, CaseToken.token)).all())
    url = service.store.url
    service.store.dispose()
    command.downgrade(alembic_config(url), "0014")
    command.upgrade(alembic_config(url), "head")
    store = Store(url)
    with store.read() as s:
        assert sorted(s.execute(select(CaseToken.case_id, CaseToken.office_id, CaseToken.token)).all()) == written
    assert [r["id"] for r in find(store, Search(text="santoso"), offices=[OFFICE], at=AT)["rows"]] == [budi]
    store.dispose()


# ------------------------------------------------------------------ the case list page


@pytest.fixture
def signed_in(three, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from engine.web.auth import hash_password

    from .conftest import post_sign_in, web_app

    service, ids = three
    monkeypatch.setenv("LAYANAN_DATA_DIR", str(tmp_path / "data"))
    hashed = hash_password("kata-sandi-uji-2026")
    for name in (f"{OFFICE}.operator", "disdukcapil-bontang.operator"):
        service.directory.set_password(name, hashed)

    def client_of(username):
        client = TestClient(web_app(service))
        assert post_sign_in(client, username, "kata-sandi-uji-2026", follow_redirects=False).status_code == 303
        return client

    return client_of, service, ids


def _page_text(html: str) -> str:
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_case_list_finds_pages_and_keeps_the_officers_search(signed_in):
    client_of, service, (budi, _siti, budiman) = signed_in
    client = client_of(f"{OFFICE}.operator")
    page = client.get("/cari", params={"q": "budi"})
    text = _page_text(page.text)
    assert page.status_code == 200 and "2 kasus" in text and "Budi Santoso" in text and "Budiman Hadi" in text
    assert "Siti" not in text
    # Opened again without a filter, the list shows the officer's last search; "Hapus saringan" clears it.
    again = _page_text(client.get("/cari").text)
    assert "2 kasus" in again and 'value="budi"' in client.get("/cari").text
    assert "3 kasus" in _page_text(client.get("/cari", params={"reset": "1"}).text)
    paged = _page_text(client.get("/cari", params={"q": "", "status": "open", "size": "2"}).text)
    assert "3 kasus" in paged and "halaman 1 dari 2" in paged
    # Another office's officer finds none of these cases.
    other = client_of("disdukcapil-bontang.operator")
    assert "Tidak ada kasus yang cocok" in _page_text(other.get("/cari", params={"q": "budi"}).text)


@pytest.mark.parametrize("text", ['"budi', "budi%' --", "<script>alert(1)</script>", "x" * 10_240])
def test_hostile_search_text_gives_a_clear_empty_page(signed_in, text):
    client_of, _service, _ids = signed_in
    page = client_of(f"{OFFICE}.operator").get("/cari", params={"q": text})
    assert page.status_code == 200 and "<script>alert" not in page.text
    assert "Tidak ada kasus" in page.text or "terlalu panjang" in page.text or "2 kasus" in _page_text(page.text)


def test_the_export_streams_every_matching_case_as_csv(signed_in):
    import csv
    import io

    client_of, service, _ids = signed_in
    _open(service, "=HYPERLINK(\"http://x\")", "6472015708900037", 4)
    response = client_of(f"{OFFICE}.operator").get("/cari/ekspor.csv", params={"q": ""})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Nomor kasus", "Pemohon", "NIK"] and len(rows) == 5
    assert rows[1][1].startswith("'=")  # a name that is a formula is exported as text
    assert {r[1] for r in rows[2:]} == {"Budiman Hadi Ñoño", "Siti Rahmawati", "Budi Santoso"}


def test_the_export_as_an_excel_workbook_holds_what_the_list_shows(signed_in):
    import io

    from openpyxl import load_workbook

    client_of, service, _ids = signed_in
    _open(service, "=HYPERLINK(\"http://x\")", "6472015708900037", 4)
    client = client_of(f"{OFFICE}.operator")
    response = client.get("/cari/ekspor.xlsx", params={"q": "budi"})
    assert response.status_code == 200 and "spreadsheetml" in response.headers["content-type"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Nomor kasus", "Pemohon", "NIK"]
    assert [r[1] for r in rows[1:]] == ["Budiman Hadi Ñoño", "Budi Santoso"]  # what the list shows, newest first
    everything = load_workbook(io.BytesIO(client.get("/cari/ekspor.xlsx").content), read_only=True).active
    names = [r[1] for r in everything.iter_rows(min_row=2, values_only=True)]
    assert len(names) == 4 and names[0].startswith("'=")  # a formula is kept as text
    assert 'href="/cari/ekspor.xlsx?' in client.get("/cari", params={"q": "budi"}).text


def test_the_export_reads_in_chunks_whatever_its_size(three):
    from engine.cases.finding import stream

    service, ids = three
    streamed = [r["id"] for r in stream(service.store, Search(), offices=[OFFICE], at=AT, chunk=2)]
    assert streamed == list(reversed(ids))
