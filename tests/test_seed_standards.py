"""The seed standards: all present, all valid, each faithful to its source on the points that matter."""

import json

from engine.standard import schema as schema_mod
from engine.standard.validate import SCHEMA_COMMENT, validate_paths

from .conftest import STANDARDS, run_cli

SEED_FILES = sorted(STANDARDS.rglob("*.yaml"))


def test_every_seed_file_is_valid_without_warnings():
    result = validate_paths([STANDARDS])
    assert result.files == len(SEED_FILES)
    assert result.ok, "\n".join(d.format() for d in result.errors)
    assert not result.warnings, "\n".join(d.format() for d in result.warnings)


def test_every_file_points_the_editor_at_the_packaged_schema():
    for path in SEED_FILES:
        first = path.read_text().split("\n", 1)[0]
        assert first.startswith(SCHEMA_COMMENT), path
        target = (path.parent / first[len(SCHEMA_COMMENT):]).resolve()
        assert target == schema_mod.SCHEMA_PATH.resolve(), path


def test_the_eleven_seed_standards_and_a_bundle_are_there(library):
    kaltim = [s for s in library.standards.values() if s.office.id == "disdukcapil-kaltim"
              and s.id != "kaltim-pengaduan-masyarakat"]  # complaint handling, added from the SP4N rules
    assert len(kaltim) == 8
    # Time limits as printed on the Kaltim posters and decree, in decree order.
    by_source = sorted(kaltim, key=lambda s: s.data["source"])
    assert [s.time_limit()["working_days"] for s in by_source] == [1, 2, 2, 1, 1, 3, 50, 10]
    assert {"balikpapan-cetak-ktp-el", "balikpapan-pendaftaran-ikd", "bontang-alur-umum"} <= set(library.standards)
    assert "bontang-seven-in-one" in library.bundles
    assert all(s.fee()["amount"] == 0 for s in library.standards.values())


def test_balikpapan_ktp_variants_channels_and_conditional_requirements(library):
    std = library.standard("balikpapan-cetak-ktp-el")
    assert [v["id"] for v in std.variants] == ["baru", "penggantian", "perubahan_data"]
    assert ("baru", "daring") not in std.combinations()
    assert ("penggantian", "daring") in std.combinations()
    names = lambda reqs: [r["id"] for r in reqs]  # noqa: E731
    assert names(std.requirements("penggantian", "luring", {"alasan": "hilang"})) == ["fotokopi_kk", "suket_hilang"]
    assert names(std.requirements("penggantian", "luring", {"alasan": "rusak"})) == ["fotokopi_kk", "ktp_el_rusak"]
    # Without answers a conditional requirement is listed (with its condition) for the checklist.
    assert names(std.requirements("penggantian")) == ["fotokopi_kk", "suket_hilang", "ktp_el_rusak"]
    assert names(std.requirements("perubahan_data")) == ["kk_terbaru", "ktp_lama"]
    # The online path has the applicant step and a return to the applicant; the counter path has neither.
    daring = std.procedure.reachable("penggantian", "daring")
    luring = std.procedure.reachable("penggantian", "luring")
    assert "pengajuan_daring" in daring and "notifikasi" in daring
    assert "pengajuan_daring" not in luring and "penerimaan_luring" in luring


def test_office_defaults_apply_and_standards_override_them(library):
    std = library.standard("kaltim-ktp-el-luar-domisili")
    assert len(std.management["legal_basis"]) == 7  # from the office
    assert "Bimtek Perekaman dan Pencetakan KTP" in std.management["competence"]  # its own
    assert "Kab Jember" in std.management["security_guarantee"][0]  # the seed's own copy error, kept
    assert std.complaints[0] == {"type": "phone", "value": "0878 8345 3285"}


def test_supervision_line_follows_reporting_lines(library):
    office = library.offices["disdukcapil-kaltim"]
    assert office.supervision_line("operator") == ["subkoor_dafduk_capil", "kabid_fasilitasi", "kepala_dinas",
                                                   "asisten_pemkesra"]


def test_list_and_show_commands():
    listed = run_cli("list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 16
    shown = run_cli("show", "kaltim-akses-data")
    assert shown.returncode == 0
    assert "3. Jangka waktu: 50 hari kerja (sejak tanggal diterimanya berkas persyaratan secara lengkap)" in shown.stdout
    assert "14. Evaluasi Kinerja Pelaksana" in shown.stdout
    unknown = run_cli("show", "kaltim-akses-dat")
    assert unknown.returncode == 2
    assert "standar 'kaltim-akses-dat' tidak dikenal (maksud Anda 'kaltim-akses-data'?)" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_schema_command_prints_the_draft_2020_12_schema():
    proc = run_cli("schema")
    assert proc.returncode == 0
    printed = json.loads(proc.stdout)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(printed)


def test_help_lists_commands():
    proc = run_cli("--help")
    for command in ("validate", "schema", "list", "show", "deadline", "calendar"):
        assert command in proc.stdout
