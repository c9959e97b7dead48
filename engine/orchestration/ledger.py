"""What the flows read and write in the case store (synchronous; called from Prefect tasks and flows).

A ``Ledger`` is the runtime the flows of one orchestrator (or one Prefect worker) use: the case service
and what runs of this process saw settled. It is passed to the flows (engine/orchestration/flows.py
builds them over one), never reached through a module's global."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from engine.cases.core.state import CLOSED_STATUSES
from engine.cases.frozen import thaw
from engine.cases.service import CaseService
from engine.store.models import Case, FlowLink, Task

@dataclass
class Step:
    task_id: int
    step_id: str
    role: str
    status: str
    retries: int
    timeout: int | None


@dataclass
class CaseStatus:
    name: str
    closed: bool
    wait_key: str


@dataclass
class Part:
    case_id: int
    standard_id: str


class Ledger:
    def __init__(self, service: CaseService):
        self.service = service
        self.settled: dict[int, int] = {}  # case id -> revision a run of this process saw fully mirrored

    def unmirrored(self, case_id: int) -> list[Step]:
        """Steps Prefect has not recorded yet, in the case's order, up to the first one still waiting for a
        person (automated steps waiting for the system are included: the flow runs them)."""
        with self.service.store.read() as s:
            case = s.get(Case, case_id)
            if case.standard_version.kind == "bundle":
                return []  # a bundle's steps belong to its parts, each mirrored by its own subflow
            procedure = thaw(case.standard_version).procedure
            rows = s.scalars(select(Task).where(Task.case_id == case_id, Task.mirrored.is_(False))
                             .order_by(Task.seq)).all()
            steps = []
            for row in rows:
                if row.status in ("open", "claimed") and row.role != "sistem":
                    break
                spec = procedure.by_id.get(row.step_id, {})
                steps.append(Step(row.id, row.step_id, row.role, row.status, int(spec.get("retries", 0)),
                                  spec.get("timeout_seconds")))
            return steps


    def run_automated(self, task_id: int) -> None:
        self.service.run_automated(task_id)


    def mark_mirrored(self, task_id: int) -> str:
        with self.service.store.write() as s:
            row = s.get(Task, task_id)
            row.mirrored = True
            return row.outcome or row.status


    def parts(self, case_id: int) -> list[Part]:
        with self.service.store.read() as s:
            return [Part(c.id, c.standard_id) for c in s.scalars(
                select(Case).where(Case.parent_id == case_id).order_by(Case.id))]


    def status(self, case_id: int) -> CaseStatus:
        """Where the case stands as the run ends or suspends. When Prefect has mirrored everything there is,
        the case's revision is remembered as settled: the orchestrator clears ``pending`` only up to it, so
        the run's own changes (an automated step moves the case on) do not call for another run, while an
        officer's change after this point does."""
        with self.service.store.read() as s:
            case = s.get(Case, case_id)
            family = (Case.id == case_id) | (Case.parent_id == case_id)
            unsettled = s.scalar(select(Task.id).join(Case, Case.id == Task.case_id).where(
                family, Task.mirrored.is_(False),
                (Task.status == "done") | ((Task.role == "sistem") & (Task.status == "open"))).limit(1))
            link = s.get(FlowLink, case_id)
            if unsettled is None and link is not None:
                self.settled[case_id] = link.revision
            open_ids = s.scalars(select(Task.id).join(Case, Case.id == Task.case_id)
                                 .where((Case.id == case_id) | (Case.parent_id == case_id),
                                        Task.status.in_(("open", "claimed"))).order_by(Task.id)).all()
            # One pause key per waiting state: a key Prefect has seen can never suspend the run again.
            return CaseStatus(case.status, case.status in CLOSED_STATUSES,
                              "wait-" + "-".join(map(str, open_ids)) + f"-{case.row_version}")


    def closed(self, case_id: int) -> bool:
        with self.service.store.read() as s:
            return s.get(Case, case_id).status in CLOSED_STATUSES


    def settled_revision(self, case_id: int) -> int | None:
        """The revision the last run of this case in this process left settled (None: it did not settle)."""
        return self.settled.pop(case_id, None)


    def record_link(self, case_id: int, *, flow_run_id: str | None = None, state: str | None = None,
                    revision: int | None = None, error: str | None = None) -> None:
        """Remember the flow run; clear ``pending`` only if the case did not change since ``revision`` was
        read (a change during the run means Prefect goes again)."""
        with self.service.store.write() as s:
            link = s.get(FlowLink, case_id)
            if flow_run_id:
                link.flow_run_id = flow_run_id
            if state:
                link.state = state
            if error is not None:
                link.attempts += 1
                link.last_error = error[:2000]
                return
            if revision is not None and link.revision == revision:
                link.pending = False
                link.synced_at = datetime.now(timezone.utc)
                link.last_error = None
                for part in s.scalars(select(FlowLink).join(Case, Case.id == FlowLink.case_id)
                                      .where(Case.parent_id == case_id)):
                    part.pending = False
