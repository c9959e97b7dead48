"""The one writer of the event log: every event of layanan is chained here after its chain's head and
inserted (engine/store/chain.py says what the chains are). The case engine's transactions (engine/cases/txn.py)
and the ORM sessions of the SLA monitor, publishing and sign-in (``append_events``) both come here.

A case's head lives in its row. A transaction of the case engine holds the rows of the cases it changes,
locked; it passes their heads in and writes the moved heads with the rest of the row. Any other case's head
is read locked and moved here in one UPDATE guarded by the length it had (a writer that raced past it is a
Conflict, not a fork). The system chain's head is a row of ``audit_heads``.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select

from engine.errors import Conflict

from . import chain
from .audit_tables import ChainHead
from .models import Case, Event
from .prepared import Prepared

CASES, EVENTS, HEADS = Case.__table__, Event.__table__, ChainHead.__table__
_COLUMNS = ("case_id", "seq", "task_id", "at", "actor_id", "actor", "kind", "data", "prev_hash", "hash")
_INSERT = Prepared(EVENTS.insert().values({name: bindparam(name) for name in _COLUMNS}))
_READ_CASE_HEAD = Prepared(select(CASES.c.audit_hash, CASES.c.audit_seq).where(CASES.c.id == bindparam("id"))
                           .with_for_update())
_MOVE_CASE_HEAD = Prepared(CASES.update().where(CASES.c.id == bindparam("id"), CASES.c.audit_seq == bindparam("was"))
                           .values(audit_hash=bindparam("h"), audit_seq=bindparam("n"), audit_seal=bindparam("s")))
_READ_SYSTEM_HEAD = Prepared(select(HEADS.c.hash, HEADS.c.seq).where(HEADS.c.chain == chain.SYSTEM_CHAIN)
                             .with_for_update())
_NEW_SYSTEM_HEAD = Prepared(HEADS.insert().values(chain=chain.SYSTEM_CHAIN, hash=bindparam("h"), seq=bindparam("n"),
                                                  seal=bindparam("s")))
_MOVE_SYSTEM_HEAD = Prepared(HEADS.update().where(HEADS.c.chain == chain.SYSTEM_CHAIN, HEADS.c.seq == bindparam("was"))
                             .values(hash=bindparam("h"), seq=bindparam("n"), seal=bindparam("s")))


def chain_rows(rows: list[dict], heads: dict) -> dict:
    """Give each row its place, previous hash and hash in its chain, after ``heads`` ({case id or None:
    (last hash or None, length)}); returns the moved heads {case id or None: (hash, length, seal)}."""
    key = chain.audit_key()
    moved: dict = {}
    for row in rows:
        case_id = row["case_id"]
        last, seq = moved[case_id][:2] if case_id in moved else heads[case_id]
        last, seq = last or chain.GENESIS, seq + 1
        row["seq"], row["prev_hash"] = seq, last
        row["hash"] = digest = chain.link(last, chain.payload(case_id, row["task_id"], row["at"], row["actor_id"],
                                                              row["actor"], row["kind"], row["data"]), key)
        moved[case_id] = (digest, seq)
    return {case_id: (digest, seq, chain.seal(chain.chain_name(case_id), seq, digest, key))
            for case_id, (digest, seq) in moved.items()}


def append(conn, rows: list[dict], held: dict | None = None) -> dict:
    """Chain ``rows`` (event columns without seq and hashes) and insert them, in their order. ``held``:
    heads of cases whose rows the caller holds locked and will write itself ({case id: (hash, length)});
    their moved heads are returned for it. Every other head is read locked and moved here."""
    if not rows:
        return {}
    held = held or {}
    heads = dict(held)
    for case_id in {row["case_id"] for row in rows} - set(held):
        if case_id is None:
            found = _READ_SYSTEM_HEAD.first(conn)
            if found is None:
                _NEW_SYSTEM_HEAD.run(conn, h=chain.GENESIS, n=0, s=chain.seal(chain.SYSTEM_CHAIN, 0, chain.GENESIS,
                                                                              chain.audit_key()))
                found = (chain.GENESIS, 0)
        else:
            found = _READ_CASE_HEAD.first(conn, id=case_id)
            if found is None:
                raise Conflict(f"kasus {case_id} tidak ada: peristiwanya tidak dapat dicatat")
        heads[case_id] = tuple(found)
    moved = chain_rows(rows, heads)
    for case_id, (digest, seq, seal) in moved.items():
        if case_id in held:
            continue
        was = heads[case_id][1]
        statement = _MOVE_SYSTEM_HEAD if case_id is None else _MOVE_CASE_HEAD
        if statement.run(conn, id=case_id, was=was, h=digest, n=seq, s=seal) != 1:
            raise Conflict("riwayat diubah bersamaan oleh proses lain; ulangi")
    _INSERT.run_many(conn, rows)
    return {case_id: head for case_id, head in moved.items() if case_id in held}


def append_events(session, rows: list[dict]) -> None:
    """Append events from an ORM session: what the session changed is written first, then the events."""
    if rows:
        session.flush()
        append(session.connection(), rows)
