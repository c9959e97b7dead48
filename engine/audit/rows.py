"""Whether a case's row and its tasks' rows say what its history says (engine.cases.core.state.replay):
an edit of the ``cases`` or ``tasks`` tables with no event behind it is named here."""

from __future__ import annotations

from engine.store import chain

CASE_FIELDS = (("status", "status"), ("due_at", "batas waktu"), ("closed_at", "waktu selesai"),
               ("close_reason", "alasan penutupan"), ("clock_started_at", "mulai jam layanan"),
               ("clock_paused_at", "jam layanan berhenti"), ("tier", "tingkat"))
TASK_FIELDS = (("seq", "urutan"), ("step_id", "langkah"), ("status", "status"), ("outcome", "hasil"),
               ("assignee_id", "petugas"), ("completed_by", "diselesaikan oleh"), ("completed_at", "waktu selesai"),
               ("note", "alasan"))


def mismatch(case_row, task_rows: list, state) -> str | None:
    """What the rows hold that the history does not explain (Indonesian), or None."""
    for column, label in CASE_FIELDS:
        if getattr(case_row, column) != getattr(state, column):
            return f"kolom {label} kasus tidak sesuai riwayatnya"
    by_id = {row.id: row for row in task_rows}
    if set(by_id) != set(state.tasks):
        extra = sorted(set(by_id) - set(state.tasks))
        return (f"tugas #{extra[0]} tidak ada dalam riwayat kasus" if extra
                else f"tugas #{sorted(set(state.tasks) - set(by_id))[0]} dari riwayat tidak ada")
    for task_id, task in state.tasks.items():
        row = by_id[task_id]
        values = {"seq": task.seq, "step_id": task.step, "status": task.status, "outcome": task.outcome,
                  "assignee_id": task.assignee, "completed_by": task.completed_by,
                  "completed_at": task.completed_at, "note": task.note}
        for column, label in TASK_FIELDS:
            if getattr(row, column) != values[column]:
                return f"kolom {label} tugas #{task_id} tidak sesuai riwayatnya"
        if task.data_sha256 is not None and chain.data_digest(row.data) != task.data_sha256:
            return f"isian tugas #{task_id} diubah setelah diselesaikan"
    return None
