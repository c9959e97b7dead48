"""The staffing simulation page (/lantai/simulasi): an officer picks a standard of the office, today's
officers come from the standard's Jumlah Pelaksana, a what-if adds an operator; both scenarios are shown
as a table and as bar charts with their intervals; bad input is a message."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from .conftest import post_sign_in, web_app

WITA = ZoneInfo("Asia/Makassar")
AT = datetime(2026, 12, 1, 9, tzinfo=WITA)
PASSWORD = "kata-sandi-uji-2026"
OFFICER = "disdukcapil-balikpapan.operator_siak"
PAGE = "/lantai/simulasi"


@pytest.fixture
def client(service):
    from engine.access.passwords import hash_password

    service.directory.set_password(OFFICER, hash_password(PASSWORD))
    with TestClient(web_app(service, clock=lambda: AT)) as client:
        post_sign_in(client, OFFICER, PASSWORD)
        yield client


def test_today_against_one_more_operator(client):
    page = client.get(PAGE).text
    assert "Cetak Kartu Tanda Penduduk" in page and "bontang" not in page.lower()
    form = client.get(PAGE, params={"standar": "balikpapan-cetak-ktp-el"}).text
    assert 'name="petugas.operator_siak"' in form and 'name="jika.operator_siak"' in form
    answer = client.get(PAGE, params={"standar": "balikpapan-cetak-ktp-el", "kedatangan": "60", "hari": "20",
                                      "ulang": "3", "petugas.operator_siak": "1", "jika.operator_siak": "2"})
    assert answer.status_code == 200, answer.text
    text = answer.text
    rows = re.findall(r'data-testid="skenario">(.*?)</tr>', text, re.S)
    assert len(rows) == 2 and "Sekarang" in rows[0] and "Bagaimana jika" in rows[1]
    assert "Operator SIAK 1" in rows[0] or "operator" in rows[0].lower()
    share = [float(m.replace(",", ".")) for m in re.findall(r"keterisian (\d+,\d) %", text)]
    assert share and all(0 <= s <= 100 for s in share)
    assert text.count("<svg") >= 3 and "Keterisian petugas" in text and "kedatangan: 60,00 per hari kerja (diberikan)" in text


@pytest.mark.parametrize("params, message", [
    ({"standar": "bontang-ktp-el"}, "bukan standar"),
    ({"standar": "balikpapan-cetak-ktp-el", "kedatangan": "10", "petugas.operator_siak": "0"}, "minimal 1 petugas"),
    ({"standar": "balikpapan-cetak-ktp-el", "kedatangan": "banyak"}, "bukan angka"),
    ({"standar": "balikpapan-cetak-ktp-el", "kedatangan": "10", "hari": "9999"}, "hari harus 5 sampai 250"),
])
def test_bad_input_is_a_message(client, params, message):
    answer = client.get(PAGE, params=params)
    assert answer.status_code == 400 and message in answer.text
