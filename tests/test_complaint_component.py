"""Component 6 as real standards write it (issue 19): the channels, the handling flow, the limits per tier of
complaint (Kelurahan Paria's "ringan 2, normatif 5, tidak berkadar pengawasan 14, berkadar pengawasan 60
hari kerja"), or a reference to the office's complaint standard; validated, printed, shown."""

import copy
from pathlib import Path

from engine.publish.document import components
from engine.standard.model import load_library
from engine.standard.validate import validate_paths

CORPUS = Path(__file__).parent / "data" / "corpus"


def _with_tiers(tmp_path):
    import shutil

    import yaml

    shutil.copytree(CORPUS, tmp_path / "korpus")
    path = tmp_path / "korpus" / "standards" / "sorong-perekaman-ktp-el.yaml"
    data = yaml.safe_load(path.read_text())
    data["complaints"]["tiers"] = {
        "ringan": {"name": "Pengaduan ringan", "working_days": 2},
        "normatif": {"name": "Pengaduan bersifat normatif", "working_days": 5},
        "pengawasan": {"name": "Pengaduan berkadar pengawasan dan memerlukan pemeriksaan", "working_days": 60},
    }
    data["complaints"]["standard"] = "dikpora-diy-pengaduan"
    path.write_text("# yaml-language-server: $schema=x\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


def test_the_flow_and_the_tiers_of_component_six_are_printed(tmp_path):
    path = _with_tiers(tmp_path)
    assert validate_paths([path]).ok
    standard = load_library(path.parents[1]).standard("sorong-perekaman-ktp-el")
    six = next(c for c in components(standard) if c.number == 6)
    headings = {e[0]: e[1] for e in six.entries if not isinstance(e, str)}
    assert "Sekretariat pengaduan" in six.entries
    assert "Pengaduan berkadar pengawasan dan memerlukan pemeriksaan: 60 hari kerja" in \
        headings["Jangka waktu penyelesaian pengaduan"]
    assert any("Kepala Dinas" in line for line in headings["Alur penanganan pengaduan"])
    assert "Ditangani menurut standar pelayanan pengaduan 'dikpora-diy-pengaduan'" in six.entries
    assert [c["label"] for c in standard.complaints][:1] == ["Telepon pengaduan (nomor dipublikasikan pada alur "
                                                             "pengaduan di ruang pelayanan)"]


def test_a_complaint_standard_that_does_not_exist_is_named(tmp_path):
    import yaml

    path = _with_tiers(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["complaints"]["standard"] = "pengaduan-yang-tidak-ada"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    result = validate_paths([path])
    assert any(d.path == "complaints.standard" and "pengaduan-yang-tidak-ada" in d.message for d in result.errors)


def test_a_standard_listing_only_channels_keeps_its_meaning():
    standard = load_library(CORPUS).standard("bener-meriah-ktp-el")
    assert standard.complaint_handling == {} and isinstance(standard.complaints, list)
    assert copy.deepcopy(standard.complaints) == standard.office.data["complaints"]
