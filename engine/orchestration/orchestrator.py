"""Keeps Prefect caught up with the case store.

Officers' actions commit in the case store and mark the case's flow link pending (an outbox). The
orchestrator takes pending cases oldest first and, for each, creates its flow run (first time), resumes it
(when suspended), or restarts it (when a killed process left it running), then executes it in this
process. Nothing an officer does waits for this; Prefect's share is measured in bench/engine.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from prefect import get_client  # (the package's __init__ put layanan's settings in place before Prefect)
from prefect.context import AsyncClientContext, SyncClientContext
from prefect.exceptions import Pause
from prefect.flow_engine import run_flow_async
from prefect.client.schemas.actions import DeploymentScheduleCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
from prefect.client.schemas.responses import SetStateStatus
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.client.schemas.sorting import FlowRunSort
from prefect.states import Scheduled

from engine.cases.service import CaseService
from engine.store.claims import Claims
from engine.store.lease import Holder, Lease

from . import monitoring, notifying, quiet, settling, suspension
from .flows import CaseFlows, entrypoint_name
from .ledger import Ledger

DEPLOYMENT = "layanan"
MONITOR_CHECK_EVERY = timedelta(minutes=1)
LEASE_TTL = timedelta(seconds=60)  # renewed every third of it while a pass runs
log = logging.getLogger("layanan.orchestrator")


class _QuietSuspension(logging.Filter):
    """Prefect reports a suspended run as an error; for layanan it is the normal wait for an officer."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Finished in state Suspended" not in record.getMessage()


for _name in ("prefect.flow_runs", "prefect.flow_engine", "prefect"):
    logging.getLogger(_name).addFilter(_QuietSuspension())
quiet.install()
suspension.install()


@dataclass
class Summary:
    created: int = 0
    resumed: int = 0
    restarted: int = 0
    suspended: int = 0
    completed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    waiting_for: Holder | None = None  # another orchestrator held the lease: nothing was done

    @property
    def runs(self) -> int:
        return self.suspended + self.completed + self.failed


@asynccontextmanager
async def shared_clients():
    """One Prefect client of each kind, in the context that the flow engine, the task runs (worker threads
    inherit it) and Prefect's result-storage lookup take theirs from; without it each of them opens its
    own (~50 ms here, mostly loading the CA bundle). Yields the async client."""
    sync_context = await asyncio.to_thread(SyncClientContext)  # not on the event loop: it loads the bundle
    with sync_context:
        async with AsyncClientContext.get_or_create() as async_context:
            yield async_context.client


class Orchestrator:
    """``shared_api``: Prefect's API is a server that every orchestrator of this case store uses (so several
    may run, each catching up with the cases it claimed); by default, when PREFECT_API_URL is set. On the
    ephemeral API (each process its own Prefect database) one orchestrator at a time holds the lease."""

    def __init__(self, service: CaseService, *, shared_api: bool | None = None):
        self.service = service
        self.shared_api = bool(os.environ.get("PREFECT_API_URL")) if shared_api is None else shared_api
        self.ledger = Ledger(service)
        self.flows = CaseFlows(self.ledger)
        self.monitor = monitoring.monitor_flow(service.store)
        self.notifier = notifying.notify_flow(service.store)
        self.notified = 0  # messages this orchestrator's notifier sent
        self._deployments: dict[str, object] = {}
        self._monitor_checked: datetime | None = None
        # A case is caught up with by the orchestrator that claimed it: two would give it two flow runs.
        self.claims = Claims(service.store, ttl=LEASE_TTL)
        # On the ephemeral API, one orchestrator per case store; on a server, one SLA monitor.
        self.lease = Lease(service.store, "sla-monitor", ttl=3 * MONITOR_CHECK_EVERY) if self.shared_api else \
            Lease(service.store, "orchestrator", ttl=LEASE_TTL)
        self.lease.holder = self.claims.holder
        self._lease_lost = asyncio.Event()
        self._claimed = 0
        self._first_execution: datetime | None = None
        default = 8 if self.shared_api else 1  # the ephemeral API takes one case at a time (``_pass``)
        self.concurrency = max(1, int(os.environ.get("LAYANAN_ORCHESTRATOR_CONCURRENCY") or default))

    async def _deployment_id(self, client, flow_name: str):
        if flow_name not in self._deployments:
            flow_id = await client.create_flow_from_name(flow_name)
            self._deployments[flow_name] = await client.create_deployment(
                flow_id=flow_id, name=DEPLOYMENT, entrypoint=f"flows/case_flows.py:{entrypoint_name(flow_name)}",
                description="Dijalankan oleh orkestrator layanan; satu run per kasus.",
                parameter_openapi_schema={"type": "object", "properties": {
                    "case_id": {"type": "integer"}, "as_part": {"type": "boolean", "default": False}},
                    "required": ["case_id"]})
        return self._deployments[flow_name]

    @asynccontextmanager
    async def _leased(self):
        """Hold the orchestrator's lease for the block (on the ephemeral API): yields None when it is ours
        or not needed (renewed in the background with this orchestrator's claims; ``_lease_lost`` is set if
        either is ever lost), else who holds it. Claims left at the end are given back."""
        holder = None if self.shared_api else await asyncio.to_thread(self.lease.acquire)
        if holder is not None:
            yield holder
            return
        self._lease_lost.clear()
        keeper = asyncio.create_task(self._keep_lease())
        try:
            yield None
        finally:
            keeper.cancel()
            await asyncio.to_thread(self.claims.release)
            if not self.shared_api:
                await asyncio.to_thread(self.lease.release)

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(LEASE_TTL.total_seconds() / 3)
            holder = None if self.shared_api else await asyncio.to_thread(self.lease.acquire)
            kept = await asyncio.to_thread(self.claims.renew)
            if holder is not None or kept < self._claimed:  # renewed too late: stop after the current case
                log.warning("orchestrator lease or claims lost%s", f" to {holder.name}" if holder else "")
                self._lease_lost.set()
                return

    async def catch_up(self, limit: int = 200, stop: asyncio.Event | None = None) -> Summary:
        """One pass over the pending cases under the orchestrator's lease (ended early, between two cases,
        when ``stop`` is set); when another orchestrator holds the lease, nothing is done."""
        async with self._leased() as holder:
            if holder is not None:
                return Summary(waiting_for=holder)
            return await self._pending_pass(limit, stop)

    async def _pending_pass(self, limit: int, stop: asyncio.Event | None) -> Summary:
        summary = Summary()
        links = await asyncio.to_thread(self.claims.take, limit)
        self._claimed = len(links)
        if not links:
            return summary
        try:
            async with shared_clients() as client:
                return await self._pass(client, links, summary, stop)
        finally:
            self._claimed = 0
            await asyncio.to_thread(self.claims.release)

    def _halted(self, stop: asyncio.Event | None) -> bool:
        return (stop is not None and stop.is_set()) or self._lease_lost.is_set()

    async def _pass(self, client, links, summary: Summary, stop) -> Summary:
        if self.shared_api:
            gate = asyncio.Semaphore(self.concurrency)
            # Against a server, ``concurrency`` cases at a time (their API calls overlap; bench/load.py), each
            # readied and executed in one go: a run readied long before it is executed would sit Scheduled,
            # and Prefect's late-runs service would spend a state change marking it Late.
            async def one(link):
                async with gate:
                    if self._halted(stop):
                        return
                    flow_run = await self._guarded(self._ready_flow_run(client, link, summary), link, summary)
                    if flow_run is not None and not self._halted(stop):  # else the next pass executes it
                        await self._guarded(self._execute(link, flow_run, summary), link, summary)

            await asyncio.gather(*(one(link) for link in links))
            return summary
        # On the ephemeral API, one case at a time, in order, and every case's flow run made ready first
        # (created, resumed or restarted), back to back, then the runs executed: a write that reaches the
        # ephemeral API's SQLite while it is still recording the task runs of the run just executed is what
        # it most often refuses ("database is locked", which Prefect's client retries after 2 s).
        ready = []
        for link in links:
            if self._halted(stop):
                break
            flow_run = await self._guarded(self._ready_flow_run(client, link, summary), link, summary)
            if flow_run is not None:
                ready.append((link, flow_run))
        for link, flow_run in ready:
            if self._halted(stop):  # left Scheduled: the next pass executes it
                break
            await self._guarded(self._execute(link, flow_run, summary), link, summary)
        return summary

    async def _guarded(self, action, link, summary: Summary):
        """One case's failure must not stop the others: it is counted, logged and kept on the link."""
        try:
            return await action
        except Exception as exc:
            summary.failed += 1
            summary.errors.append(f"kasus {link[1]}: {type(exc).__name__}: {exc}")
            log.warning("case %s: Prefect catch-up failed: %s", link[0], type(exc).__name__)
            await asyncio.to_thread(self.ledger.record_link, link[0], error=f"{type(exc).__name__}: {exc}")
            return None

    async def _ready_flow_run(self, client, link, summary: Summary):
        """The case's flow run, ready to execute: created for a new case (from its standard's deployment,
        named with the case number), resumed when suspended, restarted when a killed process left it
        running or it failed. None when there is nothing to execute."""
        case_id, number, flow_name, run_id, _state, revision = link
        if run_id is None:
            deployment_id = await self._deployment_id(client, flow_name)
            flow_run = await client.create_flow_run_from_deployment(
                deployment_id, parameters={"case_id": case_id}, name=number)
            await asyncio.to_thread(self.ledger.record_link, case_id, flow_run_id=str(flow_run.id), state="scheduled")
            summary.created += 1
            return flow_run
        flow_run = await client.read_flow_run(run_id)
        state = flow_run.state
        if state.is_paused():
            # With our client: prefect.flow_runs.resume_flow_run would open a client and read the run again.
            result = await client.resume_flow_run(flow_run.id)
            if result.status != SetStateStatus.ACCEPT:
                raise RuntimeError(f"Prefect menolak melanjutkan flow run: {result.details}")
            summary.resumed += 1
        elif state.is_final():
            # Completed with its case closed: nothing to do. Failed, or completed while its case is open (a
            # run that ended too early, engine/orchestration/flows.py's _suspend): run it again.
            if state.is_completed() and await asyncio.to_thread(self.ledger.closed, case_id):
                await asyncio.to_thread(self.ledger.record_link, case_id, state="completed", revision=revision)
                return None
            await client.set_flow_run_state(flow_run.id, Scheduled(), force=True)
            summary.restarted += 1
        elif state.is_running() or state.is_pending():
            # A process was killed during this run: the case store knows what was done; start over.
            await client.set_flow_run_state(flow_run.id, Scheduled(), force=True)
            summary.restarted += 1
        # No need to read the run again: the engine reads it before it proposes Running.
        return flow_run

    async def _execute(self, link, flow_run, summary: Summary) -> None:
        case_id, _number, flow_name, _run_id, _state, revision = link
        self.ledger.settled_revision(case_id)  # forget what an earlier run of this case saw
        self._first_execution = self._first_execution or datetime.now(timezone.utc)
        try:
            with suspension.unwatched():  # layanan's runs suspend themselves (engine/orchestration/suspension.py)
                final = await run_flow_async(self.flows.flow_for(flow_name), flow_run=flow_run,
                                             parameters={"case_id": case_id}, return_type="state")
            outcome = "completed" if final.is_completed() else "failed"
        except Pause:
            outcome = "suspended"
        if outcome == "failed":
            summary.failed += 1
            await asyncio.to_thread(self.ledger.record_link, case_id, state="failed",
                                    error=f"flow run {flow_run.id} gagal: {final.message}")
            return
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        settled = self.ledger.settled_revision(case_id)
        await asyncio.to_thread(self.ledger.record_link, case_id, state=outcome,
                                revision=revision if settled is None else settled)

    async def monitor_sla(self, now: datetime | None = None) -> str | None:
        """Run the SLA monitor's flow run when one is due: the schedule's next run (created here when the
        API has no scheduler, as the ephemeral one); returns the final state's name, or None."""
        now = now or datetime.now(timezone.utc)
        async with get_client() as client:
            deployment_id = self._deployments.get(monitoring.FLOW)
            if deployment_id is None:
                flow_id = await client.create_flow_from_name(monitoring.FLOW)
                deployment_id = await client.create_deployment(
                    flow_id=flow_id, name=monitoring.DEPLOYMENT, entrypoint="flows/sla_monitor.py:sla_monitor",
                    description="Pemantauan SLA: tandai kasus berisiko/terlambat, eskalasi ke atasan.",
                    schedules=[DeploymentScheduleCreate(schedule=IntervalSchedule(interval=monitoring.interval()))])
                self._deployments[monitoring.FLOW] = deployment_id
            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=20)
            due = [r for r in runs if r.state.is_scheduled() and r.expected_start_time <= now]
            latest = max((r.expected_start_time for r in runs), default=None)
            if not due and (latest is None or latest + monitoring.interval() <= now):
                due = [await client.create_flow_run_from_deployment(deployment_id)]
            final = None
            for flow_run in sorted(due, key=lambda r: r.expected_start_time or now):
                final = await run_flow_async(self.monitor, flow_run=flow_run, return_type="state")
            return final.name if final is not None else None

    async def _monitor_when_due(self, monitor: bool) -> None:
        if monitor and (self._monitor_checked is None
                        or datetime.now(timezone.utc) - self._monitor_checked >= MONITOR_CHECK_EVERY):
            # Asking Prefect for due monitor runs once a minute is plenty for a 10-minute schedule.
            self._monitor_checked = datetime.now(timezone.utc)
            if self.shared_api and await asyncio.to_thread(self.lease.acquire) is not None:
                return  # another orchestrator runs the monitor
            try:
                await self.monitor_sla()
            except Exception as exc:  # the cases' own catching up must go on
                log.warning("SLA monitor run failed: %s", type(exc).__name__)

    async def _notify_when_due(self) -> int:
        """Deliver the due notifications (a flow run of the notifier) when there are any; how many went."""
        try:
            if not await asyncio.to_thread(notifying.due, self.service.store):
                return 0
            result = await self.notifier()
        except Exception as exc:  # the cases' own catching up must go on; the messages wait, never lost
            log.warning("notifier run failed: %s", type(exc).__name__)
            return 0
        self.notified += result["sent"]
        return result["sent"] + result["retried"] + result["failed"] + result["held"]

    async def run(self, *, until_idle: bool = True, poll_seconds: float = 2.0, max_passes: int | None = None,
                  stop: asyncio.Event | None = None, monitor: bool = False) -> Summary:
        """Catch up repeatedly; with until_idle, stop when a pass finds nothing left to do."""
        total, passes, waiting = Summary(), 0, None
        outage = 0  # passes in a row that could not reach Prefect's API or the case store
        if self.shared_api and self.concurrency > 1:  # each case's steps run in threads: room for every case at a time
            from concurrent.futures import ThreadPoolExecutor

            asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(4 * self.concurrency))
        while not (stop and stop.is_set()):
            sent = 0
            try:
                async with self._leased() as holder:
                    if holder is None:
                        await self._monitor_when_due(monitor)
                        summary = await self._pending_pass(200, stop)
                        sent = await self._notify_when_due()
                    else:
                        summary = Summary(waiting_for=holder)
                        if waiting is None or waiting.name != holder.name:
                            log.warning("another orchestrator runs on this case store (%s, lease until %s); "
                                        "waiting", holder.name, holder.until.isoformat(timespec="seconds"))
                    waiting = holder
            except Exception as exc:  # noqa: BLE001 - Prefect's API or the database away: wait, then again
                if until_idle:
                    raise
                outage += 1
                pause = min(30.0, poll_seconds * 2 ** min(outage, 4))
                log.warning("orchestrator pass stopped (%s); again in %.0f s", _reason(exc), pause)
                await _sleep_unless(stop, pause)
                continue
            outage = 0
            passes += 1
            for key in ("created", "resumed", "restarted", "suspended", "completed", "failed"):
                setattr(total, key, getattr(total, key) + getattr(summary, key))
            total.errors += summary.errors
            total.waiting_for = summary.waiting_for
            idle = summary.runs == 0 and summary.created == 0 and not sent
            if (until_idle and idle) or (max_passes and passes >= max_passes):
                break
            if idle or summary.failed:
                await asyncio.sleep(poll_seconds)
        await self.settle()
        return total

    async def settle(self) -> bool:
        """On the ephemeral API, which stops with this process: wait until it has recorded the task runs this
        orchestrator executed (engine/orchestration/settling.py). A server outlives the orchestrator."""
        if self.shared_api:
            return True
        return await settling.wait_until_recorded(self._first_execution, self.flows.task_runs, self.flows.names)


def _reason(exc: BaseException) -> str:
    """One line for the log: what was unreachable, never a traceback."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:160]}" if text else type(exc).__name__


async def _sleep_unless(stop: asyncio.Event | None, seconds: float) -> None:
    if stop is None:
        await asyncio.sleep(seconds)
        return
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except asyncio.TimeoutError:
        pass


def catch_up(service: CaseService, *, until_idle: bool = True, max_passes: int | None = 50) -> Summary:
    """Blocking helper for the CLI and tests."""
    return asyncio.run(Orchestrator(service).run(until_idle=until_idle, max_passes=max_passes,
                                                 poll_seconds=0.5))
