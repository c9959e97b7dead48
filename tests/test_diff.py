"""`layanan diff` on real changes of a seed standard: files, and a file at a git revision."""

import subprocess

import yaml

from engine.publish.diff import diff, read

from .conftest import STANDARDS, run_cli

SEED = STANDARDS / "kaltim" / "06-data-agregat.yaml"


def _changed(tmp_path):
    data = yaml.safe_load(SEED.read_text())
    data["version"] = "2026.1"
    data["requirements"].append({"id": "ktp_pemohon", "name": "Fotokopi KTP-el pemohon", "form": "fotokopi"})
    data["time_limit"]["working_days"] = 5
    data["fee"] = {"amount": 50000, "legal_basis": "Perda Prov. Kaltim tentang Retribusi"}
    data["products"][0]["name"] = "Surat jawaban berisi data agregat"
    data["steps"].insert(2, {"id": "telaah", "name": "Telaah hukum", "kind": "form", "role": "operator"})
    target = tmp_path / "baru.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return target


def test_the_changes_that_matter_to_the_public(tmp_path):
    changes = diff(read(str(SEED)), read(str(_changed(tmp_path))))
    lines = [c.line() for c in changes]
    assert any(l.startswith("Versi: versi dan tanggal berlaku diubah: 2025.1") for l in lines)
    assert "Persyaratan: ktp_pemohon ditambah: Fotokopi KTP-el pemohon (fotokopi)" in lines
    assert any(l.startswith("Jangka waktu: semua permohonan diubah: 3 hari kerja") and "5 hari kerja" in l
               for l in lines)
    assert any(l.startswith("Biaya/tarif: semua permohonan diubah: Tidak dipungut biaya") and "50.000" in l
               for l in lines)
    assert any(l.startswith("Produk: surat_jawaban diubah") for l in lines)
    assert "Langkah internal: telaah ditambah: Telaah hukum (operator)" in lines
    assert diff(read(str(SEED)), read(str(SEED))) == []


def test_diff_command_with_a_git_revision_and_the_forum_document(tmp_path):
    repo = tmp_path / "repo"
    (repo / "standards").mkdir(parents=True)
    target = repo / "standards" / "data-agregat.yaml"
    target.write_text(SEED.read_text())
    git = ["git", "-c", "user.name=uji", "-c", "user.email=uji@example.id"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "."], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-qm", "v1"], cwd=repo, check=True)
    target.write_text(_changed(tmp_path).read_text())
    done = run_cli("diff", "HEAD:standards/data-agregat.yaml", "standards/data-agregat.yaml", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "ktp_pemohon ditambah" in done.stdout and "5 hari kerja" in done.stdout
    forum = tmp_path / "forum.pdf"
    pdf = run_cli("diff", "HEAD:standards/data-agregat.yaml", "standards/data-agregat.yaml", "--format", "pdf",
                  "--out", str(forum), cwd=repo)
    assert pdf.returncode == 0 and forum.read_bytes().startswith(b"%PDF")
    bad = run_cli("diff", "HEAD~5:standards/data-agregat.yaml", "standards/data-agregat.yaml", cwd=repo)
    assert bad.returncode != 0 and "tidak ada di git" in bad.stderr
