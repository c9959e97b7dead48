"""Read-only views of the case store: worklists and a case's timeline with its SLA status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, bindparam, func, select, union_all

from engine.standard import wording
from engine.standard.kinds import KINDS
from engine.store.db import Store
from engine.store.models import (EVENT_KIND_IS_INDEXED, TASK_IS_OPEN, Case, CaseRequirement, Document, Event,
                                 FlowLink, Product, StandardVersion, Task, User, UserRole)

from engine.errors import NotFound
from . import privacy
from .frozen import calendar_for, stored_version, thaw
from .sla_levels import risk_threshold
from .service import now

# A case is "at risk" once this share of its time limit is used (time_limit.at_risk_share in the standard).


def sla_status(case: Case, at: datetime) -> dict:
    """on_track | at_risk | late | paused | not_started | met | missed, with working days left."""
    return _sla(case.standard_version, case.unit_id, case.variant, case.due_at, case.closed_at,
                case.clock_paused_at, at, case.tier)


_THRESHOLDS: dict[tuple, int] = {}  # (version digest, variant, tier): stored versions never change


def _sla(version: StandardVersion, unit, variant, due_at, closed_at, paused_at, at: datetime,
         tier: str | None = None) -> dict:
    if due_at is None:
        return {"status": "not_started", "days_left": None}
    if closed_at is not None:
        return {"status": "met" if closed_at <= due_at else "missed", "days_left": None}
    if paused_at is not None:
        return {"status": "paused", "days_left": None}
    tz = calendar_for(version, unit).tz
    days_left = calendar_for(version, unit).working_days_between(at.astimezone(tz).date(),
                                                                 due_at.astimezone(tz).date())
    if at > due_at:
        return {"status": "late", "days_left": days_left}
    key = (version.digest, variant, tier)
    threshold = _THRESHOLDS.get(key)
    if threshold is None:
        threshold = _THRESHOLDS[key] = risk_threshold(thaw(version).time_limit(variant, tier))
    return {"status": "at_risk" if days_left <= threshold else "on_track", "days_left": days_left}


_PAGE_STATEMENTS: dict[tuple[int, bool], object] = {}


def _page_statement(role_count: int, has_due: bool):
    """The ids of a worklist page for an office and ``role_count`` roles, from the covering tasks index
    alone: each (status, role) pair read in index order, at most ``limit`` rows each, merged. Built once per
    shape; the office, roles and limit are bound at execution."""
    key = (role_count, has_due)
    found = _PAGE_STATEMENTS.get(key)
    if found is None:
        parts = []
        for status in ("open", "claimed"):
            for n in range(role_count):
                part = select(Task.id, Task.due_at, Task.created_at).where(
                    TASK_IS_OPEN, Task.office_id == bindparam("office"), Task.status == status,
                    Task.role == bindparam(f"role_{n}"),
                    Task.due_at.is_not(None) if has_due else Task.due_at.is_(None))
                parts.append(part.order_by(Task.due_at, Task.created_at, Task.id)
                             .limit(bindparam("limit", type_=Integer)).subquery().select())
        merged = union_all(*parts).subquery()
        found = _PAGE_STATEMENTS[key] = (select(merged.c.id).order_by(merged.c.due_at, merged.c.created_at,
                                                                      merged.c.id)
                                         .limit(bindparam("limit", type_=Integer)))
    return found


def _page_ids(conn, office: str | None, roles: list[str] | None, limit: int, standard: str | None = None) -> list[int]:
    """The ids of a worklist page. With an office and roles the cost does not grow with the number of open
    cases (``_page_statement``); tasks without a due date (clock not started) come last."""
    if not office or not roles or standard:
        query = select(Task.id).where(TASK_IS_OPEN)
        if standard:
            query = query.join(Case, Case.id == Task.case_id).where(Case.standard_id == standard)
        if office:
            query = query.where(Task.office_id == office)
        query = query.where(Task.role.in_(roles)) if roles else query.where(Task.role != "sistem")
        return list(conn.execute(query.order_by(Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id)
                                 .limit(limit)).scalars())
    ids: list[int] = []
    bound = {"office": office, **{f"role_{n}": role for n, role in enumerate(roles)}}
    for has_due in (True, False):
        ids += conn.execute(_page_statement(len(roles), has_due), dict(bound, limit=limit - len(ids))).scalars()
        if len(ids) >= limit:
            break
    return ids


_WORKLIST_COLUMNS = (Task.id, Task.row_version, Task.step_id, Task.kind, Task.role, Task.status, Task.assignee_id,
                     Case.id, Case.number, Case.standard_id, Case.status, Case.due_at, Case.closed_at,
                     Case.clock_paused_at, Case.standard_version_id, Case.unit_id, Case.variant, Task.step_due_at,
                     Case.tier)
_USER_SCOPE = select(User.id, User.office_id, UserRole.role_id).outerjoin(UserRole, UserRole.user_id == User.id) \
    .where(User.username == bindparam("username"))


def worklist(store: Store, *, office: str | None = None, roles: list[str] | None = None,
             user: str | None = None, standard: str | None = None, limit: int = 200,
             at: datetime | None = None) -> list[dict]:
    """Open human tasks, oldest due date first. ``user`` restricts to that officer's office and roles.
    Reads only the columns it shows (no applicant data, no standard documents per row), on Core: the page
    is read at every step an officer completes, and ORM rows cost it twice the time here."""
    at = at or now()
    with store.engine.connect() as conn:
        if user:
            scope = conn.execute(_USER_SCOPE, {"username": user}).all()
            if not scope:
                raise NotFound(f"pengguna '{user}' tidak dikenal", "as")
            office = scope[0][1]
            roles = sorted({role for _id, _office, role in scope if role})
        ids = _page_ids(conn, office, roles, limit, standard)
        if not ids:
            return []
        position = {task_id: n for n, task_id in enumerate(ids)}
        found_rows = sorted(conn.execute(select(*_WORKLIST_COLUMNS).join(Case, Case.id == Task.case_id)
                                         .where(Task.id.in_(ids))).all(), key=lambda r: position[r[0]])
        versions = {i: stored_version(conn, i, store.versions_by_id) for i in {r[14] for r in found_rows}}
        assignee_ids = {r[6] for r in found_rows if r[6]}
        assignees = dict(conn.execute(select(User.id, User.username).where(User.id.in_(assignee_ids))).all()) \
            if assignee_ids else {}
    rows = []
    for (task_id, row_version, step_id, kind, role, status, assignee_id, case_id, number, standard_id,
         case_status, due_at, closed_at, paused_at, version_id, unit, variant, step_due_at, tier) in found_rows:
        version = versions[version_id]
        step = thaw(version).procedure.by_id.get(step_id, {})
        rows.append({
            "task": task_id, "version": row_version, "case": number, "case_id": case_id,
            "standard": standard_id, "step": step_id, "step_name": step.get("name", step_id),
            "kind": kind, "role": role, "status": status, "assignee": assignees.get(assignee_id),
            "case_status": case_status, "due_at": due_at,
            "sla": _sla(version, unit, variant, due_at, closed_at, paused_at, at, tier),
            "outcomes": list(KINDS[kind].outcomes_of(step).keys()),
            # The step's own target, apart from the case's limit: overdue when it passed.
            "step_due_at": step_due_at, "step_late": step_due_at is not None and at > step_due_at,
        })
    return rows


def find_case(s, ref) -> Case:
    """By id, case number, receipt code or the id of its Prefect flow run."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        case = s.get(Case, int(ref))
    else:
        case = s.scalar(select(Case).where(Case.number == ref))
        if case is None and len(ref) == 36:  # a flow run id: the auditor goes from Prefect to the case
            case = s.scalar(select(Case).join(FlowLink, FlowLink.case_id == Case.id)
                            .where(FlowLink.flow_run_id == ref))
    if case is None:
        raise NotFound(f"kasus '{ref}' tidak ditemukan", "case")
    return case


def _flow_run(s, case: Case) -> dict | None:
    """The Prefect flow run that mirrors the case (a bundle part is mirrored inside its bundle's run)."""
    link = s.get(FlowLink, case.parent_id or case.id)
    if link is None:
        return None
    return {"id": link.flow_run_id, "flow": link.flow_name, "state": link.state, "pending": link.pending,
            "synced_at": link.synced_at, "last_error": link.last_error}


def case_view(store: Store, ref, at: datetime | None = None, viewer_roles=None) -> dict:
    """Everything about one case: status, due date, SLA, requirements, tasks, products, timeline. A
    confidential applicant's identity is shown only to ``viewer_roles`` holding a role the standard names
    (engine/cases/privacy.py); ``identity_shown`` says whether it was."""
    at = at or now()
    with store.read() as s:
        case = find_case(s, ref)
        standard_doc = case.standard_version.document
        users = {}

        def username(uid):
            if uid is None:
                return None
            if uid not in users:
                users[uid] = s.get(User, uid).username
            return users[uid]

        tasks = s.scalars(select(Task).where(Task.case_id == case.id).order_by(Task.seq)).all()
        parts = s.scalars(select(Case).where(Case.parent_id == case.id).order_by(Case.id)).all()
        return {
            "id": case.id, "number": case.number, "receipt_code": case.receipt_code,
            "standard": case.standard_id, "title": standard_doc.get("title"),
            "version": case.standard_version.version, "variant": case.variant, "channel": case.channel,
            "office": case.office_id, "unit": case.unit_id, "status": case.status,
            "status_label": wording.CASE_STATUS_LABELS.get(case.status, case.status),
            "received_at": case.received_at, "clock_started_at": case.clock_started_at,
            "due_at": case.due_at, "closed_at": case.closed_at, "close_reason": case.close_reason,
            # A due date in a year whose cuti bersama decree is not out yet (engine/calendar: provisional).
            "due_provisional": case.due_at is not None and calendar_for(case.standard_version, case.unit_id)
            .is_provisional(case.due_at),
            "sla": sla_status(case, at),
            "parent": s.get(Case, case.parent_id).number if case.parent_id else None, "part": case.part_id,
            "parts": [{"part": p.part_id, "number": p.number, "status": p.status} for p in parts],
            "flow_run": _flow_run(s, case),
            "applicant": privacy.shown(case.applicant, standard_doc, case.answers, viewer_roles),
            "identity_shown": privacy.may_see(standard_doc, case.answers, viewer_roles),
            "confidential": privacy.is_confidential(standard_doc, case.answers), "tier": case.tier,
            "answers": case.answers,
            "requirements": [{"id": r.requirement_id, "received": r.received} for r in s.scalars(
                select(CaseRequirement).where(CaseRequirement.case_id == case.id))],
            "tasks": [{"task": t.id, "seq": t.seq, "step": t.step_id, "kind": t.kind, "role": t.role,
                       "status": t.status, "outcome": t.outcome, "by": username(t.completed_by)
                       or ("sistem" if t.role == "sistem" and t.status == "done" else
                           "pemohon" if t.role == "pemohon" and t.status == "done" else None),
                       "created_at": t.created_at, "completed_at": t.completed_at, "data": t.data,
                       "note": t.note} for t in tasks],
            "products": [{"product": p.product_id, "number": p.number, "issued_at": p.issued_at,
                          "handed_over_at": p.handed_over_at} for p in s.scalars(
                select(Product).where(Product.case_id == case.id))],
            "documents": [{"product": d.product_id, "sha256": d.sha256, "signed_by": username(d.signed_by),
                           "signed_at": d.signed_at} for d in s.scalars(
                select(Document).where(Document.case_id == case.id))],
            "events": [{"at": e.at, "actor": e.actor, "kind": e.kind, "data": e.data} for e in s.scalars(
                select(Event).where(Event.case_id == case.id).order_by(Event.id))],
        }


def escalations(store: Store, *, office: str, roles: list[str], limit: int = 50) -> list[dict]:
    """Open cases of the office escalated to one of these roles, latest escalation first: what a
    supervisor must look at before (or since) the case is late."""
    with store.read() as s:
        to_role = Event.data["to_role"].as_string()
        latest = (select(Event.case_id, func.max(Event.id).label("event_id"))
                  .join(Case, Case.id == Event.case_id)
                  .where(Case.office_id == office, Case.closed_at.is_(None), EVENT_KIND_IS_INDEXED,
                         Event.kind == "sla_escalated",
                         to_role.in_(roles))
                  .group_by(Event.case_id).subquery())
        rows = s.execute(select(Case.number, Case.standard_id, Case.due_at, Case.sla_mark, Event.at, Event.data)
                         .join(latest, latest.c.case_id == Case.id).join(Event, Event.id == latest.c.event_id)
                         .order_by(Event.id.desc()).limit(limit)).all()
        return [{"case": number, "standard": standard, "due_at": due_at, "mark": mark, "at": at,
                 "level": data.get("level"), "step": data.get("step"), "role": data.get("role")}
                for number, standard, due_at, mark, at, data in rows]
