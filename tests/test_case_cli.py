"""The case commands as a user runs them: real processes on a real SQLite file, no Prefect needed."""

import json

from .conftest import run_cli


def test_case_and_task_commands(tmp_path):
    env = {"LAYANAN_DATA_DIR": str(tmp_path / "data")}
    assert run_cli("db", "upgrade", env=env).returncode == 0
    assert run_cli("user", "add", "loket", "--office", "disdukcapil-kaltim", "--role", "petugas_layanan",
                   env=env).returncode == 0
    applicant = tmp_path / "pemohon.json"
    applicant.write_text(json.dumps({"applicant": {"nik": "6472015708900003", "name": "Siti"},
                                     "requirements": ["surat_permohonan"]}))
    refused = run_cli("case", "new", "kaltim-penduduk-rentan", "--applicant", str(applicant), env=env)
    assert refused.returncode == 1 and "persyaratan belum lengkap" in refused.stderr
    assert "Traceback" not in refused.stderr
    applicant.write_text(json.dumps({"applicant": {"nik": "6472015708900003", "name": "Siti"}, "requirements": [
        "surat_permohonan", "dokumen_kependudukan", "kk_pengurus", "rekomendasi_dinsos"]}))
    made = run_cli("case", "new", "kaltim-penduduk-rentan", "--applicant", str(applicant), "--as", "loket", env=env)
    assert made.returncode == 0, made.stderr
    number = made.stdout.split()[1]
    listed = run_cli("task", "list", "--json", env=env)
    rows = json.loads(listed.stdout)
    assert [r["case"] for r in rows] == [number] and rows[0]["role"] == "operator"
    wrong = run_cli("task", "complete", str(rows[0]["task"]), "--as", "loket", env=env)
    assert wrong.returncode == 1 and "memerlukan peran" in wrong.stderr and "Traceback" not in wrong.stderr
    shown = run_cli("case", "show", number, "--json", env=env)
    view = json.loads(shown.stdout)
    assert view["status"] == "open" and view["sla"]["status"] in ("on_track", "at_risk", "late")
    assert run_cli("case", "show", "TIDAK-ADA", env=env).stderr.strip() == \
        "layanan: case: kasus 'TIDAK-ADA' tidak ditemukan"
