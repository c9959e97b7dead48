"""Counter staffing by Erlang C (engine/capacity/erlang.py) against a published worked example, and the
`layanan staffing` command, bad input included."""

import json

import pytest

from engine.capacity.erlang import intensity, service_level, staffing, waiting_probability

from .conftest import run_cli


def test_call_centre_helpers_worked_example():
    """"Erlang C Formula - Made Simple With an Easy Worked Example" (Call Centre Helper): 100 calls in 30
    minutes, 180 s handling, 80 % within 20 s, 30 % shrinkage: 10 erlangs; 11, 12, 13, 14 agents reach
    39 %, 64 %, 80 % (just under) and 89 %; 14 agents, 20 rostered."""
    load = intensity(100, 1800, 180)
    assert load == pytest.approx(10)
    assert [round(waiting_probability(n, load), 4) for n in (11, 12, 13, 14)] == [0.6821, 0.4494, 0.2853, 0.1741]
    assert [round(service_level(n, load, 180, 20), 4) for n in (11, 12, 13, 14)] == [0.3896, 0.6402, 0.7956, 0.8884]
    result = staffing(100, 1800, 180, 0.80, 20, shrinkage=0.30)
    assert (result.officers, result.scheduled) == (14, 20)
    assert result.occupancy == pytest.approx(10 / 14)


def test_large_offices_do_not_overflow():
    result = staffing(6000, 3600, 300, 0.9, 30)  # 500 erlangs: the textbook A^N/N! overflows a float
    assert result.officers > 500 and result.service_level >= 0.9


@pytest.mark.parametrize("args, message", [
    (("--arrivals", "-1"), "tidak boleh negatif"),
    (("--arrivals", "abc"), "'abc' bukan angka"),
    (("--target", "100"), "antara 0 dan 100"),
    (("--shrinkage", "100"), "shrinkage"),
    (("--handling", "0"), "lebih dari 0"),
])
def test_bad_input_is_refused_in_words(args, message):
    base = {"--arrivals": "100", "--per": "30", "--handling": "3", "--target": "80", "--within": "20"}
    base.update(dict([args]))
    out = run_cli("staffing", *[x for pair in base.items() for x in pair])
    assert out.returncode != 0 and message in out.stderr and "Traceback" not in out.stderr


def test_the_command_prints_officers_before_and_after_shrinkage():
    out = run_cli("staffing", "--arrivals", "100", "--per", "30", "--handling", "3", "--target", "80",
                  "--within", "20", "--shrinkage", "30", "--format", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["officers"] == 14 and json.loads(out.stdout)["scheduled"] == 20
    text = run_cli("staffing", "--arrivals", "100", "--per", "30", "--handling", "3", "--target", "80",
                   "--within", "20", "--shrinkage", "30").stdout
    assert "Petugas di loket: 14" in text and "shrinkage 30 %: 20" in text
