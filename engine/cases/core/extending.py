"""The extension of a case's time limit, decided from the standard and the facts (pure): a standard with
``extension: {working_days: 7, times: 1, role: kepala_dinas}`` lets an officer of that role extend a running
case's due date by that much, that many times, with a reason ("petugas pengaduan dapat memperpanjang waktu
paling lambat 7 (tujuh) hari kerja")."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import Conflict, InvalidInput
from engine.standard.durations import Duration

from .state import CLOSED_STATUSES

MAX_REASON = 2000


@dataclass(frozen=True)
class Extension:
    duration: Duration
    reason: str
    number: int  # 1 for the first extension


def extend(standard_doc: dict, *, status: str, due_at, used: int, reason: str) -> Extension:
    """Who may extend is the access policy's rule ``case.extend`` (the standard's ``extension.role``)."""
    settings = standard_doc.get("extension")
    if not isinstance(settings, dict) or Duration.of(settings) is None:
        raise Conflict("standar layanan ini tidak mengatur perpanjangan jangka waktu", "extension")
    if status in CLOSED_STATUSES:
        raise Conflict("kasus sudah selesai; jangka waktunya tidak dapat diperpanjang", "extension")
    if due_at is None:
        raise Conflict("jangka waktu kasus belum berjalan (berkas belum lengkap) atau tidak berbatas", "extension")
    times = int(settings.get("times", 1))
    if used >= times:
        raise Conflict(f"jangka waktu sudah diperpanjang {used} kali (paling banyak {times} kali)", "extension")
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput("alasan perpanjangan wajib diisi: dibaca pemohon", "reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"alasan terlalu panjang (paling banyak {MAX_REASON} karakter)", "reason")
    return Extension(Duration.of(settings), reason, used + 1)
