"""Whose identity may be shown. A standard may keep its applicants' identity confidential (a complaint:
UU 25/2009 and Perpres 76/2013 oblige the operator to keep the complainant's identity confidential) always,
or when the applicant asks (the application's ``rahasia`` answer); only the roles it names see it, and
every look is recorded (``identity_viewed``). It may also accept applications with no identity at all
(``applicant.anonymous``).

    applicant: {anonymous: true, confidential: on_request, visible_to: [petugas_pengaduan]}
"""

from __future__ import annotations

HIDDEN = "(dirahasiakan)"
ASKED = "rahasia"  # the application's answer by which an applicant asks for confidentiality
IDENTITY = ("nik", "name", "address", "phone", "email", "birth_date", "sex")


def settings(standard_doc: dict | None) -> dict:
    return (standard_doc or {}).get("applicant") or {}


def is_confidential(standard_doc: dict | None, answers: dict | None) -> bool:
    mode = settings(standard_doc).get("confidential")
    return mode == "always" or (mode == "on_request" and bool((answers or {}).get(ASKED)))


def may_see(standard_doc: dict | None, answers: dict | None, roles) -> bool:
    """Whether someone holding ``roles`` (None: nobody in particular) sees the applicant's identity."""
    if not is_confidential(standard_doc, answers):
        return True
    allowed = set(settings(standard_doc).get("visible_to") or [])
    return bool(roles) and bool(allowed & set(roles))


def shown(applicant: dict | None, standard_doc: dict | None, answers: dict | None, roles) -> dict:
    """The applicant as this viewer may see it: hidden fields say so, and nothing of them is left."""
    applicant = dict(applicant or {})
    if may_see(standard_doc, answers, roles):
        return applicant
    return {key: HIDDEN for key in IDENTITY if applicant.get(key)} | {"hidden": True}


def searchable(applicant: dict | None, standard_doc: dict | None, answers: dict | None) -> dict:
    """What of the applicant the case list may index: nothing of a confidential one (finding it by name
    would tell that the person complained)."""
    return {} if is_confidential(standard_doc, answers) else dict(applicant or {})
