"""Finding cases: by the applicant's NIK or name, the case number, the receipt code or a product number
(the tokens of engine/store/tokens.py, indexed per office), narrowed by standard, open step, status, SLA
state and the date received, newest first, a page at a time with the total. The officers' case list,
the auditors' and heads' drill-down and ``layanan case find`` all read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Integer, and_, any_, bindparam, exists, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from engine.standard import wording
from engine.store.db import Store
from engine.store.models import Case, CaseToken, Task
from engine.store.tokens import TOKEN_END, query_terms

from . import privacy
from .frozen import stored_version, thaw
from .txn import Txn

TOKENS = CaseToken.__table__
PAGE_SIZE = 25
MAX_PAGE_SIZE = 500
MAX_OFFSET = 100_000
ID_LIST_CAP = 20_000  # matching ids read into the query as a list up to this many, else a subquery
SLA_FILTERS = {"late": "Terlambat", "at_risk": "Hampir lewat", "due_today": "Jatuh tempo hari ini",
               "paused": "Jam berhenti", "on_time": "Sesuai jadwal", "closed_late": "Selesai terlambat",
               "not_started": "Jam belum berjalan"}
STATUS_FILTERS = {"open": "Berjalan (semua yang belum selesai)", **wording.CASE_STATUS_LABELS}


def index(txn: Txn, case_id: int, office_id: str, tokens: list[str]) -> None:
    """Record what a case is found by (in the transaction that writes the case or its product)."""
    txn.insert_many(TOKENS, [{"case_id": case_id, "office_id": office_id, "token": t} for t in tokens])


@dataclass(frozen=True)
class Search:
    """What an officer asks for; every part optional. Bad values are dropped, never an error."""
    text: str = ""
    standard: str | None = None
    step: str | None = None
    status: str | None = None
    sla: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    variant: str | None = None
    channel: str | None = None
    closed_from: date | None = None
    closed_to: date | None = None
    page: int = 1
    size: int = PAGE_SIZE

    @classmethod
    def of(cls, values: dict) -> "Search":
        """From form or command-line values (strings), keeping only what makes sense."""
        def day(key):
            try:
                return date.fromisoformat(str(values.get(key) or "")[:10])
            except ValueError:
                return None

        def number(key, default, top):
            try:
                return max(1, min(int(str(values.get(key) or default)[:7]), top))
            except ValueError:
                return default

        status = values.get("status") or None
        sla = values.get("sla") or None
        return cls(text=str(values.get("q") or "")[:10_000],
                   standard=(str(values.get("standard") or "")[:120] or None),
                   step=(str(values.get("step") or "")[:80] or None),
                   status=status if status in STATUS_FILTERS else None,
                   sla=sla if sla in SLA_FILTERS else None,
                   received_from=day("from"), received_to=day("to"),
                   variant=(str(values.get("variant") or "")[:80] or None),
                   channel=(str(values.get("channel") or "")[:80] or None),
                   closed_from=day("closed_from"), closed_to=day("closed_to"),
                   page=number("page", 1, MAX_OFFSET), size=number("size", PAGE_SIZE, MAX_PAGE_SIZE))

    def saved(self) -> dict:
        """As stored for the officer and put back in a link (the page number left out)."""
        values = {"q": self.text[:300], "standard": self.standard, "step": self.step, "status": self.status,
                  "sla": self.sla, "from": self.received_from.isoformat() if self.received_from else None,
                  "to": self.received_to.isoformat() if self.received_to else None,
                  "variant": self.variant, "channel": self.channel,
                  "closed_from": self.closed_from.isoformat() if self.closed_from else None,
                  "closed_to": self.closed_to.isoformat() if self.closed_to else None}
        return {k: v for k, v in values.items() if v}


def _matching_ids(conn, offices: list[str], terms: list[str]) -> tuple[set[int] | None, list]:
    """The ids of the cases every term names, read from the tokens index (a few thousand at most for a
    name word); a term that names more than ID_LIST_CAP cases stays a subquery instead."""
    ids, subqueries = None, []
    for term in terms:
        matching = (select(CaseToken.case_id).where(CaseToken.office_id.in_(offices), CaseToken.token >= term,
                                                    CaseToken.token < term + TOKEN_END))
        # Counted in the database first: a word on every other case (a common name on 100,000) would
        # otherwise bring 20,000 ids into Python for nothing (bench/load.py: 40 % of a web process's CPU).
        many = conn.execute(select(func.count()).select_from(matching.limit(ID_LIST_CAP + 1).subquery())) \
            .scalar_one()
        if many > ID_LIST_CAP:
            subqueries.append(Case.id.in_(matching))
            continue
        found = conn.execute(matching).scalars().all()
        ids = set(found) if ids is None else ids & set(found)
        if not ids:
            return set(), []
    return ids, subqueries


def _conditions(conn, search: Search, offices: list[str], at: datetime, tz) -> list | None:
    """The WHERE of a search, or None when it can match nothing (a text that is no search, or no case
    has its words). With words, the cases are read by id from the office's own tokens (both databases
    then look up the few cases by key instead of scanning the office's)."""
    where = []
    if search.text.strip():
        terms = query_terms(search.text)
        if not terms:
            return None
        ids, subqueries = _matching_ids(conn, offices, terms)
        if ids is not None and not ids:
            return None
        if ids is not None:
            where.append(_id_in(conn, sorted(ids)))
        where += subqueries
    else:
        where.append(Case.office_id.in_(offices))
    if search.standard:
        where.append(Case.standard_id == search.standard)
    if search.step:
        where.append(exists().where(Task.case_id == Case.id, Task.step_id == search.step,
                                    Task.status.in_(("open", "claimed"))))
    if search.status == "open":
        where.append(Case.closed_at.is_(None))
    elif search.status:
        where.append(Case.status == search.status)
    if search.sla:
        where.append(sla_condition(search.sla, at, tz))
    for column, value in ((Case.variant, search.variant), (Case.channel, search.channel)):
        if value:
            where.append(column == value)
    for column, start, end in ((Case.received_at, search.received_from, search.received_to),
                               (Case.closed_at, search.closed_from, search.closed_to)):
        if start:
            where.append(column >= _start_of(start, tz))
        if end:
            where.append(column < _start_of(end + timedelta(days=1), tz))
    return where


def sla_condition(name: str, at: datetime, tz=timezone.utc):
    """Cases in this state of their time limit at ``at`` (one of SLA_FILTERS); the report counts with the
    same conditions, so that a figure and the list it opens agree."""
    still_open = Case.closed_at.is_(None)
    running = and_(still_open, Case.clock_paused_at.is_(None))
    if name == "late":
        return and_(running, Case.due_at < at)
    if name == "at_risk":
        return and_(running, Case.due_at >= at, Case.sla_mark == "at_risk")
    if name == "paused":
        return and_(still_open, Case.clock_paused_at.is_not(None))
    if name == "not_started":
        return and_(still_open, Case.due_at.is_(None))
    if name == "on_time":
        return and_(Case.due_at.is_not(None), func.coalesce(Case.closed_at, at) <= Case.due_at)
    if name == "closed_late":
        return and_(Case.closed_at.is_not(None), Case.closed_at > Case.due_at)
    if name == "due_today":
        today = at.astimezone(tz).date()
        return and_(still_open, Case.due_at >= _start_of(today, tz),
                    Case.due_at < _start_of(today + timedelta(days=1), tz))
    raise ValueError(name)


def _id_in(conn, ids: list[int]):
    """``cases.id`` among these: an array parameter on PostgreSQL (a list of thousands of parameters
    cost it 30-100 ms to bind and plan, ANY of one array 5-10 ms: docs/performance.md), a list on SQLite."""
    if conn.dialect.name == "postgresql":
        return Case.id == any_(bindparam("case_ids", ids, type_=ARRAY(Integer)))
    return Case.id.in_(ids)


def _start_of(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


COLUMNS = (Case.id, Case.number, Case.standard_id, Case.status, Case.applicant, Case.received_at, Case.due_at,
           Case.closed_at, Case.clock_paused_at, Case.sla_mark, Case.standard_version_id, Case.receipt_code,
           Case.answers)


def find(store: Store, search: Search, *, offices: list[str], at: datetime, tz=timezone.utc,
         viewer_roles=None) -> dict:
    """{"total": n, "page", "pages", "rows": [...]} of these offices' cases matching ``search``; a confidential
    applicant shows only to ``viewer_roles`` the standard allows (engine/cases/privacy.py)."""
    offset = min((search.page - 1) * search.size, MAX_OFFSET)
    with store.engine.connect() as conn:
        where = _conditions(conn, search, list(offices), at, tz)
        if where is None:
            return {"total": 0, "page": 1, "pages": 0, "rows": [],
                    "unsearchable": bool(search.text.strip()) and query_terms(search.text) is None}
        total = conn.execute(select(func.count()).select_from(Case).where(*where)).scalar_one()
        rows = _page(conn, store, where, at, offset=offset, limit=search.size, roles=viewer_roles)
    return {"total": total, "page": search.page, "pages": -(-total // search.size), "rows": rows}


def _page(conn, store, where: list, at: datetime, *, offset: int = 0, limit: int, after=None,
          roles=None) -> list[dict]:
    """One page of rows, newest first: by offset, or after the (received_at, id) of the last row seen."""
    query = select(*COLUMNS).where(*where)
    if after is not None:
        query = query.where(or_(Case.received_at < after[0], and_(Case.received_at == after[0], Case.id < after[1])))
    found = conn.execute(query.order_by(Case.received_at.desc(), Case.id.desc()).offset(offset).limit(limit)).all()
    ids = [r[0] for r in found]
    open_steps = {}
    if ids:
        for case_id, step_id in conn.execute(select(Task.case_id, Task.step_id).where(
                Task.case_id.in_(ids), Task.status.in_(("open", "claimed"))).order_by(Task.id)):
            open_steps.setdefault(case_id, step_id)
    versions = {i: stored_version(conn, i, store.versions_by_id) for i in {r[10] for r in found}}
    return [_row(r, versions[r[10]], open_steps.get(r[0]), at, roles) for r in found]


def stream(store: Store, search: Search, *, offices: list[str], at: datetime, tz=timezone.utc,
           chunk: int = 1000, viewer_roles=None):
    """Every matching case (all pages), newest first, read ``chunk`` rows at a time (keyset paging: the
    cost of a chunk does not grow with how far the export has come)."""
    with store.engine.connect() as conn:
        where = _conditions(conn, search, list(offices), at, tz)
    if where is None:
        return
    after = None
    while True:
        with store.engine.connect() as conn:
            rows = _page(conn, store, where, at, limit=chunk, after=after, roles=viewer_roles)
        yield from rows
        if len(rows) < chunk:
            return
        after = (rows[-1]["received_at"], rows[-1]["id"])


def _row(r, version, open_step: str | None, at: datetime, roles=None) -> dict:
    (case_id, number, standard_id, status, applicant, received_at, due_at, closed_at, paused_at, mark, _v,
     code, answers) = r
    applicant = privacy.shown(applicant, version.document, answers, roles)
    standard = thaw(version)
    step = standard.procedure.by_id.get(open_step, {}) if open_step else {}
    if due_at is None:
        sla = "not_started"
    elif closed_at is not None:
        sla = "met" if closed_at <= due_at else "missed"
    elif paused_at is not None:
        sla = "paused"
    elif at > due_at:
        sla = "late"
    else:
        sla = "at_risk" if mark == "at_risk" else "on_track"
    return {"id": case_id, "number": number, "standard": standard_id, "title": standard.title,
            "status": status, "status_label": wording.CASE_STATUS_LABELS.get(status, status),
            "applicant": (applicant or {}).get("name"), "nik": (applicant or {}).get("nik"),
            "received_at": received_at, "due_at": due_at, "closed_at": closed_at, "sla": sla,
            "step": open_step, "step_name": step.get("name") or open_step, "receipt_code": code}

