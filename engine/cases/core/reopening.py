"""Whether a closed case may be reopened by its applicant, or rated (pure: the standard and the facts).

A standard with ``reopen: {within: {working_days: N}, step: S}`` lets the applicant reopen a case closed as
done for N working days after it closed, with a reason; the case goes back to step S. A standard with
``rating: true`` lets the applicant rate the handling once, after the case closed."""

from __future__ import annotations

from typing import NamedTuple

from engine.errors import Conflict, InvalidInput

from .state import CLOSED_STATUSES

MAX_TEXT = 2000
RATINGS = {1: "Sangat tidak puas", 2: "Tidak puas", 3: "Puas", 4: "Sangat puas"}


class Reopen(NamedTuple):
    step: str


def reopen(standard_doc: dict, status: str, working_days_since_closing: int | None, reason: str) -> Reopen:
    settings = standard_doc.get("reopen") or {}
    if not settings:
        raise InvalidInput("layanan ini tidak dapat dibuka kembali; ajukan pengaduan baru", "reason")
    if status != "done":
        raise Conflict("hanya kasus yang sudah selesai yang dapat dibuka kembali", "reason")
    within = settings["within"]["working_days"]
    if working_days_since_closing is None or working_days_since_closing > within:
        raise Conflict(f"batas membuka kembali {within} hari kerja setelah selesai sudah lewat; ajukan pengaduan "
                       "baru", "reason")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("tulis mengapa kasus dibuka kembali", "reason")
    if len(reason) > MAX_TEXT:
        raise InvalidInput(f"alasan paling banyak {MAX_TEXT} karakter", "reason")
    return Reopen(settings["step"])


def rating(standard_doc: dict, status: str, rated_before: bool, score, comment: str | None) -> tuple[int, str]:
    if not standard_doc.get("rating"):
        raise InvalidInput("layanan ini tidak meminta penilaian", "score")
    if status not in CLOSED_STATUSES:
        raise Conflict("penilaian diberikan setelah kasus selesai", "score")
    if rated_before:
        raise Conflict("penilaian untuk kasus ini sudah diberikan; terima kasih", "score")
    try:
        value = int(str(score))
    except ValueError:
        value = 0
    if value not in RATINGS:
        raise InvalidInput("pilih nilai 1 sampai 4", "score")
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise InvalidInput(f"komentar paling banyak {MAX_TEXT} karakter", "comment")
    return value, comment
