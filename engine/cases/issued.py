"""What a case issues and what its steps' effects write: product numbers, rendered documents, signatures,
the hand-over, and the automated steps' actions. Module functions over a transaction of the case engine
(engine/cases/txn.py); CaseService calls them, and a step kind's ``on_approve`` names them through
``EFFECTS`` (engine/cases/effects.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select

from engine.access.policy import Actor
from engine.errors import InvalidInput
from engine.standard.flow import SYSTEM_ROLE, evaluate
from engine.store.models import Document, Product, Task
from engine.store.prepared import Prepared

from engine.store.tokens import case_tokens

from . import documents, finding, numbering
from .frozen import calendar_for, thaw
from .txn import Record, Txn

PRODUCTS, DOCUMENTS, TASKS = Product.__table__, Document.__table__, Task.__table__

_PRODUCT_NUMBERS = Prepared(select(PRODUCTS.c.product_id, PRODUCTS.c.number)
                            .where(PRODUCTS.c.case_id == bindparam("case")))


_LATEST_DOCUMENT = Prepared(select(DOCUMENTS.c.id, DOCUMENTS.c.sha256)
                            .where(DOCUMENTS.c.case_id == bindparam("case"),
                                   DOCUMENTS.c.product_id == bindparam("product"))
                            .order_by(DOCUMENTS.c.id.desc()).limit(1))


_DONE_STEPS = Prepared(select(TASKS.c.step_id, TASKS.c.data)
                       .where(TASKS.c.case_id == bindparam("case"), TASKS.c.status == "done").order_by(TASKS.c.seq))


_HAND_OVER = Prepared(PRODUCTS.update().where(PRODUCTS.c.case_id == bindparam("case"),
                                               PRODUCTS.c.product_id == bindparam("product"),
                                               PRODUCTS.c.handed_over_at.is_(None))
                      .values(handed_over_at=bindparam("at")))


def standard_of(txn: Txn, case: Record):
    return thaw(txn.version(case.standard_version_id))


def calendar_of(txn: Txn, case: Record):
    return calendar_for(txn.version(case.standard_version_id), case.unit_id)


def record_event(txn: Txn, case: Record | None, kind: str, actor: str, at: datetime, user: Actor | None,
           task: Record | None = None, **data) -> None:
    if task is not None:
        data.setdefault("step", task.step_id)
    txn.event(case.id if case else None, task.id if task else None, kind, actor, user.id if user else None,
              at, data)


def _issue_numbers(txn: Txn, case: Record, step: dict, at: datetime) -> dict:
    return {"numbers": issue_numbers(txn, case, at)}


def _render_documents(txn: Txn, case: Record, step: dict, at: datetime) -> dict:
    issue_numbers(txn, case, at)
    return {"documents": [product_id for product_id, _doc in render_all(txn, case, at)]}


def _notify_applicant(txn: Txn, case: Record, step: dict, at: datetime) -> dict:
    message = step.get("message") or "Permohonan Anda telah selesai diproses."
    record_event(txn, case, "applicant_notified", SYSTEM_ROLE, at, None, message=message, channel=case.channel,
                 to_email=bool(case.applicant.get("email")), to_phone=bool(case.applicant.get("phone")))
    return {"notified": True}


# What an automated step's ``action`` does, by name (the schema lists the same names).
AUTOMATED = {"issue_numbers": _issue_numbers, "render_documents": _render_documents,
             "notify_applicant": _notify_applicant}


def perform(txn: Txn, case: Record, step: dict, at: datetime) -> dict:
    """Carry out an automated step's action; its result is recorded with the task."""
    act = AUTOMATED.get(step.get("action"))
    return act(txn, case, step, at) if act else {}


def products_of(txn: Txn, case: Record, refusals: bool = False) -> list[dict]:
    """The products of this case's variant, channel and answers; a refusal letter only when asked."""
    standard = standard_of(txn, case)
    return [p for p in standard.products
            if evaluate(p.get("when"), case.variant, case.channel, case.answers) is not False
            and (p["id"] in standard.refusal_documents) == refusals]


def issue_numbers(txn: Txn, case: Record, at: datetime, only=None, refusals: bool = False) -> dict:
    """Number the case's products not numbered yet (``only``: these of them); returns {product id: number}
    of all the case's issued products."""
    issued = dict(_PRODUCT_NUMBERS.rows(txn.conn, case=case.id))
    office = standard_of(txn, case).office.data
    local = at.astimezone(calendar_of(txn, case).tz)
    for product in products_of(txn, case, refusals):
        if product["id"] in issued or (only is not None and product["id"] not in only):
            continue
        row = {"case_id": case.id, "product_id": product["id"], "office_id": case.office_id, "issued_at": at,
               "series": None, "year": None, "seq": None, "number": None}
        if product.get("numbered", True):
            series = product.get("code") or product["id"]
            row.update(series=series, year=local.year,
                       seq=numbering.next_in_series(txn.conn, case.office_id, series, local.year))
            row["number"] = numbering.product_number(product, office, row["seq"], local)
        txn.insert_many(PRODUCTS, [row])
        if row["number"]:
            finding.index(txn, case.id, case.office_id, case_tokens({}, row["number"], None))
        issued[product["id"]] = row["number"]
        record_event(txn, case, "product_issued", SYSTEM_ROLE, at, None, product=product["id"],
                    number=row["number"])
    return issued


def render_all(txn: Txn, case: Record, at: datetime) -> list[tuple[str, tuple]]:
    return [(p["id"], document(txn, case, p["id"], at)) for p in products_of(txn, case)]


def document(txn: Txn, case: Record, product_id: str, at: datetime) -> tuple[int, str]:
    """The product's rendered document, (id, SHA-256): the latest one, or rendered now."""
    existing = _LATEST_DOCUMENT.first(txn.conn, case=case.id, product=product_id)
    if existing is not None:
        return tuple(existing)
    return render_document(txn, case, product_id, at)


def render_document(txn: Txn, case: Record, product_id: str, at: datetime, *,
                    signature: dict | None = None) -> tuple[int, str]:
    """Render the product's document now (with its signer's block when ``signature`` is given) and store
    it as the product's latest; (id, SHA-256)."""
    standard = standard_of(txn, case)
    refusal = product_id in standard.refusal_documents
    numbers = issue_numbers(txn, case, at, only={product_id} if refusal else None, refusals=refusal)
    product = next(p for p in standard.products if p["id"] == product_id)
    txn.flush()  # the step being completed now is part of the document's data
    steps = dict(_DONE_STEPS.rows(txn.conn, case=case.id))
    local = at.astimezone(calendar_of(txn, case).tz)
    html, digest = documents.render(product.get("template"), documents.context(
        standard, product, numbers.get(product_id), case, steps, local.date(), signature))
    doc_id = txn.insert(DOCUMENTS, {"case_id": case.id, "product_id": product_id, "media_type": "text/html",
                                    "content": html, "sha256": digest, "created_at": at})
    record_event(txn, case, "document_rendered", SYSTEM_ROLE, at, None, product=product_id, sha256=digest)
    return doc_id, digest


def hand_over(txn: Txn, case: Record, task: Record, step: dict, user: Actor | None, actor: str,
                at: datetime) -> None:
    """Hand over the products this step lists (``products``; without a list, every product of the case):
    only those are issued (numbered, when numbered) and recorded as handed over, so a case that took
    another path never shows the products of this one."""
    applicable = [p["id"] for p in products_of(txn, case)]
    listed = [p for p in step.get("products") or applicable if p in applicable]
    issue_numbers(txn, case, at, only=set(listed))
    for product_id in listed:
        _HAND_OVER.run(txn.conn, case=case.id, at=at, product=product_id)
    record_event(txn, case, "products_handed_over", actor, at, user, task=task, products=listed)


def issue_refusal(txn: Txn, case: Record, task: Record, step: dict, user: Actor | None, actor: str,
                  at: datetime) -> None:
    """A rejection whose outcome names a ``document`` (a refusal letter): that product is numbered, rendered
    when it has a template, and handed over with the notice of the rejection."""
    product_id = ((step.get("outcomes") or {}).get(task.outcome) or {}).get("document")
    if not product_id:
        return
    issue_numbers(txn, case, at, only={product_id}, refusals=True)
    product = next(p for p in standard_of(txn, case).products if p["id"] == product_id)
    if product.get("template"):
        render_document(txn, case, product_id, at)
    _HAND_OVER.run(txn.conn, case=case.id, at=at, product=product_id)
    record_event(txn, case, "products_handed_over", actor, at, user, task=task, products=[product_id])


# ------------------------------------------------------------------ payment (engine/standard/kinds/payment.py)

RECEIPT = "bukti_pembayaran"  # the receipt of payment's template (forms/) and its document's product id


def assess_fee(txn: Txn, case: Record, task: Record, step: dict, user: Actor | None, actor: str,
               at: datetime) -> None:
    amount = (task.data or {}).get("jumlah")
    if amount is None:
        raise InvalidInput("jumlah biaya wajib diisi untuk menetapkan biaya", "data.jumlah")
    record_event(txn, case, "fee_assessed", actor, at, user, task=task, amount=amount)


def record_payment(txn: Txn, case: Record, task: Record, step: dict, user: Actor | None, actor: str,
                   at: datetime) -> None:
    data = task.data or {}
    reference = (data.get("referensi") or "").strip()
    if not reference:
        raise InvalidInput("nomor referensi pembayaran wajib diisi", "data.referensi")
    standard = standard_of(txn, case)
    amount = data.get("jumlah")
    if amount is None:  # the variant's fee, or the sum of the tariff items that apply to this application
        amount = standard.fee_total(case.variant, case.channel, case.answers or {}) or 0
    record_event(txn, case, "payment_received", actor, at, user, task=task, amount=amount, reference=reference)
    local = at.astimezone(calendar_of(txn, case).tz)
    html, digest = documents.render(RECEIPT, {
        "office": standard.office.data, "standard": standard.data, "product": {"id": RECEIPT, "name": "Tanda Bukti Pembayaran"},
        "number": None, "case": {"number": case.number, "received_at": case.received_at.date()},
        "applicant": case.applicant, "payment": {"amount": amount, "reference": reference}, "date": local.date(),
        "signature": None,
    })
    txn.insert(DOCUMENTS, {"case_id": case.id, "product_id": RECEIPT, "media_type": "text/html", "content": html,
                           "sha256": digest, "created_at": at})
    record_event(txn, case, "document_rendered", SYSTEM_ROLE, at, None, product=RECEIPT, sha256=digest)
