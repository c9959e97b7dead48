"""Handing a departed or absent officer's work on: the admin of their office moves every task the officer
holds to a colleague of the same role, or back to the role's shared worklist. Each move is recorded in the
case's history (``task_reassigned`` or ``task_released``), with who moved it and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.access import policy
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.store.models import Task, User, UserRole

from . import fields
from .actions import action, now
from .issued import record_event
from .txn import Txn

TASKS = Task.__table__


class TaskReassignment:
    """The part of CaseService that moves officers' tasks between people (runs in a unit of work)."""

    def held_tasks(self, username: str) -> list[int]:
        """The ids of the tasks this officer has taken and not finished."""
        with self.store.read() as s:
            user_id = s.scalar(select(User.id).where(User.username == username))
            if user_id is None:
                return []
            return list(s.scalars(select(Task.id).where(Task.assignee_id == user_id, Task.status == "claimed")
                                  .order_by(Task.id)))

    @action
    def reassign_tasks(self, admin: str, holder: str, to: str | None, *, reason: str,
                       at: datetime | None = None) -> int:
        """Move every task ``holder`` has taken to ``to`` (who must hold each task's role in the same office)
        or, with ``to`` None, back to the role's worklist. All or nothing; returns how many moved."""
        at = at or now()
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("alasan pengalihan wajib diisi", "reason")
        if len(reason) > fields.MAX_REASON or fields.CONTROL.search(reason):
            raise InvalidInput("alasan terlalu panjang atau memuat karakter kendali", "reason")

        def work(txn: Txn):
            by, _ = self._directory_actor(txn, admin)
            source, _ = self._directory_actor(txn, holder, field="holder")
            policy.check(by, "users.manage", policy.Target(office_id=source.office_id))
            target = None
            if to:
                target, active = self._directory_actor(txn, to, field="to")
                if not active:
                    raise InvalidInput(f"{to} tidak aktif; pilih petugas yang aktif", "to")
                if target.office_id != source.office_id:
                    raise Forbidden(f"{to} bukan petugas kantor yang sama", "to")
                if target.username == source.username:
                    raise InvalidInput("pilih petugas lain", "to")
            ids = txn.execute(select(TASKS.c.id).where(TASKS.c.assignee_id == source.id,
                                                       TASKS.c.status == "claimed").order_by(TASKS.c.id)).scalars().all()
            moved = 0
            for task_id in ids:
                task, case = self._open_task(txn, task_id)
                if target is not None and task.role not in target.roles:
                    role = self._standard(txn, case).office.role_name(task.role)
                    raise InvalidInput(f"{to} tidak memegang peran {role} (tugas {task_id}); pilih petugas "
                                       "dengan peran itu, atau kembalikan ke daftar kerja", "to")
                if target is None:
                    task.status, task.assignee_id, task.claimed_at = "open", None, None
                    record_event(txn, case, "task_released", by.username, at, by, task=task,
                                 holder=source.username, reason=reason)
                else:
                    task.assignee_id, task.claimed_at = target.id, at
                    record_event(txn, case, "task_reassigned", by.username, at, by, task=task,
                                 holder=source.username, to=target.username, to_id=target.id, reason=reason)
                moved += 1
            txn.finish()
            return moved

        return work

    reassign_tasks_async = reassign_tasks.batched

    @staticmethod
    def _directory_actor(txn: Txn, username: str, field: str = "as") -> tuple[policy.Actor, bool]:
        """The user as the policy sees them, and whether they are active."""
        row = txn.execute(select(User.id, User.office_id, User.active, User.is_admin, User.is_auditor)
                          .where(User.username == username)).first()
        if row is None:
            raise NotFound(f"pengguna '{username}' tidak dikenal", field)
        roles = frozenset(txn.execute(select(UserRole.role_id).where(UserRole.user_id == row[0])).scalars())
        return policy.Actor(username, row[1], roles, bool(row[3]), bool(row[4]), id=row[0]), bool(row[2])
