"""Validator messages an author of another office meets (issue 19): suggestions that are really alike, the
template of `layanan new` writing keys the schema knows."""

from engine.standard.diagnostics import suggest

from .conftest import run_cli


def test_an_unknown_office_is_not_answered_with_an_unrelated_one():
    offices = ["disdukcapil-bontang", "disdukcapil-kaltim", "disdukcapil-balikpapan"]
    assert suggest("disdukcapil-sorong", offices) is None
    assert suggest("disdukcapil-bontan", offices) == "disdukcapil-bontang"  # a real slip still is
    assert suggest("kantor-ujj", ["kantor-uji"]) == "kantor-uji"


def test_the_new_standards_commented_complaints_example_uses_the_schemas_keys(tmp_path):
    import re

    import yaml

    out = tmp_path / "standards" / "baru.yaml"
    out.parent.mkdir()
    result = run_cli("new", "--office", "disdukcapil-kaltim", "--out", str(out))
    assert result.returncode == 0, result.stderr
    example = next(line for line in out.read_text().splitlines() if line.startswith("# complaints:"))
    value = yaml.safe_load(re.sub(r"^# complaints:\s*", "", example).split("   ")[0])
    assert set(value[0]) <= {"type", "value", "label"} and "type" in value[0]
