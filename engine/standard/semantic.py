"""Checks the JSON Schema cannot express: unique ids, references that resolve, a procedure whose every
step is reachable and whose every path ends, step kinds used consistently, SLA present and positive.

Every check is defensive: it runs on documents that may also have schema errors and must never crash.
"""

from __future__ import annotations

import re

from .catalog import Catalog, Document
from .diagnostics import suggest
from .flow import BUILTIN_ROLES, END, Procedure, as_list, combinations
from .kinds import APPLICANT, KINDS, kind_named, kind_of

CHOICE_TYPES = {"choice", "multichoice"}
NUMBER_TYPES = {"number", "integer"}


def _text(value):
    """A string value, or None: documents under validation may hold any type anywhere."""
    return value if isinstance(value, str) else None


def _items(value) -> list:
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def _unique(doc: Document, entries, what: str, seen: dict | None = None) -> dict:
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


def _reference(doc: Document, path, value, known, what: str) -> bool:
    if not isinstance(value, str):
        return False
    if value in known:
        return True
    doc.reporter.error(path, f"{what} '{value}' tidak dikenal", code="unknown-reference",
                       suggestion=suggest(value, known), at_value=True)
    return False


def check_document(doc: Document, catalog: Catalog) -> None:
    checker = {"office": check_office, "standard": check_standard, "bundle": check_bundle}.get(doc.kind)
    if checker:
        checker(doc, catalog)
    first = catalog.get(doc.kind, doc.id) if doc.id else None
    if first is not None and first is not doc:
        doc.reporter.error(("id",), f"id {doc.kind} '{doc.id}' sudah dipakai di {first.file}",
                           code="duplicate-id", at_value=True)


# ---------------------------------------------------------------------------------------------- office

def check_office(doc: Document, catalog: Catalog) -> None:
    data = doc.data
    roles = _items(data.get("roles"))
    role_ids = _unique(doc, [(("roles", i), r) for i, r in roles], "peran")
    for ident in role_ids:
        if ident in BUILTIN_ROLES:
            doc.reporter.error(role_ids[ident] + ("id",), f"'{ident}' adalah peran bawaan dan tidak boleh didefinisikan ulang",
                               code="reserved-id", at_value=True)
    for i, role in roles:
        if "reports_to" in role:
            _reference(doc, ("roles", i, "reports_to"), role["reports_to"], role_ids, "peran")
    _check_reporting_cycles(doc, roles)
    head = data.get("head")
    if isinstance(head, dict) and "role" in head:
        _reference(doc, ("head", "role"), head["role"], role_ids, "peran")
    _unique(doc, [(("units", i), u) for i, u in _items(data.get("units"))], "unit")
    calendar = data.get("calendar")
    if isinstance(calendar, dict):
        _check_calendar(doc, calendar, ("calendar",))
    for i, unit in _items(data.get("units")):
        if isinstance(unit.get("calendar"), dict):
            _check_calendar(doc, unit["calendar"], ("units", i, "calendar"))


def _check_reporting_cycles(doc: Document, roles) -> None:
    parent = {r.get("id"): _text(r.get("reports_to")) for _, r in roles if isinstance(r.get("id"), str)}
    for index, role in roles:
        seen, current = set(), role.get("id")
        while current in parent and current not in seen:
            seen.add(current)
            current = parent[current]
        if current == role.get("id") and current is not None:
            doc.reporter.error(("roles", index, "reports_to"), "garis pelaporan berputar kembali ke peran ini",
                               code="cycle", at_value=True)


def _check_calendar(doc: Document, calendar: dict, path) -> None:
    hours = calendar.get("office_hours")
    if isinstance(hours, dict):
        for day, span in hours.items():
            if isinstance(span, str) and re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", span):
                start, end = span.split("-")
                if start >= end:
                    doc.reporter.error(path + ("office_hours", day), f"jam mulai harus sebelum jam selesai ({span})",
                                       code="range", at_value=True)
    years = {}
    for i, decree in _items(calendar.get("decrees")):
        year = decree.get("year") if isinstance(decree.get("year"), int) else None
        if year is not None and year in years:
            doc.reporter.error(path + ("decrees", i, "year"), f"tahun {year} sudah didaftarkan", code="duplicate-id",
                               at_value=True)
        years[year] = i
        for j, day in _items(decree.get("days")):
            date = day.get("date")
            if isinstance(date, str) and isinstance(year, int) and not date.startswith(f"{year}-"):
                doc.reporter.error(path + ("decrees", i, "days", j, "date"), f"tanggal {date} bukan di tahun {year}",
                                   code="range", at_value=True)


# -------------------------------------------------------------------------------------------- standard

def check_standard(doc: Document, catalog: Catalog) -> None:
    data = doc.data
    office = None
    if "office" in data and _reference(doc, ("office",), data["office"], catalog.ids("office"), "kantor"):
        office = catalog.get("office", data["office"]).data
    role_ids = [r.get("id") for _, r in _items(office.get("roles"))] if office else None
    unit_ids = [u.get("id") for _, u in _items(office.get("units"))] if office else []
    for i, unit in enumerate(data.get("units") or []) if isinstance(data.get("units"), list) else []:
        if office:
            _reference(doc, ("units", i), unit, unit_ids, "unit kantor")

    channel_ids = list(_unique(doc, [(("channels", i), c) for i, c in _items(data.get("channels"))], "kanal"))
    variant_ids = list(_unique(doc, [(("variants", i), v) for i, v in _items(data.get("variants"))], "varian"))
    app_fields = data["application"].get("fields") if isinstance(data.get("application"), dict) else None
    fields = {f["id"]: f for _, f in _items(app_fields) if _text(f.get("id"))}
    context = _ConditionContext(variant_ids, channel_ids, fields)

    app = data.get("application")
    if isinstance(app, dict):
        _check_fields(doc, app.get("fields"), ("application", "fields"), context)

    # Requirement ids are shared between the common list and every variant's list.
    requirement_seen: dict = {}
    _unique(doc, [(("requirements", i), r) for i, r in _items(data.get("requirements"))], "persyaratan",
            requirement_seen)
    for i, req in _items(data.get("requirements")):
        _check_condition(doc, req.get("when"), ("requirements", i, "when"), context)
    for vi, variant in _items(data.get("variants")):
        local = dict(requirement_seen)
        _unique(doc, [(("variants", vi, "requirements", i), r) for i, r in _items(variant.get("requirements"))],
                "persyaratan", local)
        for i, req in _items(variant.get("requirements")):
            _check_condition(doc, req.get("when"), ("variants", vi, "requirements", i, "when"), context)
        for ci, channel in enumerate(variant.get("channels") or []) if isinstance(variant.get("channels"), list) else []:
            _reference(doc, ("variants", vi, "channels", ci), channel, channel_ids, "kanal")
        _check_procedure_text(doc, variant.get("procedure"), ("variants", vi, "procedure"), channel_ids)
        _check_time_limit(doc, variant.get("time_limit"), ("variants", vi, "time_limit"), required=False)
        _check_fee(doc, variant.get("fee"), ("variants", vi, "fee"))
    _check_procedure_text(doc, data.get("procedure"), ("procedure",), channel_ids)
    _check_time_limit(doc, data.get("time_limit"), ("time_limit",), required=True)
    _check_fee(doc, data.get("fee"), ("fee",))

    product_ids = list(_unique(doc, [(("products", i), p) for i, p in _items(data.get("products"))], "produk"))
    for i, product in _items(data.get("products")):
        _check_condition(doc, product.get("when"), ("products", i, "when"), context)

    steps = _items(data.get("steps"))
    step_ids = _unique(doc, [(("steps", i), s) for i, s in steps], "langkah")
    for ident in step_ids:
        if ident == END:
            doc.reporter.error(step_ids[ident] + ("id",), "'end' berarti selesai dan tidak boleh menjadi id langkah",
                               code="reserved-id", at_value=True)
    targets = list(step_ids) + [END]
    for i, step in steps:
        _check_step(doc, i, step, role_ids, targets, product_ids, context)
    if "start" in data:
        _reference(doc, ("start",), data["start"], list(step_ids), "langkah")
    if data.get("steps") and not doc.reporter.items_for(("steps",)):
        _check_flow(doc, data, step_ids)
    if office is not None and "complaints" not in data and not office.get("complaints"):
        doc.reporter.error(("office",), "sarana pengaduan tidak ada: isi 'complaints' di standar atau di kantor",
                           code="required")


class _ConditionContext:
    def __init__(self, variant_ids, channel_ids, fields):
        self.variant_ids = variant_ids
        self.channel_ids = channel_ids
        self.fields = fields


def _check_condition(doc: Document, condition, path, context: _ConditionContext) -> None:
    if not isinstance(condition, dict):
        return
    for key, accepted in condition.items():
        values = as_list(accepted)
        if key == "variant":
            for i, value in enumerate(values):
                _reference(doc, path + (key,) + ((i,) if isinstance(accepted, list) else ()), value,
                           context.variant_ids, "varian")
        elif key == "channel":
            for i, value in enumerate(values):
                _reference(doc, path + (key,) + ((i,) if isinstance(accepted, list) else ()), value,
                           context.channel_ids, "kanal")
        elif key not in context.fields:
            known = ["variant", "channel"] + [k for k in context.fields if isinstance(k, str)]
            doc.reporter.error(path + (key,), f"syarat '{key}' tidak dikenal: gunakan variant, channel, atau id "
                               "isian di application.fields", code="unknown-reference", suggestion=suggest(key, known))
        else:
            field = context.fields[key]
            if _text(field.get("type")) in CHOICE_TYPES and isinstance(field.get("choices"), dict):
                for i, value in enumerate(values):
                    _reference(doc, path + (key,) + ((i,) if isinstance(accepted, list) else ()), value,
                               list(field["choices"]), f"pilihan isian '{key}'")
            elif field.get("type") == "boolean" and not all(isinstance(v, bool) for v in values):
                doc.reporter.error(path + (key,), f"isian '{key}' bernilai true/false", code="type", at_value=True)


def _check_fields(doc: Document, fields, path, context) -> None:
    items = _items(fields)
    _unique(doc, [(path + (i,), f) for i, f in items], "isian")
    for i, field in items:
        kind = _text(field.get("type"))
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
            _check_condition(doc, field["when"], here + ("when",), context)


def _check_procedure_text(doc: Document, procedure, path, channel_ids) -> None:
    if isinstance(procedure, dict):
        for key in procedure:
            _reference(doc, path + (key,), key, channel_ids, "kanal")


def _check_time_limit(doc: Document, limit, path, required: bool) -> None:
    if not isinstance(limit, dict):
        return
    units = [k for k in ("working_days", "calendar_days") if k in limit]
    if len(units) > 1:
        doc.reporter.error(path + (units[1],), "pilih salah satu: working_days atau calendar_days", code="conflict")
    elif not units and required:
        doc.reporter.error(path, "jangka waktu wajib diisi: working_days (hari kerja) atau calendar_days",
                           code="required")


def _check_fee(doc: Document, fee, path) -> None:
    if isinstance(fee, dict) and isinstance(fee.get("amount"), (int, float)) and fee["amount"] > 0:
        if "legal_basis" not in fee:
            doc.reporter.warning(path, "tarif berbayar sebaiknya mencantumkan dasar penetapannya (legal_basis)",
                                 code="fee-basis")


# Keys that belong to some kinds only (each kind names its own: engine/standard/kinds/).
_OWN_KEYS = frozenset().union(*(kind.own_keys for kind in KINDS.values()))


def _check_step(doc: Document, i, step, role_ids, targets, product_ids, context) -> None:
    here = ("steps", i)
    kind = kind_named(_text(step.get("kind"))) if isinstance(step.get("kind"), (str, type(None))) else None
    role = step.get("role")
    if isinstance(role, str):
        if kind is not None and not kind.by_officer and role != kind.role(step):
            who = "pemohon" if kind.performer == APPLICANT else "otomatis"
            doc.reporter.error(here + ("role",), f"langkah {who} harus berperan '{kind.role(step)}'", code="role",
                               at_value=True)
        elif kind is not None and kind.by_officer and role in BUILTIN_ROLES:
            doc.reporter.error(here + ("role",), f"langkah {kind.name} harus dikerjakan petugas, bukan '{role}'",
                               code="role", at_value=True)
        elif role not in BUILTIN_ROLES and role_ids is not None:
            _reference(doc, here + ("role",), role, role_ids + list(BUILTIN_ROLES), "peran")
    if kind is not None:
        for key in sorted(_OWN_KEYS - kind.own_keys):
            if key in step:
                doc.reporter.error(here + (key,), f"'{key}' tidak berlaku untuk langkah jenis {kind.name}",
                                   code="misplaced")
        for key, message in kind.required_keys.items():
            if key not in step:
                doc.reporter.error(here, message, code="required")
        if not kind.has_form and "form" in step:
            doc.reporter.error(here + ("form",), f"langkah {kind.label} tidak memiliki formulir", code="misplaced")
        if kind.check is not None:
            kind.check(step, lambda tail, message, code: doc.reporter.error(here + tuple(tail), message, code=code))
    if "document" in step:
        _reference(doc, here + ("document",), step["document"], product_ids, "produk")
    for pi, product in enumerate(step.get("products") or []) if isinstance(step.get("products"), list) else []:
        _reference(doc, here + ("products", pi), product, product_ids, "produk")
    if "next" in step:
        _reference(doc, here + ("next",), step["next"], targets, "langkah")
    if isinstance(step.get("form"), dict):
        _check_fields(doc, step["form"].get("fields"), here + ("form", "fields"), context)
    _check_condition(doc, step.get("when"), here + ("when",), context)
    outcomes = step.get("outcomes")
    if isinstance(outcomes, dict):
        _check_outcomes(doc, i, step, outcomes, targets)


def _check_outcomes(doc: Document, i, step, outcomes, targets) -> None:
    here = ("steps", i, "outcomes")
    order = [t for t in targets if t != END]
    position = order.index(step["id"]) if step.get("id") in order else None
    actions = set()
    for name, outcome in outcomes.items():
        if not isinstance(outcome, dict):
            continue
        action = _text(outcome.get("action"))
        actions.add(action)
        target = outcome.get("next")
        if action == "reject" and "next" in outcome:
            doc.reporter.error(here + (name, "next"), "penolakan menutup kasus: hapus 'next'", code="misplaced")
            continue
        if action == "return" and target is None:
            doc.reporter.error(here + (name,), "pengembalian (return) memerlukan 'next': langkah yang memperbaiki",
                               code="required")
            continue
        if target is not None and _reference(doc, here + (name, "next"), target, targets, "langkah"):
            if action == "return" and position is not None and target in order and order.index(target) >= position:
                doc.reporter.error(here + (name, "next"), f"pengembalian harus menuju langkah sebelumnya, bukan '{target}'",
                                   code="return-forward", at_value=True)
    valid = {"approve", "return", "return_to_applicant", "reject"}
    if actions and actions <= valid and "approve" not in actions:
        doc.reporter.error(here, "persetujuan memerlukan setidaknya satu hasil dengan action: approve", code="required")


def _check_flow(doc: Document, data: dict, step_ids: dict) -> None:
    procedure = Procedure(data.get("steps") or [], data.get("start"))
    limit = data.get("time_limit") if isinstance(data.get("time_limit"), dict) else {}
    needs_intake = limit.get("clock_starts", "requirements_complete") == "requirements_complete"
    combos = combinations(data)
    reached: set = set()
    no_end, no_intake, stuck = [], [], {}
    for variant, channel in combos:
        reach = procedure.reachable(variant, channel)
        reached.update(reach)
        if END not in reach:
            no_end.append((variant, channel))
        for step_id in procedure.stuck(variant, channel):
            stuck.setdefault(step_id, []).append((variant, channel))
        starts = any(kind_of(procedure.by_id[s]).starts_clock for s in reach if s in procedure.by_id)
        if needs_intake and not starts:
            no_intake.append((variant, channel))
    if no_end:
        doc.reporter.error(("steps",), "tidak ada jalan dari langkah pertama menuju selesai"
                           + _where(no_end, combos), code="no-end")
    for step_id, where in stuck.items():
        doc.reporter.error(step_ids[step_id], f"dari langkah '{step_id}' kasus tidak pernah selesai"
                           + _where(where, combos), code="no-end")
    if no_intake:
        doc.reporter.error(("time_limit",), "jangka waktu dihitung sejak persyaratan lengkap, tetapi tidak ada "
                           "langkah intake yang memeriksa persyaratan" + _where(no_intake, combos), code="no-intake")
    for step_id, path in step_ids.items():
        if step_id not in reached:
            doc.reporter.error(path, f"langkah '{step_id}' tidak pernah dicapai", code="unreachable")


def _where(found: list, combos: list) -> str:
    """' (varian a, kanal b; ...)' naming the combinations concerned, or '' when it is all of them."""
    if len(found) == len(combos):
        return ""
    labels = [", ".join(p for p in (f"varian {v}" if v else "", f"kanal {c}" if c else "") if p) for v, c in found]
    return " (" + "; ".join(labels) + ")"


# ---------------------------------------------------------------------------------------------- bundle

def check_bundle(doc: Document, catalog: Catalog) -> None:
    data = doc.data
    if "office" in data:
        _reference(doc, ("office",), data["office"], catalog.ids("office"), "kantor")
    parts = _items(data.get("parts"))
    part_ids = _unique(doc, [(("parts", i), p) for i, p in parts], "bagian")
    for i, part in parts:
        here = ("parts", i)
        standard = part.get("standard")
        if not _reference(doc, here + ("standard",), standard, catalog.ids("standard"), "standar"):
            continue
        target = catalog.get("standard", standard).data
        variants = [v.get("id") for _, v in _items(target.get("variants"))]
        channels = [c.get("id") for _, c in _items(target.get("channels"))]
        if "variant" in part:
            _reference(doc, here + ("variant",), part["variant"], variants, f"varian standar {standard}")
        elif variants:
            doc.reporter.error(here, f"standar {standard} memiliki varian: pilih 'variant' ({', '.join(variants)})",
                               code="required")
        if "channel" in part:
            _reference(doc, here + ("channel",), part["channel"], channels, f"kanal standar {standard}")
        if data.get("office") and target.get("office") != data.get("office"):
            doc.reporter.warning(here + ("standard",), f"standar {standard} milik kantor lain ({target.get('office')})",
                                 code="foreign-standard")
        for ai, after in enumerate(part.get("after") or []) if isinstance(part.get("after"), list) else []:
            if after == part.get("id"):
                doc.reporter.error(here + ("after", ai), "bagian tidak dapat menunggu dirinya sendiri", code="cycle",
                                   at_value=True)
            else:
                _reference(doc, here + ("after", ai), after, part_ids, "bagian")
    _check_part_cycles(doc, parts)
    _check_time_limit(doc, data.get("time_limit"), ("time_limit",), required=False)


def _check_part_cycles(doc: Document, parts) -> None:
    after = {p["id"]: [a for a in p.get("after") or [] if isinstance(a, str)]
             for _, p in parts if _text(p.get("id")) and isinstance(p.get("after") or [], list)}
    state: dict = {}

    def visit(node) -> bool:
        if state.get(node) == 1:
            return True
        if state.get(node) == 2 or node not in after:
            return False
        state[node] = 1
        cyclic = any(visit(n) for n in after[node] if n != node)
        state[node] = 2
        return cyclic

    for i, part in parts:
        state.clear()
        ident = part.get("id")
        if isinstance(ident, str) and ident in after and visit(ident):  # a malformed id is reported elsewhere
            doc.reporter.error(("parts", i, "after"), "urutan bagian berputar (saling menunggu)", code="cycle")
            return
