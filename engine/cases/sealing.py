"""The signed product as PDF, sealed with the office's certificate (engine/signing.py), made once.

The officer's signature is the step's transaction (engine/cases/signature.py): it fixes the document's
HTML and records its SHA-256. The PDF is rendered from that HTML and sealed on first need (the first
download), outside any transaction, since rendering and sealing take a few hundred milliseconds that no
other officer should wait for; it is then stored with its SHA-256, which the verification page compares,
and the sealing is recorded in the case's history (``document_sealed``). Two first downloads at once both
seal, the first stored wins, and both get the same stored file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import undefer

from engine.errors import NotFound
from engine.pdf import html_to_pdf
from engine.signing import Seal, seal_pdf
from engine.store.audit_writer import append_events
from engine.store.db import Store
from engine.store.models import Case, Document, Office, User

from .actions import now
from .signature import with_qr


@dataclass(frozen=True)
class Signed:
    """A signed document as the verification page shows it (no applicant's data)."""
    document_id: int
    product_id: str
    case_number: str
    office: str
    signer: str
    signer_position: str | None
    signed_at: datetime
    pdf_sha256: str | None
    replaced_at: datetime | None = None  # a newer signed document of the same product replaced it: no longer valid
    timezone: str = "Asia/Jakarta"  # the office's: the page prints its times in it


def sealed_pdf(store: Store, document_id: int, seal: Seal, *, assets: Path | None = None,
               at: datetime | None = None) -> bytes:
    with store.read() as s:
        doc = s.scalar(select(Document).options(undefer(Document.pdf)).where(Document.id == document_id))
        if doc is None or doc.signed_at is None:
            raise NotFound("dokumen bertanda tangan tidak ditemukan", "document")
        if doc.pdf is not None:
            return doc.pdf
        html, product_id, case_id = doc.content, doc.product_id, doc.case_id
        signer = s.scalar(select(User.full_name).where(User.id == doc.signed_by)) or "-"
        office = s.scalar(select(Office.name).join(Case, Case.office_id == Office.id).where(Case.id == case_id))
    pdf = seal_pdf(html_to_pdf(with_qr(html), assets=assets), seal, signer_name=signer,
                   reason=f"Tanda tangan elektronik {product_id}", location=office or "-")
    digest = hashlib.sha256(pdf).hexdigest()
    with store.write() as s:
        row = s.scalar(select(Document).options(undefer(Document.pdf)).where(Document.id == document_id)
                       .with_for_update())
        if row.pdf is not None:
            return row.pdf  # sealed by another request meanwhile: one file, one record
        row.pdf, row.pdf_sha256 = pdf, digest
        append_events(s, [{"case_id": case_id, "task_id": None, "kind": "document_sealed", "actor": "sistem",
                           "actor_id": None, "at": at or now(),
                           "data": {"product": product_id, "pdf_sha256": digest, "demo_certificate": seal.demo}}])
    return pdf


def signed_by_code(store: Store, code: str) -> Signed | None:
    if not isinstance(code, str) or not 8 <= len(code) <= 24 or not code.isalnum():
        return None
    with store.read() as s:
        row = s.execute(select(Document.id, Document.product_id, Document.signed_at, Document.pdf_sha256,
                               Case.number, Office.name, User.full_name, User.position, Office.timezone)
                        .join(Case, Case.id == Document.case_id).join(Office, Office.id == Case.office_id)
                        .outerjoin(User, User.id == Document.signed_by)
                        .where(Document.verify_code == code.upper(), Document.signed_at.is_not(None))).first()
        if row is None:
            return None
        newer = s.scalar(select(Document.signed_at).where(
            Document.case_id == select(Document.case_id).where(Document.id == row[0]).scalar_subquery(),
            Document.product_id == row[1], Document.signed_at.is_not(None), Document.id > row[0])
            .order_by(Document.id).limit(1))
    return Signed(row[0], row[1], row[4], row[5], row[6] or "-", row[7], row[2], row[3], newer, row[8])
