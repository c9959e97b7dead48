"""Reviewer notes (distinct from errors): on the seeds as they are, and on real changes of them."""

import shutil

import yaml

from engine.standard.validate import validate_paths

from .conftest import STANDARDS


def test_the_seeds_notes(tmp_path):
    result = validate_paths([STANDARDS])
    assert result.ok and not result.warnings
    foreign = [d for d in result.reviews if d.code == "foreign-region"]
    assert [(d.file.split("/")[-1], d.line, d.path) for d in foreign] == [
        ("disdukcapil-kaltim.yaml", 151, "management.supervision")]
    assert "Kabupaten Jember" in foreign[0].message
    empty = {d.file.split("/")[-1] for d in result.reviews if d.code == "empty-component"}
    # Only Bontang's drafts, whose parts the seeds do not give, are incomplete; every published one is whole.
    assert empty and all(name in {"kartu-keluarga.yaml", "ktp-el.yaml", "akta-perkawinan.yaml",
                                  "alur-umum-adminduk.yaml"} for name in empty)


def _library_with(tmp_path, relative, change):
    target = tmp_path / "lib"
    shutil.copytree(STANDARDS, target)
    path = target / relative
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text("# yaml-language-server: $schema=../../engine/standard/layanan.schema.json\n"
                    + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return [d for d in validate_paths([target]).diagnostics if d.file.endswith(relative)]


def test_notes_on_real_changes(tmp_path):
    def copy_and_overrun(data):
        data["management"] = {"evaluation": "Evaluasi oleh Inspektorat Kabupaten Sleman setiap bulan"}
        data["steps"][1]["target"] = {"working_days": 4}

    found = _library_with(tmp_path, "kaltim/06-data-agregat.yaml", copy_and_overrun)
    assert not [d for d in found if d.severity == "error"]
    codes = {d.code: d for d in found if d.severity == "review"}
    assert "Kabupaten Sleman" in codes["foreign-region"].message
    assert codes["foreign-region"].path == "management.evaluation"
    assert "melebihi jangka waktu 3 hari kerja" in codes["targets-exceed-limit"].message


def test_an_emptied_component_is_noted(tmp_path):
    def drop_the_procedure(data):
        data.pop("procedure", None)
        for variant in data.get("variants") or []:
            variant.pop("procedure", None)

    found = _library_with(tmp_path, "balikpapan/pendaftaran-ikd.yaml", drop_the_procedure)
    assert not [d for d in found if d.severity == "error"], [d.format() for d in found]
    messages = [d.message for d in found if d.code == "empty-component"]
    assert any("Sistem, mekanisme dan prosedur" in m for m in messages)
