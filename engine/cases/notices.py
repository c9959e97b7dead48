"""What a case's events tell its applicant, written into the notification outbox (the ``notifications``
table) in the same transaction as the events themselves: a notice exists exactly when its event does, and
the notifier (engine/notify/) delivers it afterwards, retrying until it is sent or shown as failed.

Each notice is data: the event kind it answers, when it applies, and its Indonesian text. The messages carry
no more personal data than needed: the service, the case number, the officer's reason where the applicant
must act on it, and a link; never a NIK or a name. A signed product's notice makes its download link, and
its PIN goes out as a separate message (by SMS or WhatsApp when configured, else a second e-mail); the PIN
and the link's token are kept in the outbox row only until delivery (``secret``), and as digests for good.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from engine.store.models import Case, DownloadLink, Notification

from .frozen import thaw

NOTIFICATIONS, LINKS, CASES = Notification.__table__, DownloadLink.__table__, Case.__table__
LINK_DAYS = 30  # a download link (with its PIN) works this long; the account keeps the product for good
SECRET_SLOT = "{rahasia}"  # where the notifier puts the secret when it sends the message
PHONE_CHANNELS = ("sms", "whatsapp")


@dataclass(frozen=True)
class Notice:
    cause: str
    applies: Callable[[dict], bool]
    subject: str
    text: Callable[[dict], str]  # the message, from the context (title, number, code, url, reason, message...)


def _returned(event: dict) -> bool:
    return event["data"].get("action") == "return_to_applicant"


NOTICES: dict[str, Notice] = {
    "case_opened": Notice(
        "received", lambda e: e["actor"] == "pemohon", "Permohonan diterima",
        lambda c: (f"Permohonan {c['title']} Anda telah kami terima dengan nomor {c['number']}. "
                   f"Ikuti perkembangannya di {c['status_url']}")),
    "task_completed": Notice(
        "returned", _returned, "Permohonan perlu diperbaiki",
        lambda c: (f"Permohonan {c['title']} nomor {c['number']} dikembalikan untuk diperbaiki. "
                   f"Alasan: {c['reason'] or '-'}. {c['returned']}Perbaiki melalui {c['status_url']}")),
    "applicant_notified": Notice(
        "ready", lambda e: True, "Pemberitahuan layanan",
        lambda c: f"{c['message']} (Permohonan {c['title']} nomor {c['number']}; {c['status_url']})"),
    "case_closed": Notice(
        "rejected", lambda e: e["data"].get("status") == "rejected", "Permohonan tidak dapat dipenuhi",
        lambda c: (f"Permohonan {c['title']} nomor {c['number']} tidak dapat dipenuhi. "
                   f"Alasan: {c['reason'] or '-'}. Keterangan dan pengaduan: {c['status_url']}")),
    "document_signed": Notice(
        "signed", lambda e: True, "Dokumen Anda sudah ditandatangani",
        lambda c: (f"Dokumen {c['product']} untuk permohonan nomor {c['number']} sudah ditandatangani secara "
                   f"elektronik. Unduh di {c['url']}/unduh/{SECRET_SLOT} dengan PIN yang kami kirim terpisah. "
                   f"Cetak pada kertas A4 biasa; kode QR di dalamnya menggantikan tanda tangan basah dan cap.")),
}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def write(txn, events: list[dict]) -> None:
    """Outbox rows for the events of this transaction that tell the applicant something."""
    for event in events:
        notice = NOTICES.get(event["kind"])
        if notice is None or event["case_id"] is None or not notice.applies(event):
            continue
        case = txn.get(CASES, event["case_id"])
        contacts = _contacts(case.applicant or {}, txn.notify_channels)
        if not contacts:
            continue
        context = _context(txn, case, event, events)
        secret = None
        if notice.cause == "signed":
            secret, pin = _download_link(txn, case, event)
            _pin_messages(txn, case, event, contacts, pin)
        text = notice.text(context)
        for channel, recipient in contacts:
            _insert(txn, case, event, channel, recipient, notice.subject, text, notice.cause, secret)


def _contacts(applicant: dict, channels: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    if applicant.get("email") and "email" in channels:
        found.append(("email", applicant["email"]))
    for channel in PHONE_CHANNELS:
        if applicant.get("phone") and channel in channels:
            found.append((channel, applicant["phone"]))
    return found


def _context(txn, case, event: dict, events: list[dict]) -> dict:
    version = txn.version(case.standard_version_id)
    document = version.document
    standard = thaw(version) if version.kind == "standard" else None  # a bundle has no products of its own
    data = event["data"]
    products = standard.products if standard else []
    product = next((p.get("name") for p in products if p["id"] == data.get("product")), data.get("product"))
    returned = [r for e in events if e["kind"] == "requirements_returned" and e["case_id"] == case.id
                for r in e["data"].get("returned", ())]
    names = {r["id"]: r["name"] for r in standard.requirements(case.variant, case.channel, case.answers or {})} \
        if standard else {}
    return {"title": document.get("title") or case.standard_id, "number": case.number, "url": txn.public_url,
            "status_url": f"{txn.public_url}/status/{case.receipt_code}", "reason": data.get("reason"),
            "message": data.get("message") or "", "product": product or "",
            "returned": ("Unggah ulang: " + "; ".join(names.get(r, r) for r in returned) + ". ") if returned else ""}


def _download_link(txn, case, event: dict) -> tuple[str, str]:
    """A download link for the signed product (its token and PIN, returned for the messages; kept as
    digests). A newer signature of the same product makes a new link; the older one leads to the newer
    document all the same (the link names the product, not a version)."""
    token, pin = secrets.token_urlsafe(24), f"{secrets.randbelow(10 ** 6):06d}"
    at = event["at"]
    txn.insert(LINKS, {"token_hash": digest(token), "case_id": case.id, "product_id": event["data"].get("product"),
                       "pin_hash": digest(f"{token}:{pin}"), "failures": 0, "locked_until": None,
                       "created_at": at, "expires_at": at + timedelta(days=LINK_DAYS), "downloads": 0,
                       "detail": None})
    return token, pin


def _pin_messages(txn, case, event: dict, contacts, pin: str) -> None:
    """The PIN travels apart from the link: by phone when a phone channel is configured, else by e-mail."""
    phones = [c for c in contacts if c[0] in PHONE_CHANNELS]
    text = (f"PIN untuk mengunduh dokumen permohonan nomor {case.number}: {SECRET_SLOT}. "
            f"Jangan berikan PIN ini kepada siapa pun.")
    for channel, recipient in phones or contacts[:1]:
        _insert(txn, case, event, channel, recipient, "PIN unduh dokumen", text, "pin", pin)


def _insert(txn, case, event: dict, channel: str, recipient: str, subject: str, body: str, cause: str,
            secret: str | None) -> None:
    at: datetime = event["at"]
    txn.insert(NOTIFICATIONS, {
        "key": secrets.token_hex(16), "case_id": case.id, "office_id": case.office_id, "channel": channel,
        "recipient": recipient, "subject": subject, "body": body, "secret": secret, "cause": cause,
        "status": "pending", "attempts": 0, "created_at": at, "next_attempt_at": at, "claimed_until": None,
        "sent_at": None, "last_error": None, "row_version": 1})
