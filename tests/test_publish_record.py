"""`layanan publish`: versions recorded once; a changed standard with the same version is refused."""

import shutil

from sqlalchemy import func, select

from engine.store.models import Event

from .conftest import STANDARDS, run_cli


def test_publishing_records_versions_and_refuses_a_silent_change(tmp_path, service):
    folder = tmp_path / "standards"
    shutil.copytree(STANDARDS, folder)
    env = {"LAYANAN_DATABASE_URL": service.store.url}
    first = run_cli("publish", "--standards", str(folder), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("dicatat") == 11  # the published seeds; drafts are not published
    again = run_cli("publish", "--standards", str(folder), env=env)
    assert again.stdout.count("sudah tercatat") == 11
    target = folder / "kaltim" / "06-data-agregat.yaml"
    target.write_text(target.read_text().replace("working_days: 3", "working_days: 5"))
    with service.store.read() as s:
        before = s.scalar(select(func.count()).select_from(Event))
    refused = run_cli("publish", "kaltim-data-agregat", "--standards", str(folder), env=env)
    assert refused.returncode != 0 and "naikkan 'version'" in refused.stderr
    with service.store.read() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == before  # nothing written
    target.write_text(target.read_text().replace('version: "2025.1"', 'version: "2026.1"'))
    bumped = run_cli("publish", "kaltim-data-agregat", "--standards", str(folder), env=env)
    assert bumped.returncode == 0 and "2026.1" in bumped.stdout and "dicatat" in bumped.stdout
    assert run_cli("audit", "verify", env=env).returncode == 0  # publications are in the chained history
