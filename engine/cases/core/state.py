"""What a case's history says about it: the state made by folding its events in order (``replay``).

This is the one reading of what each event means for a case and its tasks. ``layanan audit verify``
replays every case's history and compares the result with the case's and its tasks' rows, so an edit of
the ``cases`` or ``tasks`` tables that the events do not explain is found. A history that cannot have
happened (a step completed before it was created, an event after the case closed) is refused with a
``HistoryError`` naming the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.standard.kinds import KINDS

OPEN, CLAIMED, DONE = "open", "claimed", "done"
CLOSED_STATUSES = ("done", "rejected")
# Events that may follow the closing of a case (the SLA monitor's marks were written as it closed).
AFTER_CLOSING = frozenset({"action_refused", "sla_at_risk", "sla_breached", "sla_escalated", "document_sealed",
                           "identity_viewed", "case_rated", "case_reopened", "download_refused",
                           "product_downloaded"})


class HistoryError(ValueError):
    """A history that cannot have happened; the message names the event."""

    def __init__(self, event: "Recorded", problem: str):
        super().__init__(f"peristiwa #{event.id} ({event.kind}): {problem}")
        self.event = event


@dataclass(frozen=True)
class Recorded:
    """An event as the log holds it."""
    id: int
    kind: str
    at: datetime
    actor_id: int | None = None
    task_id: int | None = None
    data: dict = field(default_factory=dict)


@dataclass
class TaskState:
    id: int
    seq: int
    step: str
    role: str
    created_at: datetime
    status: str = OPEN
    assignee: int | None = None
    claimed_at: datetime | None = None
    completed_at: datetime | None = None
    completed_by: int | None = None
    outcome: str | None = None
    note: str | None = None
    data_sha256: str | None = None


@dataclass
class CaseState:
    id: int
    status: str = "open"
    received_at: datetime | None = None
    clock_started_at: datetime | None = None
    clock_paused_at: datetime | None = None
    due_at: datetime | None = None
    closed_at: datetime | None = None
    close_reason: str | None = None
    tier: str | None = None
    tasks: dict[int, TaskState] = field(default_factory=dict)
    products: dict[str, str | None] = field(default_factory=dict)
    handed_over_at: datetime | None = None
    opened: bool = False


def _moment(text):
    return datetime.fromisoformat(text) if isinstance(text, str) else text


def _task(state: CaseState, event: Recorded) -> TaskState:
    task = state.tasks.get(event.task_id)
    if task is None:
        raise HistoryError(event, f"tugas {event.task_id} belum dibuat")
    return task


def _case_opened(state, event, kind_of):
    if state.opened:
        raise HistoryError(event, "kasus sudah dibuka")
    state.opened, state.received_at = True, event.at
    state.status = "incomplete" if event.data.get("missing") else "open"


def _task_created(state, event, kind_of):
    if event.task_id in state.tasks:
        raise HistoryError(event, f"tugas {event.task_id} sudah dibuat")
    if any(t.status in (OPEN, CLAIMED) for t in state.tasks.values()):
        raise HistoryError(event, "langkah sebelumnya masih terbuka")
    state.tasks[event.task_id] = TaskState(event.task_id, len(state.tasks) + 1, event.data.get("step"),
                                           event.data.get("role"), event.at)


def _task_claimed(state, event, kind_of):
    task = _task(state, event)
    if task.status != OPEN:
        raise HistoryError(event, f"tugas {task.id} tidak terbuka ({task.status})")
    task.status, task.assignee, task.claimed_at = CLAIMED, event.actor_id, event.at


def _task_released(state, event, kind_of):
    task = _task(state, event)
    if task.status != CLAIMED:
        raise HistoryError(event, f"tugas {task.id} tidak sedang diambil")
    task.status, task.assignee, task.claimed_at = OPEN, None, None


def _task_reassigned(state, event, kind_of):
    task = _task(state, event)
    if task.status != CLAIMED:
        raise HistoryError(event, f"tugas {task.id} tidak sedang diambil")
    task.assignee, task.claimed_at = event.data.get("to_id"), event.at


def _task_cancelled(state, event, kind_of):
    task = _task(state, event)
    if task.status not in (OPEN, CLAIMED):
        raise HistoryError(event, f"tugas {task.id} tidak terbuka ({task.status})")
    task.status = "cancelled"


def _task_completed(state, event, kind_of):
    task = _task(state, event)
    if task.status not in (OPEN, CLAIMED):
        raise HistoryError(event, f"tugas {task.id} sudah {task.status}")
    data = event.data
    task.status, task.completed_at, task.completed_by = DONE, event.at, event.actor_id
    task.outcome, task.note, task.data_sha256 = data.get("outcome"), data.get("reason"), data.get("data_sha256")
    if task.assignee is None:
        task.assignee = event.actor_id
    action, kind = data.get("action"), kind_of(task.step)
    if action == "incomplete":
        state.status = "incomplete"
    elif action == "return_to_applicant":
        state.status = "waiting_applicant"
    elif action == "approve" and kind.resumes_clock and (kind.starts_clock
                                                          or state.status in ("waiting_applicant", "incomplete")):
        state.status = "open"


def _clock_started(state, event, kind_of):
    if state.clock_started_at is not None:
        raise HistoryError(event, "jam layanan sudah berjalan")
    state.clock_started_at, state.due_at = event.at, _moment(event.data.get("due_at"))


def _clock_paused(state, event, kind_of):
    state.clock_paused_at = event.at
    if event.data.get("held_by"):  # a step of the applicant's (or not counted) entered while the clock ran
        state.status = "waiting_applicant"


def _clock_resumed(state, event, kind_of):
    if state.clock_paused_at is None:
        raise HistoryError(event, "jam layanan tidak sedang berhenti")
    state.clock_paused_at, state.due_at = None, _moment(event.data.get("due_at"))
    if event.data.get("held_by"):
        state.status = "open"


def _tier_set(state, event, kind_of):
    state.tier = event.data.get("tier")
    if event.data.get("due_at") is not None or state.due_at is not None:
        state.due_at = _moment(event.data.get("due_at"))


def _due_recomputed(state, event, kind_of):
    state.due_at = _moment(event.data.get("due_at"))


def _case_reopened(state, event, kind_of):
    if state.status != "done" or state.closed_at is None:
        raise HistoryError(event, "hanya kasus yang selesai yang dapat dibuka kembali")
    state.status, state.closed_at, state.close_reason, state.clock_paused_at = "open", None, None, None
    state.due_at = _moment(event.data.get("due_at"))


def _case_closed(state, event, kind_of):
    state.status, state.closed_at, state.close_reason = event.data.get("status"), event.at, event.data.get("reason")


def _product_issued(state, event, kind_of):
    state.products[event.data.get("product")] = event.data.get("number")


def _handed_over(state, event, kind_of):
    state.handed_over_at = event.at


def _nothing(state, event, kind_of):
    pass


APPLY = {
    "case_opened": _case_opened, "task_created": _task_created, "task_claimed": _task_claimed,
    "task_released": _task_released, "task_cancelled": _task_cancelled, "task_reassigned": _task_reassigned, "task_completed": _task_completed, "clock_started": _clock_started,
    "clock_paused": _clock_paused, "clock_resumed": _clock_resumed, "case_closed": _case_closed,
    "product_issued": _product_issued, "products_handed_over": _handed_over, "tier_set": _tier_set,
    "case_reopened": _case_reopened, "due_recomputed": _due_recomputed, "time_extended": _due_recomputed,
}
# Recorded for people and reports; they change nothing the rows hold.
RECORD_ONLY = ("requirements_received", "requirements_returned", "filed_online", "download_refused", "calendar_followed",
               "correction_expired", "stock_low",
               "product_downloaded", "document_rendered", "document_signed", "document_sealed", "applicant_notified",
               "action_refused", "sla_at_risk", "sla_breached", "sla_escalated", "identity_viewed", "case_rated")
for _kind in RECORD_ONLY + tuple(name for kind in KINDS.values() for name in kind.events):
    APPLY.setdefault(_kind, _nothing)  # a step kind's own events (engine/standard/kinds/) are recorded only


def apply(state: CaseState, event: Recorded, kind_of) -> CaseState:
    """The state after ``event``; ``kind_of(step id)`` gives a step's kind (from the case's standard)."""
    handler = APPLY.get(event.kind)
    if handler is None:
        raise HistoryError(event, "jenis peristiwa tidak dikenal")
    if not state.opened and event.kind != "case_opened":
        raise HistoryError(event, "kasus belum dibuka")
    if state.status in CLOSED_STATUSES and state.closed_at is not None and event.kind not in AFTER_CLOSING:
        raise HistoryError(event, "kasus sudah ditutup")
    handler(state, event, kind_of)
    return state


def replay(case_id: int, events, kind_of) -> CaseState:
    """The state a case's events make, in their order."""
    state = CaseState(case_id)
    for event in events:
        apply(state, event, kind_of)
    return state
