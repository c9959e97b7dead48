"""`layanan audit verify`: recompute every chain of the event log and check it against its sealed head,
the checkpoints and their anchor file, and the rows of cases and tasks against what their histories say.

It names the first event that was altered, inserted or follows a removed one; a chain cut short (its
head sealed for more events than it has, or a checkpoint that saw more); a case with no history; a case
number missing from its office's series (a deleted case); and a case or task row that its history does
not explain. Events written before per-case chains (migration 0011) are checked in their single chain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from engine.cases.core.state import HistoryError, Recorded, replay
from engine.cases.frozen import thaw
from engine.cases.numbering import CASE_SERIES
from engine.standard.kinds import DEFAULT, KINDS, kind_of
from engine.store import chain
from engine.store.audit_tables import AuditHead
from engine.store.db import Store
from engine.store.models import Case, Event, NumberSeries, StandardVersion, Task

from . import checkpoints
from .rows import mismatch


@dataclass
class Verdict:
    ok: bool
    checked: int
    message: str
    event_id: int | None = None
    case_number: str | None = None
    notes: list[str] = field(default_factory=list)


class _Broken(Exception):
    def __init__(self, message: str, event_id: int | None = None, case_number: str | None = None):
        super().__init__(message)
        self.message, self.event_id, self.case_number = message, event_id, case_number


_EVENT_COLUMNS = (Event.id, Event.case_id, Event.seq, Event.task_id, Event.at, Event.actor_id, Event.actor, Event.kind,
                  Event.data, Event.prev_hash, Event.hash)


def verify(store: Store, key: bytes | None = None, anchors: Path | None = None) -> Verdict:
    key = key if key is not None else chain.audit_key()
    anchors = anchors or checkpoints.anchors_path()
    notes = [] if key else ["tanpa kunci audit (LAYANAN_AUDIT_KEY): siapa pun yang dapat menulis ke basis data "
                            "dapat menghitung ulang rantai; hanya titik periksa berjangkar yang menahannya"]
    checked = 0
    try:
        with store.read() as s:
            expected = checkpoints.check_checkpoints(s, key, anchors)
            if expected.problem:
                raise _Broken(expected.problem)
            if expected.count == 0:
                notes.append("belum ada titik periksa (layanan audit checkpoint)"
                             + (f"; berkas jangkar memuat {expected.other_databases} titik periksa basis data lain: "
                                "bila basis data ini seharusnya punya titik periksa, semuanya telah dihapus"
                                if expected.other_databases else ""))
            checked += _legacy(s, key)
            checked += _system_chain(s, key, expected.heads)
            checked += _case_chains(s, key, expected.heads)
    except _Broken as broken:
        return Verdict(False, checked, broken.message, broken.event_id, broken.case_number, notes)
    return Verdict(True, checked, f"rantai utuh: {checked} peristiwa diperiksa", notes=notes)


def _changed(kind: str, ident: int, key) -> str:
    return (f"peristiwa #{ident} ({kind}) tidak cocok dengan hash-nya: isinya diubah, atau ia disisipkan di luar "
            f"layanan" + ("" if key else " (atau kunci audit LAYANAN_AUDIT_KEY berbeda)"))


def _link_check(row, running: str, key) -> str:
    ident, case_id, _seq, task_id, at, actor_id, actor, kind, data, prev_hash, digest = row
    if chain.link(prev_hash or "", chain.payload(case_id, task_id, at, actor_id, actor, kind, data), key) != digest:
        raise _Broken(_changed(kind, ident, key), ident)
    if prev_hash != running:
        raise _Broken(f"rantai putus sebelum peristiwa #{ident} ({kind}): ada peristiwa yang dihapus atau "
                      f"disisipkan di antaranya", ident)
    return digest


def _legacy(s, key) -> int:
    """The single chain of the events written before migration 0011, in id order, against audit_head."""
    running, count = chain.GENESIS, 0
    for row in s.execute(select(*_EVENT_COLUMNS).where(Event.seq.is_(None)).order_by(Event.id)
                         .execution_options(yield_per=5000)):
        running, count = _link_check(row, running, key), count + 1
    head = s.get(AuditHead, 1)
    if count and (head is None or head.hash != running or head.count != count):
        raise _Broken(f"ujung rantai lama tidak cocok: tercatat {head.count if head else 0} peristiwa, ditemukan "
                      f"{count}; peristiwa terakhirnya dihapus atau ditambahkan di luar layanan")
    return count


def _walk(rows, chain_name: str, key) -> tuple[str, int, list]:
    """Check one chain's events (in order); returns its last hash, length and the events."""
    running, seq, events = chain.GENESIS, 0, []
    for row in rows:
        if row[2] != seq + 1:
            raise _Broken(f"rantai {chain_name} putus sebelum peristiwa #{row[0]} ({row[7]}): urutan {row[2]}, "
                          f"seharusnya {seq + 1}; ada peristiwa yang dihapus", row[0])
        running, seq = _link_check(row, running, key), seq + 1
        events.append(row)
    return running, seq, events


def _check_head(name: str, running: str, seq: int, head: tuple | None, expected: tuple | None, key,
                case_number: str | None = None) -> None:
    stored_hash, stored_seq, stored_seal = head or (None, 0, None)
    if seq and (stored_seq != seq or stored_hash != running):
        raise _Broken(f"ujung rantai {name} tidak cocok: tercatat {stored_seq} peristiwa, ditemukan {seq}; "
                      f"peristiwa terakhirnya dihapus atau ditambahkan di luar layanan", None, case_number)
    if stored_seq and stored_seal != chain.seal(name, stored_seq, stored_hash or chain.GENESIS, key):
        raise _Broken(f"segel ujung rantai {name} tidak cocok: ujungnya dipindahkan di luar layanan"
                      + ("" if key else " (atau kunci audit LAYANAN_AUDIT_KEY berbeda)"), None, case_number)
    if stored_seq and not seq:
        raise _Broken(f"rantai {name} kosong padahal ujungnya mencatat {stored_seq} peristiwa", None, case_number)
    if expected is not None:
        at_seq, digest = expected
        if seq < at_seq:
            raise _Broken(f"rantai {name} dipotong: titik periksa mencatat {at_seq} peristiwa, tinggal {seq}",
                          None, case_number)


def _system_chain(s, key, expected: dict) -> int:
    rows = s.execute(select(*_EVENT_COLUMNS).where(Event.case_id.is_(None), Event.seq.is_not(None))
                     .order_by(Event.seq).execution_options(yield_per=5000))
    running, seq, events = _walk(rows, chain.SYSTEM_CHAIN, key)
    head = checkpoints.system_head(s)
    _check_head(chain.SYSTEM_CHAIN, running, seq, (head.hash, head.seq, head.seal) if head else None,
                expected.get(None), key)
    _at_checkpoint(events, expected.get(None), chain.SYSTEM_CHAIN)
    return seq


def _at_checkpoint(events, expected, name: str, case_number: str | None = None) -> None:
    if expected is None:
        return
    at_seq, digest = expected
    if at_seq > len(events) or events[at_seq - 1][-1] != digest:
        raise _Broken(f"rantai {name} tidak sama dengan yang dicatat titik periksa pada urutan {at_seq}: riwayat "
                      f"ditulis ulang", None, case_number)


def _case_chains(s, key, expected: dict) -> int:
    """Every case's chain with its head, its rows against its history, and the case-number series."""
    events = s.execute(select(*_EVENT_COLUMNS).where(Event.case_id.is_not(None)).order_by(Event.case_id, Event.id)
                       .execution_options(yield_per=5000))
    tasks = s.execute(select(Task).order_by(Task.case_id, Task.seq).execution_options(yield_per=5000)).scalars()
    cases = s.execute(select(Case.id, Case.number, Case.office_id, Case.standard_version_id, Case.status,
                             Case.due_at, Case.closed_at, Case.close_reason, Case.clock_started_at,
                             Case.clock_paused_at, Case.tier, Case.audit_hash, Case.audit_seq, Case.audit_seal)
                      .order_by(Case.id).execution_options(yield_per=5000))
    event_rows, task_rows = _Peek(events), _Peek(iter(tasks))
    kinds = _Kinds(s)
    numbers: dict = defaultdict(set)
    checked = 0
    for case in cases:
        orphan = event_rows.peek()
        if orphan is not None and orphan[1] < case.id:
            raise _Broken(f"peristiwa #{orphan[0]} milik kasus {orphan[1]} yang tidak ada lagi: kasusnya dihapus",
                          orphan[0])
        history = event_rows.take(lambda row: row[1] == case.id)
        own_tasks = task_rows.take(lambda task: task.case_id == case.id)
        legacy = [row for row in history if row[2] is None]
        name = chain.chain_name(case.id)
        running, seq, chained = _walk([row for row in history if row[2] is not None], name, key)
        _check_head(name, running, seq, (case.audit_hash, case.audit_seq, case.audit_seal), expected.get(case.id),
                    key, case.number)
        _at_checkpoint(chained, expected.get(case.id), name, case.number)
        if not history:
            raise _Broken(f"kasus {case.number} tidak punya riwayat sama sekali", None, case.number)
        try:
            state = replay(case.id, [Recorded(r[0], r[7], r[4], r[5], r[3], r[8] or {}) for r in legacy + chained],
                           kinds.of(case.standard_version_id))
        except HistoryError as error:
            raise _Broken(f"riwayat kasus {case.number} tidak mungkin terjadi: {error}", error.event.id,
                          case.number) from None
        problem = mismatch(case, own_tasks, state)
        if problem:
            raise _Broken(f"kasus {case.number}: {problem} (diubah di luar layanan)", None, case.number)
        _, year, serial = case.number.rsplit("-", 2)
        numbers[(case.office_id, year)].add(int(serial))
        checked += len(history) - len(legacy)
    leftover = event_rows.peek()
    if leftover is not None:
        raise _Broken(f"peristiwa #{leftover[0]} milik kasus {leftover[1]} yang tidak ada lagi: kasusnya dihapus",
                      leftover[0])
    _series(s, numbers)
    return checked


def _series(s, numbers: dict) -> None:
    """Case numbers are given one after another and cases are never deleted: a gap is a deleted case."""
    for office_id, year, last in s.execute(select(NumberSeries.office_id, NumberSeries.year, NumberSeries.last)
                                           .where(NumberSeries.series == CASE_SERIES)):
        seen = numbers.get((office_id, str(year)), set())
        missing = sorted(set(range(1, last + 1)) - seen)
        if missing:
            raise _Broken(f"kasus nomor urut {missing[0]} tahun {year} {office_id} hilang: ada kasus yang dihapus")


class _Peek:
    """An iterator one can look one item ahead in, and take a run of items from."""

    def __init__(self, iterator):
        self.iterator, self.head, self.done = iter(iterator), None, False
        self._advance()

    def _advance(self):
        try:
            self.head = next(self.iterator)
        except StopIteration:
            self.head, self.done = None, True

    def peek(self):
        return self.head

    def take(self, belongs) -> list:
        taken = []
        while not self.done and belongs(self.head):
            taken.append(self.head)
            self._advance()
        return taken


class _Kinds:
    """Each standard version's step kinds (read once per version)."""

    def __init__(self, s):
        self.s, self.cache = s, {}

    def of(self, version_id: int):
        found = self.cache.get(version_id)
        if found is None:
            version = self.s.get(StandardVersion, version_id)
            if version.kind != "standard":
                found = {}
            else:
                found = {k: kind_of(v) for k, v in thaw(version).procedure.by_id.items()}
            self.cache[version_id] = found
        return lambda step: found.get(step, KINDS[DEFAULT])
