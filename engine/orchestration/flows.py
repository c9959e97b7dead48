"""The compiled flows: one Prefect flow per standard (or bundle), named after it.

A flow run mirrors one case. Its body walks the case's history in the case store: each step a person
completed becomes a task run (recorded, not redone), each automated step runs as a Prefect task with the
standard's retries and timeout. When the case waits for a person the run suspends and holds no process;
the orchestrator resumes it after the next change. A resumed run starts from the top, finds the steps it
already mirrored marked in the store, and repeats none of them.

Only ids cross into Prefect: parameters, run names and log lines never carry personal data (UU 27/2022).

The flows and their tasks are built over one ``Ledger`` (``CaseFlows(ledger)``): the orchestrator of
`serve` and `worker` builds them over its own, a Prefect worker's entry points (flows/case_flows.py) over
one made when a flow is first asked for. No module global holds the case store.
"""

from __future__ import annotations

import asyncio
from uuid import uuid4

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.flow_runs import suspend_flow_run

from engine import faults
from engine.standard.flow import SYSTEM_ROLE

from . import tuning
from .ledger import Ledger

async def _suspend(wait_key: str) -> None:
    """Suspend the run until the orchestrator resumes it. The pause key is the case's waiting state and this
    execution's Running state: Prefect refuses a key it has seen ("This suspend has already fired") and
    lets the run go on, which here would complete a run whose case is still open, as when an execution is
    repeated with the case unchanged (its process killed after the suspension, before the link was cleared).
    If Prefect still lets it go on, the run fails (the orchestrator starts it again) rather than completes."""
    running = FlowRunContext.get().flow_run.state
    await suspend_flow_run(timeout=None, key=f"{wait_key}-{running.id if running else uuid4()}")
    raise RuntimeError("Prefect tidak menangguhkan flow run; kasus belum selesai")


def entrypoint_name(flow_name: str) -> str:
    """The attribute of flows/case_flows.py that holds the flow of a standard."""
    return flow_name.replace("-", "_").replace(".", "_")


class CaseFlows:
    """The flows of every standard and bundle, and their two tasks, over one ledger."""

    def __init__(self, ledger: Ledger):
        self.ledger = ledger
        self._flows: dict[str, object] = {}
        self.task_runs = 0  # task runs these flows started in this process (engine/orchestration/settling.py)

        def record_step(case_id: int, task_id: int) -> str:
            """A step done by an officer or the applicant: Prefect records it; the case store holds it."""
            return ledger.mark_mirrored(task_id)

        def automated_step(case_id: int, task_id: int) -> str:
            ledger.run_automated(task_id)
            faults.point("automated.before_mirror")  # committed in the case store, not yet recorded by Prefect
            return ledger.mark_mirrored(task_id)

        self.record_step = task(name="langkah-petugas", persist_result=False)(record_step)
        self.automated_step = task(name="langkah-otomatis", persist_result=False)(automated_step)

    async def _mirror(self, case_id: int) -> None:
        """Mirror every unmirrored step of the case, running automated ones, until none is left."""
        logger = get_run_logger()
        while True:
            steps = await asyncio.to_thread(self.ledger.unmirrored, case_id)
            if not steps:
                return
            for item in steps:
                if item.role == SYSTEM_ROLE and item.status != "done":
                    options = {"name": item.step_id, "retries": item.retries, "retry_delay_seconds": 1}
                    if item.timeout:
                        options["timeout_seconds"] = item.timeout
                    self.task_runs += 1
                    await asyncio.to_thread(self.automated_step.with_options(**options), case_id, item.task_id)
                    logger.info("case %s: automated step %s done", case_id, item.step_id)
                elif item.status == "done":
                    self.task_runs += 1
                    await asyncio.to_thread(self.record_step.with_options(name=item.step_id), case_id, item.task_id)

    async def _run_case(self, case_id: int, as_part: bool = False) -> str:
        await self._mirror(case_id)
        parts = await asyncio.to_thread(self.ledger.parts, case_id)
        for part in parts:
            # Bundles run their standards as subflows (a subflow cannot suspend; the bundle's run does).
            await self.flow_for(part.standard_id)(case_id=part.case_id, as_part=True)
        if parts:
            await self._mirror(case_id)
        status = await asyncio.to_thread(self.ledger.status, case_id)
        if status.closed or as_part:
            return status.name
        await _suspend(status.wait_key)
        return status.name

    @property
    def names(self) -> list[str]:
        """The flows built so far (every one this process has run)."""
        return list(self._flows)

    def flow_for(self, flow_name: str):
        """The flow of a standard or bundle (one object per name)."""
        found = self._flows.get(flow_name)
        if found is None:
            async def run_case(case_id: int, as_part: bool = False) -> str:
                return await self._run_case(case_id, as_part)

            found = flow(name=flow_name, persist_result=False, result_storage=tuning.result_storage(),
                         log_prints=False, validate_parameters=True,
                         description=f"Standar pelayanan {flow_name}: satu run per kasus")(run_case)
            self._flows[flow_name] = found
        return found
