"""Each broken standard in tests/data/library/broken names, in its header, the error it must produce."""

import json
import re
from pathlib import Path

import pytest

from engine.standard.validate import validate_paths

from .conftest import TEST_LIBRARY, run_cli

BROKEN = sorted((TEST_LIBRARY / "broken").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (\S+): (.+)$", re.M)


def test_corpus_is_large_enough():
    assert len(BROKEN) >= 25


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_standard_reports_expected_error(path: Path):
    expected = EXPECT.findall(path.read_text())  # each of them: one error does not hide the others
    result = validate_paths([path])
    assert not result.ok and expected
    found = [(d.line, d.col, d.path, d.message) for d in result.errors]
    for line, col, field, message in expected:
        # A message ending in its options may be followed by a suggestion ("maksud Anda ...?").
        assert any((d[0], d[1], d[2]) == (int(line), int(col), field) and d[3].startswith(message) for d in found), \
            "\n".join(d.format() for d in result.errors)
    # Every diagnostic points inside the file.
    lines = path.read_text().count("\n") + 1
    assert all(1 <= d.line <= lines for d in result.diagnostics)


def test_the_valid_base_of_the_corpus_is_valid():
    result = validate_paths([TEST_LIBRARY / "standards", TEST_LIBRARY / "offices"])
    assert result.ok, [d.format() for d in result.errors]


def test_cli_prints_file_line_col_field_and_suggestion():
    path = TEST_LIBRARY / "broken" / "role-misspelt.yaml"
    proc = run_cli("validate", str(path.relative_to(TEST_LIBRARY.parents[2])))
    assert proc.returncode == 1
    assert proc.stdout.strip() == ("tests/data/library/broken/role-misspelt.yaml:41:11: steps[1].role: "
                                   "peran 'operatr' tidak dikenal (maksud Anda 'operator'?)")
    assert "Traceback" not in proc.stderr


def test_cli_json_format_for_tools():
    proc = run_cli("validate", "--format", "json", "tests/data/library/broken/duplicate-key.yaml")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["ok"] is False and report["errors"] == 1
    (diag,) = report["diagnostics"]
    assert diag["line"] == 7 and diag["col"] == 1 and diag["path"] == "title" and diag["code"] == "yaml"


def test_cli_on_missing_file_is_an_error_not_a_traceback():
    proc = run_cli("validate", "tidak-ada.yaml")
    assert proc.returncode == 1
    assert "tidak-ada.yaml:1:1: (berkas): berkas tidak ditemukan" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_cli_on_folder_without_yaml_fails(tmp_path):
    proc = run_cli("validate", str(tmp_path))
    assert proc.returncode == 1
    assert "tidak ada berkas" in proc.stderr
