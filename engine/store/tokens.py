"""The words a case is found by, folded so that what an officer types meets what was recorded: lower
case, accents dropped, only letters, digits and the separators of numbers (``. / -``). Pure text; the
case store keeps the tokens (models.CaseToken), engine/cases/finding.py searches them."""

from __future__ import annotations

import re
import unicodedata

MAX_TOKEN = 120
MAX_TERMS = 8
MAX_QUERY = 300  # characters; a longer "search" is not one (pasted text): it finds nothing
_WORD = re.compile(r"[a-z0-9]+")
_TERM = re.compile(r"[a-z0-9./-]+")
# Every character a token may hold sorts below this one: "term" <= token < "term~" is "starts with".
TOKEN_END = "~"


def fold(text) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def case_tokens(applicant: dict, number: str | None, receipt_code: str | None) -> list[str]:
    """Tokens of a case: the NIK, each word of the applicant's name, the case number (whole and its last
    part, the sequence), the receipt code; a product number is passed as ``number`` with no applicant."""
    tokens = []
    nik = "".join(ch for ch in str(applicant.get("nik") or "") if ch.isdigit())
    if nik:
        tokens.append(nik)
    tokens += _WORD.findall(fold(applicant.get("name")))
    if number:
        whole = "".join(_TERM.findall(fold(number)))
        tokens.append(whole)
        last = re.split(r"[./-]", whole)[-1]
        if last and last != whole:
            tokens.append(last)
    if receipt_code:
        tokens.append("".join(_TERM.findall(fold(receipt_code))))
    return [t[:MAX_TOKEN] for t in dict.fromkeys(tokens) if t]


def query_terms(text) -> list[str] | None:
    """The terms of a search as tokens' beginnings, or None when the text cannot be a search (too long).
    Quotes, wildcards and other marks are only separators here."""
    text = str(text or "")
    if len(text) > MAX_QUERY:
        return None
    terms = []
    for word in fold(text).split():
        terms += [t[:MAX_TOKEN] for t in _TERM.findall(word) if t.strip("./-")]
    return list(dict.fromkeys(terms))[:MAX_TERMS]
