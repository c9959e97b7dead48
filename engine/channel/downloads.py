"""The signed product for the applicant: from their account (their own case, no PIN), or from the link
with a PIN that the notification sent (engine/cases/notices.py made both when the document was signed).

A wrong PIN is counted on the link and recorded in the case's history (``download_refused``, in the audit
chain); after PIN_TRIES wrong ones in a row the link is locked for LOCK_MINUTES, and the log says so (with
the link's id, never the PIN or the person). An expired link says it is expired and where the product is
(the account). Each download is recorded (``product_downloaded``)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select

from engine.errors import Forbidden, InvalidInput, NotFound
from engine.store.audit_writer import append_events
from engine.store.db import Store
from engine.store.models import Document, DownloadLink

PIN_TRIES = 5
LOCK_MINUTES = 15
log = logging.getLogger("layanan.download")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def signed_documents(store: Store, case_id: int) -> list[dict]:
    """The case's products as signed, newest version of each (what the applicant may download)."""
    with store.read() as s:
        rows = s.execute(select(Document.id, Document.product_id, Document.signed_at)
                         .where(Document.case_id == case_id, Document.signed_at.is_not(None))
                         .order_by(Document.id)).all()
    latest = {}
    for doc_id, product_id, signed_at in rows:
        latest[product_id] = {"document_id": doc_id, "product_id": product_id, "signed_at": signed_at}
    return list(latest.values())


def link_state(store: Store, token: str, at: datetime) -> DownloadLink:
    """The link of this token, usable now; NotFound or Forbidden in words otherwise."""
    with store.read() as s:
        link = s.scalar(select(DownloadLink).where(DownloadLink.token_hash == _digest(str(token)[:100])))
    if link is None:
        raise NotFound("tautan unduh tidak dikenal; periksa kembali tautan pada pesan yang Anda terima", "token")
    if link.expires_at <= at:
        raise Forbidden("tautan unduh sudah kedaluwarsa; dokumen tetap tersedia di akun layanan daring Anda",
                        "token")
    if link.locked_until is not None and link.locked_until > at:
        minutes = max(1, -(-int((link.locked_until - at).total_seconds()) // 60))  # rounded up
        raise Forbidden(f"terlalu banyak PIN salah; tautan dikunci, coba lagi dalam {minutes} menit", "pin")
    return link


def open_with_pin(store: Store, token: str, pin: str, at: datetime) -> tuple[int, str]:
    """(document id, product id) of the link's product when the PIN is right."""
    link = link_state(store, token, at)
    pin = str(pin or "").strip()[:12]
    right = secrets.compare_digest(link.pin_hash, _digest(f"{token}:{pin}"))
    with store.write() as s:
        row = s.get(DownloadLink, link.id, with_for_update=True)
        if not right:
            row.failures += 1
            locked = row.failures >= PIN_TRIES
            if locked:
                row.locked_until, row.failures = at + timedelta(minutes=LOCK_MINUTES), 0
                log.warning("download link %s locked after %s wrong PINs", row.id, PIN_TRIES)
            append_events(s, [{"case_id": row.case_id, "task_id": None, "kind": "download_refused",
                               "actor": "pemohon", "actor_id": None, "at": at,
                               "data": {"link": row.id, "locked": locked}}])
        else:
            row.failures = 0
            row.downloads += 1
            doc_id = s.scalar(select(Document.id).where(
                Document.case_id == row.case_id, Document.product_id == row.product_id,
                Document.signed_at.is_not(None)).order_by(Document.id.desc()).limit(1))
            append_events(s, [{"case_id": row.case_id, "task_id": None, "kind": "product_downloaded",
                               "actor": "pemohon", "actor_id": None, "at": at,
                               "data": {"product": row.product_id, "via": "tautan"}}])
    if not right:
        raise InvalidInput("PIN salah", "pin")
    if doc_id is None:
        raise NotFound("dokumen belum tersedia", "token")
    return doc_id, link.product_id


def record_account_download(store: Store, case_id: int, product_id: str, at: datetime) -> None:
    with store.write() as s:
        append_events(s, [{"case_id": case_id, "task_id": None, "kind": "product_downloaded", "actor": "pemohon",
                           "actor_id": None, "at": at, "data": {"product": product_id, "via": "akun"}}])
