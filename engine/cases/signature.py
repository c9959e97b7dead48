"""The signature step's effect: the product signed by the officer, as an office sends it.

The document is rendered again with its signer (name, NIP, rank and position from the directory), the
moment of signing, and a verification code and link to the public verification page (its QR code is
drawn from that link when the document is shown or sealed, ``with_qr``);
that version is stored as the product's latest document, marked signed, and its SHA-256 recorded in the
history (``document_signed``); the signing page shows the draft beforehand (``preview``). The PDF sealed with the
office's certificate (engine/signing.py) is made from this HTML on first need, outside the transaction.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime


from markupsafe import Markup
from sqlalchemy import bindparam, select

from engine.access.policy import Actor
from engine.store.models import Document, User
from engine.store.prepared import Prepared

from .issued import calendar_of, products_of, record_event, render_document
from .txn import Record, Txn

DOCUMENTS, USERS = Document.__table__, User.__table__
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand
CODE_LENGTH = 12

_SIGNER = Prepared(select(USERS.c.full_name, USERS.c.nip, USERS.c.position, USERS.c.rank)
                   .where(USERS.c.id == bindparam("user")))
_SIGN = Prepared(DOCUMENTS.update().where(DOCUMENTS.c.id == bindparam("document"))
                 .values(signed_by=bindparam("by"), signed_at=bindparam("at"), verify_code=bindparam("code")))


def verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def verification_url(public_url: str, code: str) -> str:
    return f"{public_url}/verifikasi/{code}"


# The signed HTML holds the verification URL in an empty slot; the QR code is drawn from it when the
# document is shown or sealed (``with_qr``), outside the signing transaction: drawing one costs ~1.5 ms,
# three officers' steps, which no other officer should wait for behind the write lock.
_QR_SLOT = re.compile(r'<div class="qr" data-qr="(https?://[^"<>\s]+/verifikasi/[A-Z0-9]{8,24})"></div>')


def with_qr(html: str) -> str:
    """The document with its QR code drawn in its slot (a document without one is returned as it is)."""
    return _QR_SLOT.sub(lambda found: f'<div class="qr">{qr_svg(found.group(1))}</div>', html, count=1)


def qr_svg(text: str, title: str = "Kode QR verifikasi") -> Markup:
    """The QR code of ``text`` as inline SVG (segno; no image file, nothing the page's CSP refuses). One
    fixed mask pattern (any of the eight is valid; choosing the best costs 4.9 ms instead of 1.0 ms inside
    the signing transaction, bench/signing.py)."""
    import segno

    return Markup(segno.make_qr(text, error="m", mask=0).svg_inline(scale=3, border=2, title=title))


def preview(store, case_id: int, product_id: str, at: datetime) -> str:
    """The document as it would be signed now, rendered for the signer to read and stored nowhere (its
    number when one is issued already; the signed version is rendered in the signing transaction)."""
    from engine.store.models import Case, Product, Task

    from . import documents
    from .frozen import calendar_for, thaw

    with store.read() as s:
        case = s.get(Case, case_id)
        standard = thaw(case.standard_version)
        numbers = dict(s.execute(select(Product.product_id, Product.number).where(Product.case_id == case_id)).all())
        steps = dict(s.execute(select(Task.step_id, Task.data).where(Task.case_id == case_id, Task.status == "done")
                               .order_by(Task.seq)).all())
        local = at.astimezone(calendar_for(case.standard_version, case.unit_id).tz)
        product = next(p for p in standard.products if p["id"] == product_id)
        html, _digest = documents.render(product.get("template"), documents.context(
            standard, product, numbers.get(product_id), case, steps, local.date(), None))
    return html


def survey_token(txn: Txn, case: Record, at: datetime) -> str:
    """The token of the case's satisfaction-survey invitation (engine/survey/), made here when the signed
    letter is the first thing to carry it: the letter invites the applicant to rate the service."""
    from sqlalchemy import select

    from engine.store.models import SurveyInvitation

    table = SurveyInvitation.__table__
    token = txn.scalar(select(table.c.token).where(table.c.case_id == case.id))
    if token is None:
        token = secrets.token_urlsafe(16)
        txn.execute(table.insert().values(case_id=case.id, token=token, office_id=case.office_id,
                                          standard_id=case.standard_id, unit_id=case.unit_id, issued_at=at))
    return token


def sign(txn: Txn, case: Record, task: Record, step: dict, user: Actor | None, actor: str, at: datetime) -> None:
    product_id = step.get("document") or (products_of(txn, case) or [{}])[0].get("id")
    if product_id is None:
        return
    signer = _SIGNER.first(txn.conn, user=user.id) if user is not None else None
    code = verification_code()
    url = verification_url(txn.public_url, code)
    local = at.astimezone(calendar_of(txn, case).tz)
    signature = {"name": signer[0] if signer else actor, "nip": signer[1] if signer else None,
                 "position": signer[2] if signer else None, "rank": signer[3] if signer else None,
                 "date": local.date(), "time": local.strftime("%H.%M"), "code": code, "url": url,
                 "survey": f"{txn.public_url}/survei/{survey_token(txn, case, at)}"}
    doc_id, digest = render_document(txn, case, product_id, at, signature=signature)
    _SIGN.run(txn.conn, document=doc_id, by=user.id if user else None, at=at, code=code)
    record_event(txn, case, "document_signed", actor, at, user, product=product_id, sha256=digest)
