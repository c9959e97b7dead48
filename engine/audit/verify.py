"""Recompute the event chain and name the first event that was altered, inserted or removed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from engine.store import chain
from engine.store.db import Store
from engine.store.models import AuditHead, Case, Event


@dataclass
class Verdict:
    ok: bool
    checked: int
    message: str
    event_id: int | None = None
    case_number: str | None = None


def verify(store: Store, key: bytes | None = None) -> Verdict:
    key = key if key is not None else chain.audit_key()
    running, checked, previous_id = chain.GENESIS, 0, None
    columns = (Event.id, Event.case_id, Event.task_id, Event.at, Event.actor_id, Event.actor, Event.kind,
               Event.data, Event.prev_hash, Event.hash)
    with store.read() as s:
        rows = s.execute(select(*columns).order_by(Event.id).execution_options(yield_per=5000))
        for ident, case_id, task_id, at, actor_id, actor, kind, data, prev_hash, digest in rows:
            expected = chain.link(prev_hash or "", chain.payload(case_id, task_id, at, actor_id, actor, kind, data), key)
            if expected != digest:
                return _bad(s, ident, case_id, checked,
                            f"peristiwa #{ident} ({kind}) tidak cocok dengan hash-nya: isinya diubah, atau ia "
                            f"disisipkan di luar layanan" + ("" if key else
                                                            " (atau kunci audit LAYANAN_AUDIT_KEY berbeda)"))
            if prev_hash != running:
                gap = f" (nomor #{previous_id + 1}-#{ident - 1} hilang)" if previous_id and ident > previous_id + 1 \
                    else ""
                return _bad(s, ident, case_id, checked,
                            f"rantai putus sebelum peristiwa #{ident} ({kind}): ada peristiwa yang dihapus atau "
                            f"disisipkan di antaranya{gap}")
            running, checked, previous_id = digest, checked + 1, ident
        head = s.get(AuditHead, 1)
    if head is None and checked == 0:
        return Verdict(True, 0, "rantai kosong: belum ada peristiwa")
    if head is None or head.hash != running or head.count != checked:
        recorded = head.count if head else 0
        return Verdict(False, checked,
                       f"ujung rantai tidak cocok: tercatat {recorded} peristiwa, ditemukan {checked}; peristiwa "
                       f"terakhir dihapus atau ditambahkan di luar layanan", previous_id)
    return Verdict(True, checked, f"rantai utuh: {checked} peristiwa diperiksa")


def _bad(s, ident, case_id, checked, message) -> Verdict:
    case = s.get(Case, case_id) if case_id else None
    return Verdict(False, checked, message, ident, case.number if case else None)
