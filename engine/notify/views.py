"""What officers see of the notifications: each message of a case with its delivery, and the failed
ones across an office. Recipients are shown masked (an officer needs to know which channel failed, not to
read the address)."""

from __future__ import annotations

from sqlalchemy import select

from engine.store.db import Store
from engine.store.models import Case, Notification

STATUS_LABELS = {"pending": "menunggu dikirim", "sent": "terkirim", "failed": "gagal", "held": "ditahan"}
CHANNEL_LABELS = {"email": "surel", "sms": "SMS", "whatsapp": "WhatsApp"}
CAUSE_LABELS = {"received": "permohonan diterima", "returned": "dikembalikan untuk diperbaiki",
                "ready": "pemberitahuan layanan", "rejected": "permohonan ditolak", "signed": "dokumen ditandatangani",
                "pin": "PIN unduh dokumen", "code": "kode akun"}


def mask(recipient: str) -> str:
    if "@" in recipient:
        name, _, domain = recipient.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{recipient[:4]}****{recipient[-2:]}" if len(recipient) > 6 else "****"


def _row(n: Notification, number: str | None = None) -> dict:
    return {"id": n.id, "case_number": number, "channel": CHANNEL_LABELS.get(n.channel, n.channel),
            "recipient": mask(n.recipient), "cause": CAUSE_LABELS.get(n.cause, n.cause),
            "status": n.status, "status_label": STATUS_LABELS.get(n.status, n.status), "attempts": n.attempts,
            "created_at": n.created_at, "sent_at": n.sent_at, "last_error": n.last_error,
            "can_resend": n.status in ("failed", "held")}


def case_messages(store: Store, case_id: int) -> list[dict]:
    with store.read() as s:
        return [_row(n) for n in s.scalars(select(Notification).where(Notification.case_id == case_id)
                                           .order_by(Notification.id))]


def failed_messages(store: Store, office_id: str | None = None) -> list[dict]:
    with store.read() as s:
        query = (select(Notification, Case.number).outerjoin(Case, Case.id == Notification.case_id)
                 .where(Notification.status.in_(("failed", "held"))).order_by(Notification.id.desc()).limit(500))
        if office_id is not None:
            query = query.where(Notification.office_id == office_id)
        return [_row(n, number) for n, number in s.execute(query)]
