"""The audit chains: an untouched store verifies; an event changed, deleted or inserted with raw SQL, a
chain cut short with its head moved back, a case left with no history or deleted, a case or task row
edited, checkpoints removed or the database put back to an older copy: `layanan audit verify` fails and
says where (exit 1, in a real process). SQLite and PostgreSQL."""

import json
import shutil

import pytest
from sqlalchemy import func, select, text

from engine.audit.checkpoints import make_checkpoint
from engine.audit.verify import verify
from engine.cases.simulate import SAMPLE_APPLICANT, Scenario, act_on_open_tasks
from engine.store import chain
from engine.store.models import Case, Event, Task

from .conftest import run_cli

STANDARD = "kaltim-data-agregat"
OFFICE = "disdukcapil-kaltim"


@pytest.fixture
def anchors(tmp_path, monkeypatch):
    path = tmp_path / "jangkar" / "jangkar-audit.jsonl"
    monkeypatch.setenv("LAYANAN_AUDIT_ANCHORS", str(path))
    return path


@pytest.fixture
def history(service, library, anchors):
    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    cases = [service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs,
                               actor=f"{OFFICE}.petugas_layanan") for _ in range(3)]
    for case_id in cases[:2]:
        act_on_open_tasks(service, case_id, Scenario("approve"))  # the operator's form
    with service.store.read() as s:
        ids = s.scalars(select(Event.id).order_by(Event.id)).all()
    assert len(ids) > 10
    return service, ids, cases


def _cli_verify(service, **env):
    return run_cli("audit", "verify", env={"LAYANAN_DATABASE_URL": service.store.url, **env})


def _raw(service, sql, **params):
    with service.store.engine.begin() as connection:
        connection.execute(text(sql), params)


def _case_events(service, case_id):
    with service.store.read() as s:
        return s.execute(select(Event.id, Event.seq, Event.hash).where(Event.case_id == case_id)
                         .order_by(Event.seq)).all()


def test_an_untouched_store_verifies(history):
    service, ids, _ = history
    verdict = verify(service.store)
    assert verdict.ok and verdict.checked == len(ids), verdict.message
    done = _cli_verify(service)
    assert done.returncode == 0 and f"{len(ids)} peristiwa" in done.stdout


def test_each_case_has_its_own_chain_with_a_sealed_head(history):
    service, _ids, cases = history
    with service.store.read() as s:
        for case_id in cases:
            events = _case_events(service, case_id)
            case = s.get(Case, case_id)
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert case.audit_seq == len(events) and case.audit_hash == events[-1].hash
            assert case.audit_seal == chain.seal(chain.chain_name(case_id), case.audit_seq, case.audit_hash)


def test_a_changed_row_is_named(history):
    service, ids, _ = history
    target = ids[5]
    _raw(service, "UPDATE events SET actor = 'orang-lain' WHERE id = :i", i=target)
    done = _cli_verify(service)
    assert done.returncode == 1 and f"#{target}" in done.stdout and "diubah" in done.stdout


def test_changed_data_is_named(history):
    service, ids, _ = history
    target = ids[7]
    with service.store.read() as s:
        data = dict(s.get(Event, target).data)
    data["forged"] = True
    _raw(service, "UPDATE events SET data = :d WHERE id = :i", d=json.dumps(data), i=target)
    assert verify(service.store).event_id == target


def test_a_deleted_row_is_named(history):
    service, _ids, cases = history
    events = _case_events(service, cases[0])
    _raw(service, "DELETE FROM events WHERE id = :i", i=events[2].id)
    verdict = verify(service.store)
    assert not verdict.ok and verdict.event_id == events[3].id and "dihapus" in verdict.message
    assert _cli_verify(service).returncode == 1


def test_the_last_row_deleted_is_noticed(history):
    service, _ids, cases = history
    events = _case_events(service, cases[0])
    _raw(service, "DELETE FROM events WHERE id = :i", i=events[-1].id)
    verdict = verify(service.store)
    assert not verdict.ok and "ujung rantai" in verdict.message and verdict.case_number


def test_cutting_a_keyed_chain_and_moving_its_head_back_is_noticed(service, library, anchors, monkeypatch):
    """The probe's attack: delete a case's last events and roll its head back to the last one kept. The
    head is sealed with the key, which the attacker does not hold."""
    monkeypatch.setenv("LAYANAN_AUDIT_KEY", "rahasia-inspektorat")
    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    case_id = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs, actor=f"{OFFICE}.petugas_layanan")
    act_on_open_tasks(service, case_id, Scenario("approve"))
    assert verify(service.store).ok
    events = _case_events(service, case_id)
    kept = events[-4]
    _raw(service, "DELETE FROM events WHERE case_id = :c AND seq > :s", c=case_id, s=kept.seq)
    # the attacker also moves the head back, and reseals it as best they can (without the key)
    _raw(service, "UPDATE cases SET audit_hash = :h, audit_seq = :n, audit_seal = :s WHERE id = :c", h=kept.hash,
         n=kept.seq, s=chain.seal(chain.chain_name(case_id), kept.seq, kept.hash), c=case_id)
    verdict = verify(service.store)
    assert not verdict.ok and "segel ujung rantai" in verdict.message


def test_cutting_a_chain_below_its_checkpoint_is_noticed_even_with_the_key(history, anchors):
    """Someone holding the key (or an older copy of the head) could reseal a shortened chain; the
    checkpoint sealed the longer head and is anchored outside the database."""
    service, _ids, cases = history
    made = make_checkpoint(service.store)
    assert made.checkpoint is not None and made.heads == len(cases)
    assert anchors.read_text().count("\n") == 1
    events = _case_events(service, cases[0])
    kept = events[-3]
    _raw(service, "DELETE FROM events WHERE case_id = :c AND seq > :s", c=cases[0], s=kept.seq)
    _raw(service, "UPDATE cases SET audit_hash = :h, audit_seq = :n, audit_seal = :s WHERE id = :c", h=kept.hash,
         n=kept.seq, s=chain.seal(chain.chain_name(cases[0]), kept.seq, kept.hash), c=cases[0])
    verdict = verify(service.store)
    assert not verdict.ok and "titik periksa mencatat" in verdict.message


def test_an_empty_chain_of_an_existing_case_fails(history):
    service, _ids, cases = history
    _raw(service, "DELETE FROM events WHERE case_id = :c", c=cases[2])
    _raw(service, "UPDATE cases SET audit_hash = NULL, audit_seq = 0, audit_seal = NULL WHERE id = :c", c=cases[2])
    verdict = verify(service.store)
    assert not verdict.ok and "tidak punya riwayat" in verdict.message


def test_a_deleted_case_is_noticed_by_its_missing_number(history):
    service, _ids, cases = history
    for table in ("events", "tasks", "case_requirements", "flow_links", "case_tokens", "documents", "products"):
        _raw(service, f"DELETE FROM {table} WHERE case_id = :c", c=cases[1])
    _raw(service, "DELETE FROM cases WHERE id = :c", c=cases[1])
    verdict = verify(service.store)
    assert not verdict.ok and "nomor urut 2" in verdict.message and "dihapus" in verdict.message


@pytest.mark.parametrize("edit, expected", [
    ("UPDATE cases SET status = 'done' WHERE id = :c", "kolom status kasus"),
    ("UPDATE cases SET due_at = '2030-01-01 00:00:00.000000' WHERE id = :c", "kolom batas waktu kasus"),
    ("UPDATE tasks SET outcome = 'setuju' WHERE case_id = :c AND seq = 2", "kolom hasil tugas"),
    ("UPDATE tasks SET completed_by = NULL WHERE case_id = :c AND seq = 2", "kolom diselesaikan oleh tugas"),
    ("UPDATE tasks SET status = 'done' WHERE case_id = :c AND status = 'open'", "kolom status tugas"),
    ("UPDATE tasks SET data = '{\"jenis_data\": \"palsu\"}' WHERE case_id = :c AND seq = 2", "isian tugas"),
])
def test_case_and_task_rows_that_their_history_does_not_explain_are_named(history, edit, expected):
    service, _ids, cases = history
    _raw(service, edit, c=cases[0])
    verdict = verify(service.store)
    assert not verdict.ok and expected in verdict.message, verdict.message
    assert verdict.case_number is not None


def test_an_inserted_row_is_named(history):
    service, _ids, cases = history
    events = _case_events(service, cases[2])
    # A forger who copies a real row's hashes still cannot make the content match.
    _raw(service, "INSERT INTO events (case_id, seq, task_id, at, actor_id, actor, kind, data, prev_hash, hash) "
                  "VALUES (:c, :s, NULL, '2026-11-26 10:00:00.000000', NULL, 'sistem', 'case_closed', '{}', :p, :h)",
         c=cases[2], s=len(events) + 1, p=events[-1].hash, h=events[-1].hash)
    verdict = verify(service.store)
    with service.store.read() as s:
        inserted = s.scalar(select(func.max(Event.id)))
    assert not verdict.ok and verdict.event_id == inserted


def test_a_keyed_chain_verifies_only_with_its_key(service, library, anchors, monkeypatch):
    monkeypatch.setenv("LAYANAN_AUDIT_KEY", "rahasia-inspektorat")
    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs)
    assert verify(service.store).ok and verify(service.store).notes == ["belum ada titik periksa (layanan audit "
                                                                         "checkpoint)"]
    assert _cli_verify(service, LAYANAN_AUDIT_KEY="rahasia-inspektorat").returncode == 0
    monkeypatch.delenv("LAYANAN_AUDIT_KEY")
    verdict = verify(service.store)
    assert not verdict.ok and "LAYANAN_AUDIT_KEY" in verdict.message


def test_checkpoints_and_their_anchor_file(history, anchors, tmp_path):
    service, _ids, cases = history
    first = make_checkpoint(service.store)
    assert make_checkpoint(service.store).checkpoint is None  # nothing new: no checkpoint
    act_on_open_tasks(service, cases[2], Scenario("approve"))
    second = make_checkpoint(service.store)
    assert second.checkpoint.id == 2 and second.heads == 1
    assert verify(service.store).ok
    lines = anchors.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["digest"] == second.checkpoint.digest
    # the anchor file cut short
    anchors.write_text(lines[0] + "\n")
    assert "tidak ada di berkas jangkar" in verify(service.store).message
    anchors.write_text("\n".join(lines) + "\n")
    # a checkpoint removed from the database
    _raw(service, "DELETE FROM audit_checkpoints WHERE id = 2")
    assert "tercatat di berkas jangkar tetapi tidak ada" in verify(service.store).message
    assert first.checkpoint.id == 1


def test_an_anchor_file_shared_with_another_database_applies_only_to_its_own_lines(history, anchors, library,
                                                                                   tmp_path):
    """One anchor file may outlive a database (a fresh demo office) or serve several: lines name their
    database (its first checkpoint's digest), and another database's lines neither fail nor pass this one."""
    service, _ids, _cases = history
    make_checkpoint(service.store)
    from engine.cases.service import CaseService
    from engine.cases.simulate import users_for
    from engine.store.db import Store

    fresh = CaseService(Store(f"sqlite:///{tmp_path / 'baru.db'}"), library)
    fresh.directory.sync_offices()
    users_for(fresh)
    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    fresh.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs, actor=f"{OFFICE}.petugas_layanan")
    verdict = verify(fresh.store)
    assert verdict.ok and any("basis data lain" in note for note in verdict.notes)
    assert make_checkpoint(fresh.store).checkpoint.id == 1
    assert verify(fresh.store).ok and verify(service.store).ok
    owners = {json.loads(line)["database"] for line in anchors.read_text().splitlines()}
    assert len(owners) == 2
    # This database's checkpoints all removed: the anchor file still names them.
    _raw(fresh, "DELETE FROM audit_checkpoints")
    assert not verify(fresh.store).ok
    fresh.store.dispose()


def test_a_database_put_back_to_an_older_copy_is_noticed(history, anchors, tmp_path):
    if not history[0].store.url.startswith("sqlite"):
        pytest.skip("copies the SQLite file")
    service, _ids, cases = history
    database = service.store.url.removeprefix("sqlite:///")
    make_checkpoint(service.store)
    service.store.dispose()
    shutil.copy(database, tmp_path / "salinan.db")
    from engine.store.db import Store

    store = Store(service.store.url)
    reqs = [r["id"] for r in service.library.standard(STANDARD).requirements(None, None, {})]
    from engine.cases.service import CaseService

    later = CaseService(store, service.library)
    later.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs, actor=f"{OFFICE}.petugas_layanan")
    make_checkpoint(store)
    assert verify(store).ok
    store.dispose()
    shutil.copy(tmp_path / "salinan.db", database)  # everything since the copy is gone, checkpoint included
    old = Store(service.store.url)
    verdict = verify(old)
    assert not verdict.ok and "salinan lama" in verdict.message
    old.dispose()


def test_group_commit_and_other_writers_keep_every_chain_whole(history, library):
    """Events through an ORM session (the SLA monitor, publishing, sign-in) and a transaction that rolls
    back leave every chain whole."""
    import asyncio
    from datetime import datetime, timezone

    from engine.store.audit_writer import append_events

    service, _ids, cases = history
    at = datetime.now(timezone.utc)
    with service.store.write() as s:
        append_events(s, [{"case_id": None, "task_id": None, "at": at, "actor_id": None, "actor": "sistem",
                           "kind": "signin_locked", "data": {"n": 1}},
                          {"case_id": cases[0], "task_id": None, "at": at, "actor_id": None, "actor": "sistem",
                           "kind": "sla_at_risk", "data": {}}])
    with pytest.raises(RuntimeError):
        with service.store.write() as s:
            append_events(s, [{"case_id": cases[1], "task_id": None, "at": at, "actor_id": None,
                               "actor": "sistem", "kind": "sla_at_risk", "data": {}}])
            raise RuntimeError("batal")

    async def officers():
        with service.store.read() as s:
            open_tasks = s.scalars(select(Task).where(Task.case_id.in_(cases), Task.status == "open")).all()
        return await asyncio.gather(*(service.complete_async(t.id, f"{OFFICE}.{t.role}", outcome="setuju")
                                      for t in open_tasks if t.role == "subkoor_piak"), return_exceptions=True)

    asyncio.run(officers())
    verdict = verify(service.store)
    with service.store.read() as s:
        count = s.scalar(select(func.count()).select_from(Event))
    assert verdict.ok and verdict.checked == count, verdict.message


def test_export_a_case_trail_as_csv_and_jsonl(history, tmp_path):
    service, ids, cases = history
    with service.store.read() as s:
        number = s.get(Case, cases[0]).number
    env = {"LAYANAN_DATABASE_URL": service.store.url}
    out = tmp_path / "trail.csv"
    done = run_cli("audit", "export", "--case", number, "--format", "csv", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "id,at,case,step,actor,kind,data,prev_hash,hash"
    assert len(lines) > 3 and all(number in line for line in lines[1:])
    jsonl = run_cli("audit", "export", "--case", number, env=env)
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert rows[0]["prev_hash"] == chain.GENESIS
    assert all(r["prev_hash"] == p["hash"] for p, r in zip(rows, rows[1:]))  # one case: one chain
    everything = run_cli("audit", "export", "--from", "2000-01-01", "--to", "2100-01-01", env=env)
    assert [json.loads(line)["id"] for line in everything.stdout.splitlines()] == ids
    missing = run_cli("audit", "export", "--case", "TIDAK-ADA", env=env)
    assert missing.returncode != 0 and "tidak ditemukan" in missing.stderr


def test_upgrading_an_older_store_chains_its_existing_events(tmp_path):
    """A store from before the chain (revision 0003) gets its events chained by `layanan db upgrade`, and
    that single chain still verifies after per-case chains came (revision 0011)."""
    from alembic import command

    from engine.store.db import Store, alembic_config, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0003")
    engine = make_engine(url)
    with engine.begin() as connection:
        for n in range(3):
            connection.execute(text("INSERT INTO events (case_id, task_id, at, actor_id, actor, kind, data) "
                                    "VALUES (NULL, NULL, :at, NULL, 'sistem', 'uji', :d)"),
                               {"at": f"2026-11-2{n} 08:00:00.000000", "d": json.dumps({"n": n})})
    engine.dispose()
    done = run_cli("db", "upgrade", env={"LAYANAN_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    store = Store(url)
    verdict = verify(store, anchors=tmp_path / "tidak-ada.jsonl")
    assert verdict.ok and verdict.checked == 3
    store.dispose()


def test_cases_from_before_per_case_chains_keep_verifying_and_go_on(service, library, anchors):
    """A store as revision 0010 left it: every event in one chain by id, its head in audit_head. After the
    upgrade the old events verify in that chain, the cases' rows against their whole history, and new
    events of the old cases start the cases' own chains."""
    from alembic import command

    from engine.store.db import Store, alembic_config

    reqs = [r["id"] for r in library.standard(STANDARD).requirements(None, None, {})]
    old_case = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=reqs,
                                 actor=f"{OFFICE}.petugas_layanan")
    url = service.store.url
    service.store.dispose()
    command.downgrade(alembic_config(url), "0010")
    from engine.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:  # rechain as one chain, as revisions 0004-0010 wrote it
        head, count = chain.GENESIS, 0
        for row in connection.execute(text("SELECT id, case_id, task_id, at, actor_id, actor, kind, data FROM "
                                           "events ORDER BY id")).all():
            from datetime import datetime, timezone

            at = datetime.fromisoformat(str(row.at)).replace(tzinfo=timezone.utc)
            data = json.loads(row.data) if isinstance(row.data, str) else row.data
            digest = chain.link(head, chain.payload(row.case_id, row.task_id, at, row.actor_id, row.actor, row.kind,
                                                    data))
            connection.execute(text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :i"),
                               {"p": head, "h": digest, "i": row.id})
            head, count = digest, count + 1
        connection.execute(text("DELETE FROM audit_head"))
        connection.execute(text("INSERT INTO audit_head (id, hash, count) VALUES (1, :h, :c)"), {"h": head, "c": count})
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    store = Store(url)
    from engine.cases.service import CaseService

    upgraded = CaseService(store, library)
    assert verify(store).ok
    act_on_open_tasks(upgraded, old_case, Scenario("approve"))
    verdict = verify(store)
    assert verdict.ok, verdict.message
    with store.read() as s:
        assert s.get(Case, old_case).audit_seq >= 1
    store.dispose()


def test_the_canonical_payload_is_the_documented_json():
    """The chain's payload is json.dumps of the event's fields with these options, whatever the speed-ups
    (a kept encoder, a kept moment) do: existing chains must keep verifying."""
    from datetime import datetime, timedelta, timezone

    wita = timezone(timedelta(hours=8))
    moments = [datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=wita), datetime(2026, 3, 2, 1, 30, 15, 123456),
               datetime(2026, 12, 31, 23, 59, 59, tzinfo=timezone.utc)]
    for at in moments + moments[:1]:
        for data in ({}, None, {"z": 1, "a": ["ü", None, 2.5], "n": {"b": True, "a": "x\"y"}},
                     {"tanggal": datetime(2026, 1, 2).date()}):
            aware = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
            expected = json.dumps([7, None, aware.astimezone(timezone.utc).isoformat(timespec="microseconds"), 3,
                                   "pemohon", "uji", data or {}], sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False, default=str).encode()
            assert chain.payload(7, None, at, 3, "pemohon", "uji", data) == expected
