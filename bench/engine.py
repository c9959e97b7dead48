"""The engine's figures (issue 4), printed as they are measured; run by hand, not as a test.

    .venv/bin/pip install -e '.[bench]'        # SpiffWorkflow, the peer (benchmark-only dependency)
    .venv/bin/python bench/engine.py [--cases 300] [--prefect-cases 10 --prefect-rounds 4] [--open-cases 100000]
                                     [--only completions,prefect,memory,pages] [--officers 16]

completions  Durable human-step completions per second on SQLite, layanan and SpiffWorkflow 3 side by side in
             one run, on the same procedure (intake -> process -> verify, 10% returned once -> sign -> print
             -> hand-over; bench/data/bench-surat.yaml and .bpmn). Both read the case from SQLite before each
             step and commit after it. Beside them, the floor: the rows layanan writes for the same cases,
             through the sqlite3 driver with no engine at all. Then the same with --officers N officers at
             once (group commit; the peer and the floor grouped the same way). Also: step completed -> next
             task in the next officer's worklist.
prefect      Prefect's share: flow runs and API requests per case, and Prefect's time per case when the
             orchestrator catches up, against a bare Prefect flow with the same number of tasks.
floorheads   The floor with its chain heads in the case rows (as layanan) against a narrow head table.
memory       Resident memory while opening up to --open-cases open cases (each waiting for an officer), the
             worklist query and step -> worklist latency at that size.
pages        Pages each kind of transaction writes to SQLite's log (its WAL frames), by table and index.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
WORK = Path(tempfile.mkdtemp(prefix="layanan-bench-"))
os.environ.setdefault("PREFECT_HOME", str(WORK / "prefect"))  # before anything imports Prefect
# bench/ holds calendar.py, which would shadow the standard library's calendar module for our imports.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from sqlalchemy import bindparam, select  # noqa: E402

from engine.access.tte import SigningProof  # noqa: E402
from engine.cases.queries import worklist  # noqa: E402
from engine.cases.service import CaseService  # noqa: E402
from engine.cases.simulate import SAMPLE_APPLICANT, users_for  # noqa: E402
from engine.standard.model import load_library  # noqa: E402
from engine.store import chain  # noqa: E402
from engine.store.db import Store  # noqa: E402
from engine.store.models import Task  # noqa: E402
from engine.store.prepared import Prepared  # noqa: E402

OFFICE = "disdukcapil-kaltim"
STANDARD = "bench-surat"
REQUIREMENTS = ["surat_permohonan", "ktp"]
RETURNED_SHARE = 0.10
OPEN_TASK = Prepared(select(Task.id, Task.step_id, Task.role).where(Task.case_id == bindparam("case"),
                                                                Task.status == "open"))
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def library():
    folder = WORK / "library"
    if not folder.exists():
        shutil.copytree(ROOT / "standards" / "offices", folder / "offices")
        shutil.copy(DATA / "bench-surat.yaml", folder)
    return load_library(folder)


def fresh_service(name: str) -> CaseService:
    store = Store(f"sqlite:///{WORK / name}.db")
    service = CaseService(store, library())
    service.accept_drafts = True  # a bench office, like the demo's: its standards are drafts
    service.directory.sync_offices()
    users_for(service)
    return service


@functools.lru_cache(maxsize=None)
def returned(case_index: int) -> bool:
    """Whether this case is returned once at the verification (asked at every step of every engine)."""
    return random.Random(case_index).random() < RETURNED_SHARE


# ----------------------------------------------------------------------------------------------- layanan


class LayananRunner:
    """Drives the bench procedure through the case service, as officers would (one commit per step).
    With ``watch``, each human step is followed by the next officer's worklist page, and the time from the
    start of the step to that page is recorded (the latency figure; the throughput figure runs without).
    ``run_case_async`` does the same through the service's ``_async`` actions, which the web application's
    pages use: the steps officers submit at the same moment are committed together."""

    def __init__(self, service: CaseService, watch: bool = False):
        self.service = service
        self.watch = watch
        self.latencies: list[float] = []

    def open(self) -> tuple[int, tuple | None]:
        case_id = self.service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=REQUIREMENTS)
        return case_id, self.next_task(case_id)

    def next_task(self, case_id: int):
        """The case's open task, read as an officer's screen would (one prepared query)."""
        with self.service.store.engine.connect() as conn:
            return OPEN_TASK.first(conn, case=case_id)

    @staticmethod
    def _decision(step_id: str, return_once: bool, state: dict) -> dict:
        """What the officer enters at this step: the returned share sends the verification back once. The
        head's signature carries the proof of the TTE passphrase, made here: checking a passphrase is Argon2
        (28 ms, measured in bench/signin_flood.py), the same per signature with any engine."""
        if step_id == "tte":
            return {"proof": SigningProof(f"{OFFICE}.kepala_dinas", datetime.now(timezone.utc))}
        if step_id == "pengolahan":
            return {"data": {"uraian": "Data diolah"}}
        if step_id == "verifikasi":
            outcome = "perbaiki" if return_once and not state.get("returned") else "setuju"
            state["returned"] = state.get("returned") or outcome == "perbaiki"
            return {"outcome": outcome, "reason": "Data belum sesuai" if outcome == "perbaiki" else None}
        return {}

    def _following(self, case_id: int, step_id: str, decision: dict, following, state: dict):
        state["human"] = state.get("human", 0) + 1
        if following is None:
            return self.next_task(case_id)  # closed, or waiting for the system
        return (following, *NEXT_STEP["perbaiki" if decision.get("outcome") == "perbaiki" else step_id])

    def step(self, case_id: int, task, return_once: bool, state: dict):
        """Complete the case's open human step (or run its automated one); returns the next open task."""
        task_id, step_id, role = task
        if role == "sistem":
            self.service.run_automated(task_id)  # what the Prefect task does, without Prefect (measured apart)
            return self.next_task(case_id)
        decision = self._decision(step_id, return_once, state)
        start = time.perf_counter()
        next_id = self.service.complete(task_id, f"{OFFICE}.{role}", **decision)
        following = self._following(case_id, step_id, decision, next_id, state)
        if self.watch and next_id is not None:
            page = worklist(self.service.store, office=OFFICE, roles=[following[2]])
            self.latencies.append(time.perf_counter() - start)
            assert len(page) > 0
        return following

    def run_case(self, index: int) -> int:
        (case_id, task), state = self.open(), {}
        while task is not None:
            task = self.step(case_id, task, returned(index), state)
        return state["human"]

    async def run_case_async(self, index: int) -> int:
        service, state = self.service, {}
        case_id = await service.open_case_async(STANDARD, dict(SAMPLE_APPLICANT), requirements=REQUIREMENTS)
        task = self.next_task(case_id)
        while task is not None:
            task_id, step_id, role = task
            if role == "sistem":  # Prefect's side: its own transaction, as Prefect's task would commit it
                service.run_automated(task_id)
                task = self.next_task(case_id)
                continue
            decision = self._decision(step_id, returned(index), state)
            following = await service.complete_async(task_id, f"{OFFICE}.{role}", **decision)
            task = self._following(case_id, step_id, decision, following, state)
        return state["human"]


# The bench procedure's human step that follows each step (the engine returns only the next task's id).
NEXT_STEP = {"penerimaan": ("pengolahan", "operator"), "pengolahan": ("verifikasi", "subkoor_piak"),
             "perbaiki": ("pengolahan", "operator"), "verifikasi": ("tte", "kepala_dinas")}


# ------------------------------------------------------------------------------------------ the floor


class FloorRunner:
    """The rows layanan writes for a case of the bench procedure, written straight through the sqlite3
    driver into a store with layanan's schema and indexes: the same reads before each step, the same
    inserts and updates, the events with their hash chain and the Prefect outbox, one commit per step.
    No engine: no checks, no SLA arithmetic, no SQLAlchemy, no template (the letter is a fixed text of the
    rendered letter's size). Whatever engine keeps this history on SQLite cannot go faster than this.
    ``run_case_async`` runs the same steps through the same group commit as the peer's (DriverGroups)."""

    LETTER = "x" * 1661  # the length of the bench's rendered letter

    def __init__(self, service: CaseService):
        self.db = sqlite3.connect(service.store.url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            self.db.execute(f"PRAGMA {pragma}")
        self.users = {username: user_id for user_id, username in self.db.execute("SELECT id, username FROM users")}
        # One case through the engine stores the bench standard's frozen version (and the number series).
        first = service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=REQUIREMENTS)
        self.version_id = self.db.execute("SELECT standard_version_id FROM cases WHERE id = ?",
                                          (first,)).fetchone()[0]
        self.key = b"floor"
        self.case_column = {row[1]: row[0] for row in self.db.execute("PRAGMA table_info(cases)")}
        self.task_column = {row[1]: row[0] for row in self.db.execute("PRAGMA table_info(tasks)")}
        self.serial = 0
        self.groups = DriverGroups(self.db)

    @staticmethod
    def _now() -> str:
        return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")

    def _events(self, case_id: int, head: tuple, rows: list[tuple]) -> None:
        """Chain the case's events after its head (hash, length: read with the case row, as the engine's
        transaction holds it) and insert them; the moved head and its seal go back into the case row, as
        engine/store/audit_writer.py does: one chain per case."""
        last, seq = head[0] or chain.GENESIS, head[1]
        chained = []
        for task_id, at, actor_id, actor, kind, data in rows:
            content = chain.canonical([case_id, task_id, at, actor_id, actor, kind, data])
            digest = chain.link(last, content, self.key)
            seq += 1
            chained.append((case_id, seq, task_id, at, actor_id, actor, kind, json.dumps(data), last, digest))
            last = digest
        self.db.execute("UPDATE cases SET audit_hash = ?, audit_seq = ?, audit_seal = ? WHERE id = ?",
                        (last, seq, chain.seal(chain.chain_name(case_id), seq, last, self.key), case_id))
        self.db.executemany("INSERT INTO events (case_id, seq, task_id, at, actor_id, actor, kind, data, "
                            "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chained)

    def _next_number(self, series: str) -> int:
        year = datetime.now(timezone.utc).year
        row = self.db.execute("UPDATE number_series SET last = last + 1 WHERE office_id = ? AND series = ? AND "
                              "year = ? RETURNING last", (OFFICE, series, year)).fetchone()
        if row is None:
            self.db.execute("INSERT INTO number_series VALUES (?, ?, ?, 1)", (OFFICE, series, year))
            return 1
        return row[0]

    def _task(self, case_id: int, seq: int, step: str, kind: str, role: str, at: str, due) -> int:
        return self.db.execute(
            "INSERT INTO tasks (case_id, office_id, seq, step_id, kind, role, status, created_at, due_at, "
            "mirrored, row_version) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?, 0, 1)",
            (case_id, OFFICE, seq, step, kind, role, at, due)).lastrowid

    def _begin_step(self, task_id: int, username: str | None):
        """The reads before a step: the task, its case, the officer with their roles."""
        row = self.db.execute("SELECT tasks.*, cases.* FROM tasks JOIN cases ON cases.id = tasks.case_id "
                              "WHERE tasks.id = ?", (task_id,)).fetchone()
        width = len(self.task_column)
        task, whole = row[:width], row[width:]
        case = tuple(whole[self.case_column[name]] for name in ("row_version", "audit_hash", "audit_seq"))
        if username:
            self.db.execute("SELECT users.id, users.office_id, users.active, user_roles.role_id FROM users "
                            "LEFT OUTER JOIN user_roles ON user_roles.user_id = users.id WHERE users.username = ?",
                            (username,)).fetchall()
        return task, case

    def _finish_step(self, task, user_id, at: str, data: dict, outcome=None) -> None:
        self.db.execute("UPDATE tasks SET status = 'done', outcome = ?, data = ?, completed_at = ?, "
                        "completed_by = ?, assignee_id = ?, row_version = ? WHERE id = ? AND row_version = ?",
                        (outcome, json.dumps(data), at, user_id, user_id, task[self.task_column["row_version"]] + 1,
                         task[0], task[self.task_column["row_version"]]))

    def _touch(self, case_id: int, at: str) -> None:
        self.db.execute("UPDATE flow_links SET pending = 1, changed_at = ?, revision = revision + 1 "
                        "WHERE case_id = ?", (at, case_id))

    @staticmethod
    def _steps(index: int) -> list[tuple[str, str]]:
        steps = [("penerimaan", "petugas_layanan"), ("pengolahan", "operator"), ("verifikasi", "subkoor_piak")]
        if returned(index):
            steps += [("pengolahan", "operator"), ("verifikasi", "subkoor_piak")]
        return steps + [("tte", "kepala_dinas"), ("cetak", "sistem"), ("penyerahan", "petugas_layanan")]

    def _open_case(self) -> tuple[int, int]:
        """Opening the case (in the caller's transaction); returns (case id, its first task's id)."""
        db, at = self.db, self._now()
        self.serial += 1
        seq = self._next_number("__case__")
        case_id = db.execute(
            "INSERT INTO cases (number, receipt_code, office_id, standard_version_id, standard_id, status, "
            "applicant, answers, received_at, sla_mark, sla_level, row_version, audit_seq) "
            "VALUES (?, ?, ?, ?, ?, 'open', ?, '{}', ?, '', 0, 1, 0)",
            (f"FLOOR-2026-{seq:06d}", f"F{self.serial:09d}", OFFICE, self.version_id, STANDARD,
             json.dumps(SAMPLE_APPLICANT), at)).lastrowid
        db.executemany("INSERT INTO case_requirements (case_id, requirement_id, received, received_at) "
                       "VALUES (?, ?, 1, ?)", [(case_id, r, at) for r in REQUIREMENTS])
        db.execute("INSERT INTO flow_links (case_id, flow_name, state, pending, revision, changed_at, attempts) "
                   "VALUES (?, ?, 'new', 1, 1, ?, 0)", (case_id, STANDARD, at))
        task_id = self._task(case_id, 1, "penerimaan", "intake", "petugas_layanan", at, None)
        self._events(case_id, (None, 0), [(None, at, None, "pemohon", "case_opened",
                                           {"standard": STANDARD, "version": "1"}),
                                          (task_id, at, None, "sistem", "task_created", {"role": "petugas_layanan"})])
        return case_id, task_id

    def _step(self, case_id: int, task_id: int, steps: list, n: int, progress: dict) -> int | None:
        """Step ``n`` of the case (in the caller's transaction); returns the next task's id."""
        db, at = self.db, self._now()
        step, role = steps[n]
        username = None if role == "sistem" else f"{OFFICE}.{role}"
        user_id = self.users.get(username)
        task, case = self._begin_step(task_id, username)
        self._finish_step(task, user_id, at, {"uraian": "Data diolah"} if step == "pengolahan" else {})
        events = [(task_id, at, user_id, username or "sistem", "task_completed",
                   {"step": step, "action": "approve"})]
        if step == "penerimaan":  # the clock starts: due date on the case and its open tasks
            progress["due"] = due = at
            db.execute("UPDATE cases SET clock_started_at = ?, due_at = ?, sla_next_at = ?, row_version = ? "
                       "WHERE id = ? AND row_version = ?", (at, due, due, case[0] + 1, case_id, case[0]))
            events.append((None, at, None, "sistem", "clock_started", {"due_at": due}))
        if step == "tte":  # number, the letter, its signature
            number = self._next_number("400.12")
            db.execute("INSERT INTO products (case_id, product_id, office_id, series, year, seq, number, "
                       "issued_at) VALUES (?, 'surat_keterangan', ?, '400.12', ?, ?, ?, ?)",
                       (case_id, OFFICE, int(at[:4]), number, f"400.12/{number:04d}/X/{at[:4]}", at))
            db.execute("SELECT step_id, data FROM tasks WHERE case_id = ? AND status = 'done' ORDER BY seq",
                       (case_id,)).fetchall()
            digest = hashlib.sha256(self.LETTER.encode()).hexdigest()
            doc = db.execute("INSERT INTO documents (case_id, product_id, media_type, content, sha256, "
                             "created_at) VALUES (?, 'surat_keterangan', 'text/html', ?, ?, ?)",
                             (case_id, self.LETTER, digest, at)).lastrowid
            db.execute("UPDATE documents SET signed_by = ?, signed_at = ?, verify_code = ? WHERE id = ?",
                       (user_id, at, f"V{doc:011d}", doc))
            events += [(None, at, None, "sistem", "product_issued", {"number": number}),
                       (None, at, None, "sistem", "document_rendered", {"sha256": digest}),
                       (None, at, user_id, username, "document_signed", {"sha256": digest})]
        if step == "cetak":
            db.execute("SELECT product_id, number FROM products WHERE case_id = ?", (case_id,)).fetchall()
            db.execute("SELECT id, sha256 FROM documents WHERE case_id = ? AND product_id = ? "
                       "ORDER BY id DESC LIMIT 1", (case_id, "surat_keterangan")).fetchall()
        following = None
        if n + 1 < len(steps):
            next_step, next_role = steps[n + 1]
            following = self._task(case_id, n + 2, next_step, "form", next_role, at, progress.get("due"))
            events.append((following, at, None, "sistem", "task_created", {"role": next_role}))
        else:  # the hand-over closes the case
            db.execute("UPDATE products SET handed_over_at = ? WHERE case_id = ?", (at, case_id))
            db.execute("UPDATE cases SET status = 'done', closed_at = ?, sla_next_at = NULL, row_version = ? "
                       "WHERE id = ?", (at, case[0] + 1, case_id))
            events += [(None, at, user_id, username, "products_handed_over", {}),
                       (None, at, None, "sistem", "case_closed", {"status": "done"})]
        self._touch(case_id, at)
        self._events(case_id, case[1:], events)
        return following

    def run_case(self, index: int) -> int:
        case_id, task_id = self.groups.alone(self._open_case)
        steps, progress = self._steps(index), {}
        for n in range(len(steps)):
            task_id = self.groups.alone(lambda: self._step(case_id, task_id, steps, n, progress))
        return sum(role != "sistem" for _step, role in steps)

    async def run_case_async(self, index: int) -> int:
        """The same through ``groups``: the officers' steps submitted at one moment share a transaction,
        each in a savepoint; the automated step commits alone, as layanan's (Prefect's task) does."""
        case_id, task_id = await self.groups.run(self._open_case)
        steps, progress = self._steps(index), {}
        for n, (_step, role) in enumerate(steps):
            def work(task_id=task_id, n=n):
                return self._step(case_id, task_id, steps, n, progress)
            task_id = self.groups.alone(work) if role == "sistem" else await self.groups.run(work)
        return sum(role != "sistem" for _step, role in steps)


# ----------------------------------------------------------------------------------------- SpiffWorkflow


class SpiffRunner:
    """The same procedure as BPMN on SpiffWorkflow 3, its state serialized to SQLite after every step.
    ``run_case_async`` submits each step to ``DriverGroups``, which commits the steps submitted at the same
    moment together, as layanan's ``_async`` actions are (the peer gets the same group commit)."""

    def __init__(self, path: Path):
        from SpiffWorkflow.bpmn.parser import BpmnParser
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer

        parser = BpmnParser()
        parser.add_bpmn_file(str(DATA / "bench-surat.bpmn"))
        self.spec = parser.get_spec("bench_surat")
        self.serializer = BpmnWorkflowSerializer()
        self.db = sqlite3.connect(path, isolation_level=None)
        # The same durability settings as layanan's case store.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS workflows (id INTEGER PRIMARY KEY, state TEXT NOT NULL, "
                        "done INTEGER)")
        self.groups = DriverGroups(self.db)

    def _open(self) -> int:
        from SpiffWorkflow.bpmn import BpmnWorkflow

        workflow = BpmnWorkflow(self.spec)
        workflow.do_engine_steps()
        return self.db.execute("INSERT INTO workflows (state, done) VALUES (?, 0)",
                               (self.serializer.serialize_json(workflow),)).lastrowid

    def _step(self, workflow_id: int, return_once: bool, state: dict) -> bool:
        """One officer's step inside the caller's transaction: read, deserialize, run, serialize, write."""
        from SpiffWorkflow.util.task import TaskState

        (text,) = self.db.execute("SELECT state FROM workflows WHERE id = ?", (workflow_id,)).fetchone()
        workflow = self.serializer.deserialize_json(text)
        task = workflow.get_next_task(state=TaskState.READY, manual=True)
        if task is None:
            return False
        if task.task_spec.name == "verifikasi":
            task.data["keputusan"] = "perbaiki" if return_once and not state.get("returned") else "setuju"
            state["returned"] = state.get("returned") or task.data["keputusan"] == "perbaiki"
        elif task.task_spec.name == "pengolahan":
            task.data["uraian"] = "Data diolah"
        task.run()
        workflow.do_engine_steps()  # runs the print script task
        self.db.execute("UPDATE workflows SET state = ?, done = ? WHERE id = ?",
                        (self.serializer.serialize_json(workflow), int(workflow.is_completed()), workflow_id))
        state["human"] = state.get("human", 0) + 1
        return True

    def run_case(self, index: int) -> int:
        workflow_id, state = self.groups.alone(self._open), {}
        while self.groups.alone(lambda: self._step(workflow_id, returned(index), state)):
            pass
        return state["human"]

    async def run_case_async(self, index: int) -> int:
        workflow_id, state = await self.groups.run(self._open), {}
        while await self.groups.run(lambda: self._step(workflow_id, returned(index), state)):
            pass
        return state["human"]


class DriverGroups:
    """Group commit for the peer and the floor, the same as layanan's (engine/cases/batch.py): the steps
    submitted at one turn of the event loop run in one transaction, each in a savepoint, and one commit
    answers them all."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.waiting: list = []
        self.scheduled = False
        self.groups = self.units = 0

    def alone(self, work):
        """One unit in a transaction of its own (one officer at a time, or the automated step)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            result = work()
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return result

    async def run(self, work):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.append((work, future))
        if not self.scheduled:
            self.scheduled = True
            loop.call_soon(self._run_group)
        return await future

    def _run_group(self) -> None:
        group, self.waiting, self.scheduled = self.waiting, [], False
        self.groups, self.units = self.groups + 1, self.units + len(group)
        answers = []
        self.db.execute("BEGIN IMMEDIATE")
        for work, future in group:
            self.db.execute("SAVEPOINT unit")
            try:
                answers.append((future, work(), None))
            except Exception as exc:
                self.db.execute("ROLLBACK TO SAVEPOINT unit")
                answers.append((future, None, exc))
            self.db.execute("RELEASE SAVEPOINT unit")
        self.db.execute("COMMIT")
        for future, result, error in answers:
            future.set_result(result) if error is None else future.set_exception(error)


class NarrowHeadFloor(FloorRunner):
    """The floor with each case's chain head in a narrow table of its own (case id, hash, length, seal)
    instead of the wide case row: one more primary-key read per step, a narrow row written instead of the
    case row. Measured against the floor by ``--only floorheads`` (a design question of issue 18)."""

    def __init__(self, service: CaseService):
        super().__init__(service)
        self.db.execute("CREATE TABLE IF NOT EXISTS case_heads (case_id INTEGER PRIMARY KEY, hash TEXT, "
                        "seq INTEGER NOT NULL, seal TEXT)")

    def _events(self, case_id: int, head: tuple, rows: list[tuple]) -> None:
        found = self.db.execute("SELECT hash, seq FROM case_heads WHERE case_id = ?", (case_id,)).fetchone()
        last, seq = (found[0], found[1]) if found else (chain.GENESIS, 0)
        chained = []
        for task_id, at, actor_id, actor, kind, data in rows:
            digest = chain.link(last, chain.canonical([case_id, task_id, at, actor_id, actor, kind, data]), self.key)
            seq += 1
            chained.append((case_id, seq, task_id, at, actor_id, actor, kind, json.dumps(data), last, digest))
            last = digest
        seal = chain.seal(chain.chain_name(case_id), seq, last, self.key)
        self.db.execute("INSERT INTO case_heads VALUES (?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET "
                        "hash = excluded.hash, seq = excluded.seq, seal = excluded.seal", (case_id, last, seq, seal))
        self.db.executemany("INSERT INTO events (case_id, seq, task_id, at, actor_id, actor, kind, data, "
                            "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chained)


def _one_at_a_time(runners, cases: int) -> dict:
    """{name: [completions, seconds]} of each runner's cases one at a time, after a warm-up (imports, caches,
    first statements), alternating in small rounds so that none of them gets a quieter machine."""
    for _name, runner in runners:
        for i in range(5):
            runner.run_case(10_000 + i)
    totals = {name: [0, 0.0] for name, _runner in runners}
    for first in range(0, cases, 25):
        for name, runner in runners:
            start = time.perf_counter()
            for i in range(first, min(cases, first + 25)):
                totals[name][0] += runner.run_case(i)
            totals[name][1] += time.perf_counter() - start
    return totals


def bench_floor_heads(cases: int, officers: int) -> None:
    runners = (("head in the case row", FloorRunner(fresh_service("floor-case-row"))),
               ("head in a narrow table", NarrowHeadFloor(fresh_service("floor-narrow"))))
    totals = _one_at_a_time(runners, cases)
    print(f"\n== The floor's chain head: in the case row or in a narrow table, one officer at a time ({cases} cases)")
    _print_rates(totals, {name: name for name, _runner in runners})
    totals = {name: [0, 0.0] for name, _runner in runners}
    for first in range(0, cases, 4 * officers):
        count = min(4 * officers, cases - first)
        for name, runner in runners:
            start = time.perf_counter()
            totals[name][0] += _officers_at_once(runner, count, 30_000 + first, officers)
            totals[name][1] += time.perf_counter() - start
    print(f"\n== The same, {officers} officers at the same time")
    _print_rates(totals, {name: name for name, _runner in runners})


def bench_completions(cases: int, officers: int) -> None:
    try:
        spiff = SpiffRunner(WORK / "spiff.db")
    except ImportError as exc:
        sys.exit(f"SpiffWorkflow is not installed ({exc}): .venv/bin/pip install -e '.[bench]'")
    layanan = LayananRunner(fresh_service("completions"))
    floor = FloorRunner(fresh_service("floor"))
    runners = (("layanan", layanan), ("SpiffWorkflow", spiff), ("floor", floor))
    totals = _one_at_a_time(runners, cases)
    print(f"\n== Durable human-step completions on SQLite, one officer at a time ({cases} cases, "
          f"{sum(returned(i) for i in range(cases))} returned once; one commit per step)")
    rates = _print_rates(totals, {"layanan": "layanan", "SpiffWorkflow": "SpiffWorkflow",
                                  "floor": "floor: layanan's rows, no engine"})
    print(f"  layanan / SpiffWorkflow = {rates['layanan'] / rates['SpiffWorkflow']:.2f}x (goal: at least 5x); "
          f"the floor / SpiffWorkflow = {rates['floor'] / rates['SpiffWorkflow']:.2f}x; "
          f"layanan / the floor = {rates['layanan'] / rates['floor']:.2f}x")

    # Officers at the same time, as on the web application: the steps submitted at one turn of the event
    # loop are committed together, each in a savepoint (layanan's _async actions; the peer the same).
    concurrent = (("layanan", layanan, layanan.service.batch), ("SpiffWorkflow", spiff, spiff.groups),
                  ("floor", floor, floor.groups))
    for _name, runner, _groups in concurrent:
        _officers_at_once(runner, 2 * officers, 30_000, officers)
    totals = {name: [0, 0.0] for name, _runner, _groups in concurrent}
    sizes = {name: [0, 0] for name, _runner, _groups in concurrent}
    for first in range(0, cases, 4 * officers):
        count = min(4 * officers, cases - first)
        for name, runner, groups in concurrent:
            before = (groups.groups, groups.units)
            start = time.perf_counter()
            totals[name][0] += _officers_at_once(runner, count, first, officers)
            totals[name][1] += time.perf_counter() - start
            sizes[name][0] += groups.groups - before[0]
            sizes[name][1] += groups.units - before[1]
    print(f"\n== The same, {officers} officers at the same time (group commit: the steps submitted together "
          f"share one transaction, each in a savepoint)")
    rates = _print_rates(totals, {"layanan": "layanan", "SpiffWorkflow": "SpiffWorkflow",
                                  "floor": "floor: layanan's rows, no engine"})
    print("  steps per transaction: " + ", ".join(f"{name} {units / max(1, count):.1f}"
                                                 for name, (count, units) in sizes.items()))
    print(f"  layanan / SpiffWorkflow = {rates['layanan'] / rates['SpiffWorkflow']:.2f}x (goal: at least 5x); "
          f"the floor / SpiffWorkflow = {rates['floor'] / rates['SpiffWorkflow']:.2f}x; "
          f"layanan / the floor = {rates['layanan'] / rates['floor']:.2f}x")

    watcher = LayananRunner(layanan.service, watch=True)
    for i in range(min(cases, 100)):
        watcher.run_case(20_000 + i)
    print_latency("step completed -> next officer's worklist page", watcher.latencies,
                  f"{2 * cases + 2 * officers + 105} cases in the store")


def _print_rates(totals: dict, titles: dict) -> dict:
    rates = {}
    for name, (completions, seconds) in totals.items():
        rates[name] = completions / seconds
        print(f"  {titles[name]:33} {completions:6d} completions in {seconds:6.2f} s = {rates[name]:7.1f} per "
              f"second ({1000 * seconds / completions:.2f} ms each)")
    return rates


def _officers_at_once(runner, cases: int, first: int, officers: int) -> int:
    """``officers`` officers working at once, each taking the next case when theirs is closed; returns the
    human completions."""
    async def office() -> int:
        waiting = iter(range(first, first + cases))
        done = [0]

        async def officer():
            for index in waiting:
                completed = await runner.run_case_async(index)
                done[0] += completed

        await asyncio.gather(*(officer() for _ in range(officers)))
        return done[0]

    return asyncio.run(office())


def print_latency(title: str, samples: list[float], context: str) -> None:
    ms = [1000 * s for s in samples]
    print(f"  {title} ({context}, {len(ms)} steps): p50 {percentile(ms, .5):.1f} ms, "
          f"p95 {percentile(ms, .95):.1f} ms, max {max(ms):.1f} ms (goal: p95 under 20 ms)")


# ------------------------------------------------------------------------------------------------ Prefect


def bench_prefect(cases: int, rounds: int) -> None:
    """layanan's cases and the two bare baselines, interleaved in ``rounds`` rounds of ``cases`` each (the
    machine and Prefect's ephemeral server drift; medians of the rounds are the figures)."""
    import asyncio

    import httpx

    from engine.orchestration import tuning
    from engine.orchestration.orchestrator import Orchestrator, shared_clients

    requests: list[str] = []
    statuses: list[int] = []
    original_send = httpx.AsyncClient.send

    async def counting_send(self, request, *args, **kwargs):
        requests.append(f"{request.method} {UUID.sub('{id}', request.url.path)}")
        response = await original_send(self, request, *args, **kwargs)
        statuses.append(response.status_code)
        return response

    httpx.AsyncClient.send = counting_send

    from prefect import flow, task
    from prefect.exceptions import Pause
    from prefect.flow_engine import run_flow_async
    from prefect.flow_runs import suspend_flow_run

    @task(name="langkah", persist_result=False)
    def bare_step(case_id: int, step: int) -> int:
        return step

    # The bench procedure's six steps, each a sync task run in a worker thread, with the same flow options
    # and the same shared clients as layanan's flows (engine/orchestration/flows.py, orchestrator.py).
    @flow(name="bench-bare", persist_result=False, result_storage=tuning.result_storage())
    async def bare_flow(case_id: int) -> None:
        for step in range(6):
            await asyncio.to_thread(bare_step, case_id, step)

    progress: dict[int, int] = {}

    @flow(name="bench-bare-wait", persist_result=False, result_storage=tuning.result_storage())
    async def bare_waiting_flow(case_id: int) -> None:
        """The same six tasks, suspended once after the fifth (the print) until it is resumed, as a case
        waits for the hand-over; a resumed run starts from the top and skips the tasks it ran."""
        first = progress.get(case_id, 0)
        for step in range(first, 6):
            await asyncio.to_thread(bare_step, case_id, step)
            progress[case_id] = step + 1
            if step == 4:
                await suspend_flow_run(timeout=None, key=f"serah-{case_id}")

    service = fresh_service("prefect")
    runner = LayananRunner(service)
    orchestrator = Orchestrator(service)
    deployment = {}

    def officers_until_waiting(case_ids: list[int], index0: int) -> None:
        """Officers work every case until it waits for the system or is closed (no Prefect involved)."""
        for n, case_id in enumerate(case_ids):
            state, task = {}, runner.next_task(case_id)
            while task is not None and task[2] != "sistem":
                task = runner.step(case_id, task, returned(index0 + n), state)

    async def run_layanan(count: int, index0: int) -> tuple[float, float, object]:
        case_ids = [runner.open()[0] for _ in range(count)]
        officer_time, prefect_time = 0.0, 0.0
        total = None
        for _ in range(10):
            start = time.perf_counter()
            officers_until_waiting(case_ids, index0)
            officer_time += time.perf_counter() - start
            start = time.perf_counter()
            summary = await orchestrator.run(until_idle=True, poll_seconds=0.1, max_passes=20)
            prefect_time += time.perf_counter() - start
            total = summary if total is None else _add(total, summary)
            if all(runner.next_task(c) is None for c in case_ids):
                break
        return officer_time, prefect_time, total

    async def run_bare(count: int) -> float:
        start = time.perf_counter()
        async with shared_clients():
            for i in range(count):
                await bare_flow(i)
        return time.perf_counter() - start

    async def run_bare_deployed(count: int) -> float:
        """The bare flow as layanan runs its flows: each run created from a deployment (only such runs can
        suspend), then executed in-process; Prefect watches such runs for suspension with a thread."""
        start = time.perf_counter()
        async with shared_clients() as client:
            if not deployment:
                flow_id = await client.create_flow_from_name("bench-bare")
                deployment["id"] = await client.create_deployment(flow_id=flow_id, name="bench",
                                                                  entrypoint="bench/engine.py:bare_flow")
            runs = [await client.create_flow_run_from_deployment(deployment["id"], parameters={"case_id": i})
                    for i in range(count)]  # created first, back to back, as the orchestrator does
            for i, flow_run in enumerate(runs):
                await run_flow_async(bare_flow, flow_run=flow_run, parameters={"case_id": i}, return_type="state")
        return time.perf_counter() - start

    async def run_bare_waiting(count: int, first_id: int) -> float:
        """Deployment runs of the waiting flow: created back to back, executed until they suspend, then
        resumed and executed to the end, as the orchestrator does with layanan's runs."""
        start = time.perf_counter()
        async with shared_clients() as client:
            if "wait" not in deployment:
                flow_id = await client.create_flow_from_name("bench-bare-wait")
                deployment["wait"] = await client.create_deployment(
                    flow_id=flow_id, name="bench", entrypoint="bench/engine.py:bare_waiting_flow")
            ids = range(first_id, first_id + count)
            runs = [await client.create_flow_run_from_deployment(deployment["wait"], parameters={"case_id": i})
                    for i in ids]
            for i, flow_run in zip(ids, runs):
                try:
                    await run_flow_async(bare_waiting_flow, flow_run=flow_run, parameters={"case_id": i},
                                         return_type="state")
                except Pause:
                    pass
            for flow_run in runs:  # all resumed first, then executed, as the orchestrator does
                await client.resume_flow_run(flow_run.id)
            for i, flow_run in zip(ids, runs):
                await run_flow_async(bare_waiting_flow, flow_run=await client.read_flow_run(flow_run.id),
                                     parameters={"case_id": i}, return_type="state")
        return time.perf_counter() - start

    async def main():
        import prefect

        from prefect.settings import get_current_settings

        database = get_current_settings().server.database.connection_url
        backend = "PostgreSQL" if database and "postgresql" in database.get_secret_value() else "SQLite"
        print(f"\n== Prefect's share ({rounds} rounds of {cases} cases; Prefect {prefect.__version__}, ephemeral API "
              f"on {backend})")
        start = time.perf_counter()
        await run_layanan(2, 50_000)  # warm-up: the ephemeral API server starts, deployments are created
        await run_bare(2)
        await run_bare_deployed(2)
        await run_bare_waiting(2, 90_000)
        print(f"  warm-up (Prefect start, database, first runs): {time.perf_counter() - start:.1f} s")
        per_case = {"layanan": [], "bare": [], "deployed": [], "waiting": [], "officers": []}
        made = {"layanan": [], "bare": []}
        retried = {"layanan": 0, "bare": 0}
        summary = None
        for r in range(rounds):
            requests.clear(), statuses.clear()
            officer_time, prefect_time, part = await run_layanan(cases, r * cases)
            made["layanan"] += requests
            retried["layanan"] += statuses.count(503)
            summary = part if summary is None else _add(summary, part)
            requests.clear(), statuses.clear()
            bare_time = await run_bare(cases)
            made["bare"] += requests
            retried["bare"] += statuses.count(503)
            deployed_time = await run_bare_deployed(cases)
            waiting_time = await run_bare_waiting(cases, r * cases)
            for key, seconds in (("layanan", prefect_time), ("bare", bare_time), ("deployed", deployed_time),
                                 ("waiting", waiting_time), ("officers", officer_time)):
                per_case[key].append(1000 * seconds / cases)
        n = rounds * cases
        median = {key: statistics.median(values) for key, values in per_case.items()}
        executions = summary.suspended + summary.completed
        print(f"  layanan: {n} flow runs created ({summary.created}), {executions} executions "
              f"({executions / n:.1f} per case: one per wait for an officer after Prefect's turn), "
              f"{summary.resumed} resumed, {summary.failed} failed")
        print(f"  API requests per case: layanan {len(made['layanan']) / n:.1f}, bare flow "
              f"{len(made['bare']) / n:.1f}; answered 503 (\"database is locked\", retried after ~2 s): "
              f"layanan {retried['layanan']}, bare {retried['bare']}")
        print(f"  officers' steps in the case store: {median['officers']:.1f} ms per case (never waits for Prefect)")
        for key, title in (("layanan", "layanan, Prefect catching up"), ("bare", "bare flow, 6 tasks, called"),
                           ("deployed", "bare flow, 6 tasks, deployment run"),
                           ("waiting", "the same, suspended once and resumed")):
            rounds_text = " ".join(f"{v:.0f}" for v in per_case[key])
            print(f"  {title:38} {median[key]:6.0f} ms per case (median of rounds: {rounds_text})")
        print(f"  layanan / bare flow called = {median['layanan'] / median['bare']:.2f}x (goal: within 1.25x); "
              f"/ as a deployment run = {median['layanan'] / median['deployed']:.2f}x; / suspended once = "
              f"{median['layanan'] / median['waiting']:.2f}x")
        print(f"  Prefect alone: a deployment run = {median['deployed'] / median['bare']:.2f}x the called flow, "
              f"suspended once = {median['waiting'] / median['bare']:.2f}x")
        for name, listing in made.items():
            counts = {}
            for r in listing:
                counts[r] = counts.get(r, 0) + 1
            print(f"  {name} requests per case: " + ", ".join(
                f"{path} {c / n:.1f}" for path, c in sorted(counts.items(), key=lambda kv: -kv[1])))

    asyncio.run(main())
    httpx.AsyncClient.send = original_send


def _add(a, b):
    for key in ("created", "resumed", "restarted", "suspended", "completed", "failed"):
        setattr(a, key, getattr(a, key) + getattr(b, key))
    a.errors += b.errors
    return a


# ------------------------------------------------------------------------------------------------- memory


def bench_memory(open_cases: int) -> None:
    service = fresh_service("memory")
    runner = LayananRunner(service, watch=True)
    print(f"\n== {open_cases} open cases (each waiting for the operator's step) in SQLite")
    print(f"  {'open cases':>10} {'RSS MiB':>8} {'ms/open':>8} {'worklist ms':>12} {'db MiB':>7}")
    batch = max(1000, open_cases // 10)
    opened, rss = 0, []
    while opened < open_cases:
        count = min(batch, open_cases - opened)
        start = time.perf_counter()
        for _ in range(count):
            service.open_case(STANDARD, dict(SAMPLE_APPLICANT), requirements=REQUIREMENTS,
                              actor=f"{OFFICE}.petugas_layanan")
        per_open = 1000 * (time.perf_counter() - start) / count
        opened += count
        samples = []
        for _ in range(20):
            start = time.perf_counter()
            worklist(service.store, office=OFFICE, roles=["operator"])
            samples.append(1000 * (time.perf_counter() - start))
        rss.append(rss_mib())
        size = (WORK / "memory.db").stat().st_size / 2**20
        print(f"  {opened:>10} {rss[-1]:>8.0f} {per_open:>8.2f} {statistics.median(samples):>12.1f} {size:>7.0f}")
    print(f"  RSS grew {rss[-1] - rss[0]:+.0f} MiB from {batch} to {opened} open cases")
    for i in range(40):
        runner.run_case(i)
    print_latency("step completed -> next officer's worklist page", runner.latencies, f"{open_cases} open cases")


def bench_pages(cases: int) -> None:
    """Each transaction's WAL frames, read back from the log: SQLite appends one frame per page a commit
    changed, with the page's number, so the pages are named by the table or index they belong to (dbstat).
    Checkpoints are off while it counts, so the log only grows."""
    import collections
    import struct

    service = fresh_service("pages")
    path = service.store.url.removeprefix("sqlite:///")
    runner = LayananRunner(service)
    for i in range(5):
        runner.run_case(10_000 + i)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with service.store.transaction() as conn:  # the engine's writer: no checkpoint while counting
        conn.connection.dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")
    wal, frame = Path(path + "-wal"), 24 + db.execute("PRAGMA page_size").fetchone()[0]
    counted: dict[str, list] = collections.defaultdict(list)
    pages: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def counting(name, action):
        def run(*args, **kwargs):
            start = wal.stat().st_size if wal.exists() else 0
            result = action(*args, **kwargs)
            data = wal.read_bytes()
            numbers = [struct.unpack(">I", data[at:at + 4])[0] for at in range(max(32, start), len(data), frame)]
            owners = dict((number, owner) for owner, number in db.execute("SELECT name, pageno FROM dbstat"))
            counted[name].append(len(numbers))
            pages[name].update(owners.get(number, "?") for number in numbers)
            return result
        return run

    for name in ("open_case", "complete", "run_automated"):
        setattr(service, name, counting(name, getattr(service, name)))
    for i in range(cases):
        runner.run_case(i)
    print(f"\n== Pages written to SQLite's log per transaction ({cases} cases)")
    for name, frames in counted.items():
        top = ", ".join(f"{owner} {n / len(frames):.2f}" for owner, n in pages[name].most_common(8))
        print(f"  {name:14} {sum(frames) / len(frames):5.1f} pages ({len(frames)} transactions): {top}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--officers", type=int, default=16, help="officers at the same time (completions)")
    parser.add_argument("--prefect-cases", type=int, default=10, help="cases per round")
    parser.add_argument("--prefect-rounds", type=int, default=4)
    parser.add_argument("--open-cases", type=int, default=100_000)
    parser.add_argument("--only", default="completions,prefect,memory")
    parser.add_argument("--keep-db", help="copy the database with the open cases here (bench/web.py --db reuses it)")
    args = parser.parse_args()
    print(f"layanan engine bench; scratch files in {WORK}; Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    try:
        parts = args.only.split(",")
        if "completions" in parts:
            bench_completions(args.cases, args.officers)
        if "floorheads" in parts:
            bench_floor_heads(args.cases, args.officers)
        if "prefect" in parts:
            bench_prefect(args.prefect_cases, args.prefect_rounds)
        if "pages" in parts:
            bench_pages(min(args.cases, 50))
        if "memory" in parts:
            bench_memory(args.open_cases)
            if args.keep_db:
                shutil.copy(WORK / "memory.db", args.keep_db)
                print(f"  database kept: {args.keep_db}")
    finally:
        shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
