"""The satisfaction survey's arithmetic (engine/skm/): the minimum sample from the Krejcie & Morgan table,
the index (IKM) and its grade under each office's convention, spreadsheets of paper forms, and the
`layanan skm` commands."""

from __future__ import annotations

import io
import json
import math
from fractions import Fraction

import pytest

from engine.skm.index import ELEMENTS, Convention, compute, of_responses
from engine.skm.questionnaire import questionnaire
from engine.skm.sample import TABLE, formula, minimum_sample
from engine.skm.sheet import SheetError, read

from .conftest import run_cli


@pytest.mark.parametrize("population, sample", TABLE)
def test_every_row_of_the_printed_table(population, sample):
    assert minimum_sample(population) == sample
    # The table was printed from the formula (95 %, 5 %, P = 0.5), rounded or rounded up.
    assert sample in (round(formula(population)), math.ceil(formula(population)))


def test_populations_between_rows_below_the_first_and_above_the_last():
    assert minimum_sample(0) == 0 and minimum_sample(7) == 7  # a handful of people: ask them all
    assert minimum_sample(101) == 86     # between 100 (80) and 110 (86): never fewer than the table asks
    assert minimum_sample(1234) == 297   # 1300 -> 297
    assert minimum_sample(5_000_000) == 384
    for bad in (-1, 2.5, "100", True):
        with pytest.raises(ValueError):
            minimum_sample(bad)


def _all(score_fraction: Fraction, respondents: int = 10_000):
    """Totals giving every element the average ``score_fraction`` over ``respondents``."""
    total = score_fraction * respondents
    assert total.denominator == 1
    return {e: int(total) for e in ELEMENTS}, {e: respondents for e in ELEMENTS}


def test_the_grade_flips_at_a_boundary_between_conventions():
    totals, answered = _all(Fraction(35324, 10_000))  # every element's NRR is 3.5324
    by_ninth = compute(totals, answered, 10_000)
    assert by_ninth.converted == 88.31 and by_ninth.grade == "A" and by_ninth.performance == "Sangat baik"
    by_0111 = compute(totals, answered, 10_000, Convention("0.111"))
    assert by_0111.converted == 88.22 and by_0111.grade == "B"
    by_011 = compute(totals, answered, 10_000, Convention("0.11"))
    assert by_011.converted == 87.43 and by_011.grade == "B"
    assert "bobot 0,11" in by_011.convention.describe()
    # Rounding each average first moves it too: 3.5324 to 2 decimals is 3.53, and the grade drops.
    rounded = compute(totals, answered, 10_000, Convention("1/9", round_nrr=2))
    assert rounded.nrr["U1"] == 3.53 and rounded.converted == 88.25 and rounded.grade == "B"


@pytest.mark.parametrize("average, converted, grade", [
    (Fraction(1), 25.0, "D"), (Fraction(25996, 10_000), 64.99, "D"), (Fraction(26, 10), 65.0, "C"),
    (Fraction(3064, 1000), 76.6, "C"), (Fraction(30644, 10_000), 76.61, "B"), (Fraction(3532, 1000), 88.3, "B"),
    (Fraction(35324, 10_000), 88.31, "A"), (Fraction(4), 100.0, "A")])
def test_the_regulations_interval_table(average, converted, grade):
    result = compute(*_all(average), 10_000)
    assert result.converted == converted and result.grade == grade


def test_a_published_report_tulang_bawang_barat_2023():
    """Disdukcapil Kabupaten Tulang Bawang Barat, SKM online 2023 semester 1
    (https://e-smile.tubaba.go.id/main/skm/laporan/online): one respondent, 4 on every element; published
    Σ per element 4, NRR 4, NRR tertimbang 0.44 per element, their sum 4, IKM unit pelayanan 100 (Sangat
    Baik). The page says NRR x 0,111, yet its 100 is what the weight 1/9 gives (0,111 gives 99,9)."""
    result = of_responses([{e: 4 for e in ELEMENTS}])
    assert result.totals == {e: 4 for e in ELEMENTS} and set(result.nrr.values()) == {4.0}
    assert {round(w, 2) for w in result.weighted.values()} == {0.44} and result.ikm == 4.0
    assert result.converted == 100.0 and result.grade == "A" and result.performance == "Sangat baik"
    assert of_responses([{e: 4 for e in ELEMENTS}], Convention("0.111")).converted == 99.9


def test_the_arithmetic_element_by_element():
    rows = [dict(zip(ELEMENTS, scores)) for scores in
            ([4, 3, 3, 4, 3, 3, 4, 3, 2], [3, 3, 4, 4, 3, 4, 4, 3, 3], [2, 2, 3, 4, 3, 3, 3, 2, 1])]
    result = of_responses(rows)
    assert result.totals["U1"] == 9 and result.nrr["U1"] == 3.0 and result.nrr["U9"] == 2.0
    assert result.ikm == pytest.approx(sum(result.nrr.values()) / 9)
    assert result.converted == round(25 * sum(result.nrr.values()) / 9, 2)
    assert result.lowest == ["U9", "U2", "U8"]  # ties in element order
    partial = of_responses([{"U1": 4}, {"U1": 2, "U2": 3}])  # an element left blank counts no answer
    assert partial.answered["U1"] == 2 and partial.answered["U2"] == 1 and partial.nrr["U2"] == 3.0
    assert of_responses([]) is None


def test_the_questionnaire_has_the_nine_elements_in_the_regulations_words_and_the_offices_own():
    q = questionnaire({"survey": {"questions": [{"id": "antrian", "question": "Bagaimana antreannya?",
                                                   "answers": ["Buruk", "Cukup", "Baik", "Sangat baik"]},
                                                  {"id": "usul", "question": "Usul Anda", "type": "text"}]}})
    assert [e.id for e in q.elements] == list(ELEMENTS)
    assert q.elements[0].name == "Persyaratan" and q.elements[0].answers[3] == "Sangat sesuai"
    assert q.elements[3].answers == ("Sangat mahal", "Cukup mahal", "Murah", "Gratis")
    assert [x.id for x in q.extra] == ["antrian", "usul"] and not q.extra[1].scored
    assert {p["id"] for p in q.profile} == {"age", "sex", "education", "occupation"}


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_a_spreadsheet_of_paper_forms_as_csv_or_xlsx():
    data = _csv("No;U1;U2;U3;U4;U5;U6;U7;U8;U9;Umur;Jenis Kelamin;Pendidikan;Pekerjaan;Saran",
                "1;4;3;3;4;3;3;4;3;2;34;P;SMA;Swasta;Antrean terlalu lama",
                "2;3;3;4;4;3;4;4;3;3;;L;;;", ";;;;;;;;;;;;;;")
    responses = read(data)
    assert len(responses) == 2 and responses[0].scores["U9"] == 2
    assert responses[0].profile == {"age": 34, "sex": "P", "education": "SMA", "occupation": "SWASTA"}
    assert responses[0].suggestion == "Antrean terlalu lama" and responses[1].profile == {"sex": "L"}
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9", "usia"])
    sheet.append([4, 4, 4, 4, 4, 4, 4, 4, 4, 52])
    out = io.BytesIO()
    book.save(out)
    (only,) = read(out.getvalue(), "isian.xlsx")
    assert only.scores == {e: 4 for e in ELEMENTS} and only.profile == {"age": 52}


def test_bad_rows_are_named_by_their_line_and_nothing_is_read():
    data = _csv("U1,U2,U3,U4,U5,U6,U7,U8,U9,umur,pekerjaan",
                "4,3,3,4,3,3,4,3,2,34,PNS",
                "5,3,3,4,3,3,4,3,2,,",
                "4,,3,4,3,3,4,3,2,,",
                "4,3,3,4,3,3,4,3,2,300,astronot")
    with pytest.raises(SheetError) as caught:
        read(data)
    lines = {line: message for line, message in caught.value.problems}
    assert "U1 harus 1, 2, 3 atau 4 (tertulis '5')" in lines[3]
    assert "U2 harus 1, 2, 3 atau 4 (kosong)" in lines[4]
    assert 5 in lines and any("umur '300'" in m for line, m in caught.value.problems if line == 5)
    assert any("pekerjaan 'astronot' tidak dikenal" in m for line, m in caught.value.problems)
    for bad, expected in ((b"", "berkas kosong"), (_csv("U1,U2", "4,4"), "kolom U3"),
                          (b"\xff\xfe\x00garbage", "bukan CSV"), (b"PK\x03\x04rusak", "XLSX tidak dapat dibaca"),
                          (_csv("U1,U2,U3,U4,U5,U6,U7,U8,U9"), "tidak ada baris jawaban")):
        with pytest.raises(SheetError, match=expected):
            read(bad)


def test_the_commands(tmp_path):
    path = tmp_path / "jawaban.csv"
    path.write_bytes(_csv("U1,U2,U3,U4,U5,U6,U7,U8,U9", *["4,4,4,4,4,4,4,4,3"] * 3))
    done = run_cli("skm", "hitung", str(path))
    assert done.returncode == 0, done.stderr
    assert "3 responden" in done.stdout and "IKM konversi 97,22" in done.stdout and "mutu A" in done.stdout
    as_json = json.loads(run_cli("skm", "hitung", str(path), "--bobot", "0.11", "--format", "json").stdout)
    assert as_json["converted"] == 96.25 and as_json["convention"]["weight"] == "0.11"
    bad = tmp_path / "salah.csv"
    bad.write_bytes(_csv("U1,U2,U3,U4,U5,U6,U7,U8,U9", "4,4,4,4,4,4,4,4,0"))
    refused = run_cli("skm", "hitung", str(bad))
    assert refused.returncode != 0 and "salah.csv:2: U9 harus 1, 2, 3 atau 4" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run_cli("skm", "sampel", "1234").stdout.strip() == "297"
    wrong = run_cli("skm", "sampel", "banyak")
    assert wrong.returncode != 0 and "bilangan bulat" in wrong.stderr and "Traceback" not in wrong.stderr
    missing = run_cli("skm", "hitung", str(tmp_path / "tidak-ada.csv"))
    assert missing.returncode != 0 and "tidak ada" in missing.stderr
