"""What the semantic checks share: text and list readers that never crash on a document with schema
errors, unique ids, references that resolve (with a suggestion for a misspelling), conditions and form
fields."""

from __future__ import annotations

import re

from .catalog import Document
from .diagnostics import suggest
from .flow import as_list

CHOICE_TYPES = {"choice", "multichoice"}
NUMBER_TYPES = {"number", "integer"}


def text_of(value):
    """A string value, or None: documents under validation may hold any type anywhere."""
    return value if isinstance(value, str) else None


def items_of(value) -> list:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def unique(doc: Document, entries, what: str, seen: dict | None = None) -> dict:
    """Report duplicate ids among (path, entry) pairs; returns id -> path of the first of each."""
    seen = {} if seen is None else seen
    for path, entry in entries:
        ident = entry.get("id")
        if not isinstance(ident, str):
            continue
        if ident in seen:
            first = doc.located.pos(seen[ident] + ("id",))
            doc.reporter.error(path + ("id",), f"id {what} '{ident}' sudah dipakai (baris {first.line})",
                               code="duplicate-id", at_value=True)
        else:
            seen[ident] = path
    return seen


def reference(doc: Document, path, value, known, what: str) -> bool:
    if not isinstance(value, str):
        return False
    if value in known:
        return True
    doc.reporter.error(path, f"{what} '{value}' tidak dikenal", code="unknown-reference",
                       suggestion=suggest(value, known), at_value=True)
    return False


class ConditionContext:
    def __init__(self, variant_ids, channel_ids, fields):
        self.variant_ids = variant_ids
        self.channel_ids = channel_ids
        self.fields = fields


def check_condition(doc: Document, condition, path, context: ConditionContext) -> None:
    if not isinstance(condition, dict):
        return
    for key, accepted in condition.items():
        values = as_list(accepted)
        if key == "variant":
            for i, value in enumerate(values):
                reference(doc, path + (key,) + ((i,) if isinstance(accepted, list) else ()), value,
                           context.variant_ids, "varian")
        elif key == "channel":
            for i, value in enumerate(values):
                reference(doc, path + (key,) + ((i,) if isinstance(accepted, list) else ()), value,
                           context.channel_ids, "kanal")
        elif key not in context.fields:
            known = ["variant", "channel"] + [k for k in context.fields if isinstance(k, str)]
            doc.reporter.error(path + (key,), f"syarat '{key}' tidak dikenal: gunakan variant, channel, id isian "
                               "di application.fields, atau langkah.isian / langkah.outcome dari langkah sebelumnya",
                               code="unknown-reference", suggestion=suggest(key, known))
        else:
            field = context.fields[key]
            if text_of(field.get("type")) in CHOICE_TYPES and isinstance(field.get("choices"), dict):
                for i, value in enumerate(values):
                    reference(doc, path + (key,) + ((i,) if isinstance(accepted, list) else ()), value,
                               list(field["choices"]), f"pilihan isian '{key}'")
            elif field.get("type") == "boolean" and not all(isinstance(v, bool) for v in values):
                doc.reporter.error(path + (key,), f"isian '{key}' bernilai true/false", code="type", at_value=True)


def check_fields(doc: Document, fields, path, context) -> None:
    items = items_of(fields)
    unique(doc, [(path + (i,), f) for i, f in items], "isian")
    for i, field in items:
        kind = text_of(field.get("type"))
        here = path + (i,)
        if kind in CHOICE_TYPES and "choices" not in field:
            doc.reporter.error(here, f"isian jenis {kind} memerlukan 'choices'", code="required")
        if kind not in CHOICE_TYPES and "choices" in field:
            doc.reporter.error(here + ("choices",), f"'choices' hanya untuk jenis choice/multichoice, bukan {kind}",
                               code="misplaced")
        for key in ("min", "max"):
            if key in field and kind not in NUMBER_TYPES | {"date"}:
                doc.reporter.error(here + (key,), f"'{key}' hanya untuk isian angka", code="misplaced")
        if "accept" in field and kind != "file":
            doc.reporter.error(here + ("accept",), "'accept' hanya untuk isian jenis file", code="misplaced")
        if isinstance(field.get("pattern"), str):
            try:
                re.compile(field["pattern"])
            except re.error as exc:
                doc.reporter.error(here + ("pattern",), f"ekspresi reguler tidak sah: {exc}", code="pattern",
                                   at_value=True)
        if isinstance(field.get("min"), (int, float)) and isinstance(field.get("max"), (int, float)):
            if field["min"] > field["max"]:
                doc.reporter.error(here + ("min",), "'min' lebih besar dari 'max'", code="range", at_value=True)
        if "when" in field:
            # A field may depend on another field of the same form (the hand-over's courier receipt number
            # on the way the product leaves); the engine checks it against the values submitted with it.
            siblings = {f["id"]: f for _j, f in items if f is not field and isinstance(f.get("id"), str)}
            local = ConditionContext(context.variant_ids, context.channel_ids, {**context.fields, **siblings})
            check_condition(doc, field["when"], here + ("when",), local)
