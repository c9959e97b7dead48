"""The audit chain: an untouched store verifies; a row changed, deleted or inserted with raw SQL makes
`layanan audit verify` fail at that event (exit 1), in a real process."""

import json

import pytest
from sqlalchemy import select, text

from engine.audit.verify import verify
from engine.cases.simulate import SAMPLE_APPLICANT
from engine.store.models import Event

from .conftest import run_cli


@pytest.fixture
def history(service, library):
    standard = library.standard("kaltim-data-agregat")
    reqs = [r["id"] for r in standard.requirements(None, None, {})]
    for _ in range(3):
        service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs,
                          actor="disdukcapil-kaltim.petugas_layanan")
    with service.store.read() as s:
        ids = s.scalars(select(Event.id).order_by(Event.id)).all()
    assert len(ids) > 10
    return service, ids


def _cli_verify(service, **env):
    return run_cli("audit", "verify", env={"LAYANAN_DATABASE_URL": service.store.url, **env})


def _raw(service, sql, **params):
    with service.store.engine.begin() as connection:
        connection.execute(text(sql), params)


def test_an_untouched_store_verifies(history):
    service, ids = history
    verdict = verify(service.store)
    assert verdict.ok and verdict.checked == len(ids)
    done = _cli_verify(service)
    assert done.returncode == 0 and f"{len(ids)} peristiwa" in done.stdout


def test_the_chain_follows_heads_moved_elsewhere_or_rolled_back(history, library):
    """The engine chains after the head it last wrote and moves it only from there; when another writer
    moved it (here an event through the ORM, as another process would) or the transaction that moved it
    rolled back, it reads the head again: the chain stays whole."""
    from datetime import datetime, timezone

    from engine.store.models import insert_chained

    service, ids = history
    at = datetime.now(timezone.utc)
    with service.store.write() as s:  # another writer moves the head
        s.add(Event(case_id=None, task_id=None, at=at, actor="sistem", kind="uji", data={"n": 1}))
    reqs = [r["id"] for r in library.standard("kaltim-data-agregat").requirements(None, None, {})]
    service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs,
                      actor="disdukcapil-kaltim.petugas_layanan")
    with pytest.raises(RuntimeError):  # a transaction moves the head, then rolls back
        with service.store.transaction() as conn:
            insert_chained(conn, [{"case_id": None, "task_id": None, "at": at, "actor_id": None,
                                   "actor": "sistem", "kind": "uji", "data": {"n": 2}}])
            raise RuntimeError("batal")
    service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs,
                      actor="disdukcapil-kaltim.petugas_layanan")
    verdict = verify(service.store)
    with service.store.read() as s:
        count = len(s.scalars(select(Event.id)).all())
    assert verdict.ok and verdict.checked == count > len(ids) + 1


def test_a_changed_row_is_named(history):
    service, ids = history
    target = ids[5]
    _raw(service, "UPDATE events SET actor = 'orang-lain' WHERE id = :i", i=target)
    done = _cli_verify(service)
    assert done.returncode == 1 and f"#{target}" in done.stdout and "diubah" in done.stdout


def test_changed_data_is_named(history):
    service, ids = history
    target = ids[7]
    with service.store.read() as s:
        data = dict(s.get(Event, target).data)
    data["forged"] = True
    _raw(service, "UPDATE events SET data = :d WHERE id = :i", d=json.dumps(data), i=target)
    assert verify(service.store).event_id == target


def test_a_deleted_row_is_named(history):
    service, ids = history
    _raw(service, "DELETE FROM events WHERE id = :i", i=ids[4])
    verdict = verify(service.store)
    assert not verdict.ok and verdict.event_id == ids[5] and f"#{ids[4]}" in verdict.message
    assert _cli_verify(service).returncode == 1


def test_the_last_row_deleted_is_noticed(history):
    service, ids = history
    _raw(service, "DELETE FROM events WHERE id = :i", i=ids[-1])
    verdict = verify(service.store)
    assert not verdict.ok and "ujung rantai" in verdict.message


def test_an_inserted_row_is_named(history):
    service, ids = history
    with service.store.read() as s:
        model = s.get(Event, ids[3])
        prev = model.hash
    # A forger who copies a real row's hashes still cannot make the content match.
    _raw(service, "INSERT INTO events (id, case_id, task_id, at, actor_id, actor, kind, data, prev_hash, hash) "
                  "VALUES (:i, NULL, NULL, '2026-11-26 10:00:00.000000', NULL, 'sistem', 'case_closed', '{}', :p, :h)",
         i=ids[-1] + 1, p=prev, h=prev)
    verdict = verify(service.store)
    assert not verdict.ok and verdict.event_id == ids[-1] + 1


def test_a_keyed_chain_verifies_only_with_its_key(service, library, monkeypatch):
    monkeypatch.setenv("LAYANAN_AUDIT_KEY", "rahasia-inspektorat")
    reqs = [r["id"] for r in library.standard("kaltim-data-agregat").requirements(None, None, {})]
    service.open_case("kaltim-data-agregat", dict(SAMPLE_APPLICANT), requirements=reqs)
    assert verify(service.store).ok
    assert _cli_verify(service, LAYANAN_AUDIT_KEY="rahasia-inspektorat").returncode == 0
    monkeypatch.delenv("LAYANAN_AUDIT_KEY")
    verdict = verify(service.store)
    assert not verdict.ok and "LAYANAN_AUDIT_KEY" in verdict.message


def test_export_a_case_trail_as_csv_and_jsonl(history, tmp_path):
    service, ids = history
    with service.store.read() as s:
        from engine.store.models import Case

        number = s.scalars(select(Case.number).order_by(Case.id)).first()
    env = {"LAYANAN_DATABASE_URL": service.store.url}
    out = tmp_path / "trail.csv"
    done = run_cli("audit", "export", "--case", number, "--format", "csv", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "id,at,case,step,actor,kind,data,prev_hash,hash"
    assert len(lines) > 3 and all(number in line for line in lines[1:])
    jsonl = run_cli("audit", "export", "--from", "2000-01-01", "--to", "2100-01-01", env=env)
    rows = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [r["id"] for r in rows] == ids
    assert all(r["prev_hash"] == p["hash"] for p, r in zip(rows, rows[1:]))
    missing = run_cli("audit", "export", "--case", "TIDAK-ADA", env=env)
    assert missing.returncode != 0 and "tidak ditemukan" in missing.stderr


def test_upgrading_an_older_store_chains_its_existing_events(tmp_path):
    """A store from before the chain (revision 0003) gets its events chained by `layanan db upgrade`."""
    from alembic import command

    from engine.store.db import alembic_config, make_engine

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
    from engine.store.db import Store

    store = Store(url)
    verdict = verify(store)
    assert verdict.ok and verdict.checked == 3
    store.dispose()


def test_the_canonical_payload_is_the_documented_json():
    """The chain's payload is json.dumps of the event's fields with these options, whatever the speed-ups
    (a kept encoder, a kept moment) do: existing chains must keep verifying."""
    from datetime import datetime, timedelta, timezone

    from engine.store import chain

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
