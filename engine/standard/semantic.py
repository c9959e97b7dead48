"""Checks the JSON Schema cannot express: unique ids, references that resolve, a procedure whose every
step is reachable and whose every path ends, step kinds used consistently, SLA present and positive.

Every check is defensive: it runs on documents that may also have schema errors and must never crash.
"""

from __future__ import annotations

import re

from .catalog import Catalog, Document
from .durations import RANGE_KEY, UNIT_KEYS
from .flow import BUILTIN_ROLES, END, OUTCOME_FACT
from .kinds import kind_named
from .semantic_common import ConditionContext, check_condition, check_fields, items_of, reference, text_of, unique
from .semantic_steps import check_flow, check_step

def check_document(doc: Document, catalog: Catalog) -> None:
    checker = {"office": check_office, "standard": check_standard, "bundle": check_bundle}.get(doc.kind)
    if checker:
        checker(doc, catalog)
    first = catalog.get(doc.kind, doc.id) if doc.id else None
    if first is not None and first is not doc:
        doc.reporter.error(("id",), f"id {doc.kind} '{doc.id}' sudah dipakai di {first.file}",
                           code="duplicate-id", at_value=True)


# ---------------------------------------------------------------------------------------------- office

def _check_queue(doc: Document, data: dict) -> None:
    """The queue's counters serve services the queue has; codes are unique."""
    queue = data.get("queue")
    if not isinstance(queue, dict):
        return
    codes = {}
    for i, service in items_of(queue.get("services")):
        code = service.get("code")
        if isinstance(code, str) and code in codes:
            doc.reporter.error(("queue", "services", i, "code"), f"kode layanan antrean '{code}' sudah dipakai",
                               code="duplicate-id", at_value=True)
        codes.setdefault(code, i)
    unique(doc, [(("queue", "counters", i), c) for i, c in items_of(queue.get("counters"))], "loket")
    for i, counter in items_of(queue.get("counters")):
        for j, code in enumerate(counter.get("services") or []) if isinstance(counter.get("services"), list) else []:
            reference(doc, ("queue", "counters", i, "services", j), code, list(codes), "layanan antrean")


def check_office(doc: Document, catalog: Catalog) -> None:
    data = doc.data
    _check_queue(doc, data)
    roles = items_of(data.get("roles"))
    role_ids = unique(doc, [(("roles", i), r) for i, r in roles], "peran")
    for ident in role_ids:
        if ident in BUILTIN_ROLES:
            doc.reporter.error(role_ids[ident] + ("id",), f"'{ident}' adalah peran bawaan dan tidak boleh didefinisikan ulang",
                               code="reserved-id", at_value=True)
    for i, role in roles:
        if "reports_to" in role:
            reference(doc, ("roles", i, "reports_to"), role["reports_to"], role_ids, "peran")
    _check_reporting_cycles(doc, roles)
    head = data.get("head")
    if isinstance(head, dict) and "role" in head:
        reference(doc, ("head", "role"), head["role"], role_ids, "peran")
    unique(doc, [(("units", i), u) for i, u in items_of(data.get("units"))], "unit")
    for i, item in items_of(data.get("stock")):
        for j, role in enumerate(item.get("keepers") or []) if isinstance(item.get("keepers"), list) else []:
            reference(doc, ("stock", i, "keepers", j), role, role_ids, "peran")
    calendar = data.get("calendar")
    if isinstance(calendar, dict):
        _check_calendar(doc, calendar, ("calendar",))
    for i, unit in items_of(data.get("units")):
        if isinstance(unit.get("calendar"), dict):
            _check_calendar(doc, unit["calendar"], ("units", i, "calendar"))


def _check_reporting_cycles(doc: Document, roles) -> None:
    parent = {r.get("id"): text_of(r.get("reports_to")) for _, r in roles if isinstance(r.get("id"), str)}
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
    for i, decree in items_of(calendar.get("decrees")):
        year = decree.get("year") if isinstance(decree.get("year"), int) else None
        if year is not None and year in years:
            doc.reporter.error(path + ("decrees", i, "year"), f"tahun {year} sudah didaftarkan", code="duplicate-id",
                               at_value=True)
        years[year] = i
        for j, day in items_of(decree.get("days")):
            date = day.get("date")
            if isinstance(date, str) and isinstance(year, int) and not date.startswith(f"{year}-"):
                doc.reporter.error(path + ("decrees", i, "days", j, "date"), f"tanggal {date} bukan di tahun {year}",
                                   code="range", at_value=True)


# -------------------------------------------------------------------------------------------- standard

def check_standard(doc: Document, catalog: Catalog) -> None:
    data = doc.data
    office = None
    if "office" in data and reference(doc, ("office",), data["office"], catalog.ids("office"), "kantor"):
        office = catalog.get("office", data["office"]).data
    role_ids = [r.get("id") for _, r in items_of(office.get("roles"))] if office else None
    unit_ids = [u.get("id") for _, u in items_of(office.get("units"))] if office else []
    for i, unit in enumerate(data.get("units") or []) if isinstance(data.get("units"), list) else []:
        if office:
            reference(doc, ("units", i), unit, unit_ids, "unit kantor")

    channel_ids = list(unique(doc, [(("channels", i), c) for i, c in items_of(data.get("channels"))], "kanal"))
    variant_ids = list(unique(doc, [(("variants", i), v) for i, v in items_of(data.get("variants"))], "varian"))
    app_fields = data["application"].get("fields") if isinstance(data.get("application"), dict) else None
    fields = {f["id"]: f for _, f in items_of(app_fields) if text_of(f.get("id"))}
    fields.update(step_fact_fields(data.get("steps")))
    context = ConditionContext(variant_ids, channel_ids, fields)

    app = data.get("application")
    if isinstance(app, dict):
        check_fields(doc, app.get("fields"), ("application", "fields"), context)

    # Requirement ids are shared between the common list and every variant's list.
    requirement_seen: dict = {}
    unique(doc, [(("requirements", i), r) for i, r in items_of(data.get("requirements"))], "persyaratan",
            requirement_seen)
    # The documents of an "A atau B" requirement are named by ids of their own, unique among all requirements.
    unique(doc, [(("requirements", i, "one_of", m), member) for i, r in items_of(data.get("requirements"))
                 for m, member in items_of(r.get("one_of"))], "persyaratan", requirement_seen)
    for i, req in items_of(data.get("requirements")):
        check_condition(doc, req.get("when"), ("requirements", i, "when"), context)
    for vi, variant in items_of(data.get("variants")):
        local = dict(requirement_seen)
        unique(doc, [(("variants", vi, "requirements", i), r) for i, r in items_of(variant.get("requirements"))],
                "persyaratan", local)
        for i, req in items_of(variant.get("requirements")):
            check_condition(doc, req.get("when"), ("variants", vi, "requirements", i, "when"), context)
        for ci, channel in enumerate(variant.get("channels") or []) if isinstance(variant.get("channels"), list) else []:
            reference(doc, ("variants", vi, "channels", ci), channel, channel_ids, "kanal")
        _check_procedure_text(doc, variant.get("procedure"), ("variants", vi, "procedure"), channel_ids)
        _check_time_limit(doc, variant.get("time_limit"), ("variants", vi, "time_limit"), required=False)
        _check_fee(doc, variant.get("fee"), ("variants", vi, "fee"))
        _check_fee_items(doc, variant.get("fee"), ("variants", vi, "fee"), context)
    _check_procedure_text(doc, data.get("procedure"), ("procedure",), channel_ids)
    _check_time_limit(doc, data.get("time_limit"), ("time_limit",), required=True)
    branches = (data.get("time_limit") or {}).get("branches") if isinstance(data.get("time_limit"), dict) else None
    for branch_id, branch in branches.items() if isinstance(branches, dict) else ():
        if isinstance(branch, dict):
            _check_time_limit(doc, branch, ("time_limit", "branches", branch_id), required=True)
            check_condition(doc, branch.get("when"), ("time_limit", "branches", branch_id, "when"), context)
    _check_fee(doc, data.get("fee"), ("fee",))
    _check_fee_items(doc, data.get("fee"), ("fee",), context)

    product_ids = list(unique(doc, [(("products", i), p) for i, p in items_of(data.get("products"))], "produk"))
    for i, product in items_of(data.get("products")):
        check_condition(doc, product.get("when"), ("products", i, "when"), context)

    steps = items_of(data.get("steps"))
    step_ids = unique(doc, [(("steps", i), s) for i, s in steps], "langkah")
    for ident in step_ids:
        if ident == END:
            doc.reporter.error(step_ids[ident] + ("id",), "'end' berarti selesai dan tidak boleh menjadi id langkah",
                               code="reserved-id", at_value=True)
    targets = list(step_ids) + [END]
    for i, step in steps:
        check_step(doc, i, step, role_ids, targets, product_ids, context)
        _check_consumes(doc, i, step, office)
    if "start" in data:
        reference(doc, ("start",), data["start"], list(step_ids), "langkah")
    extension = data.get("extension")
    if isinstance(extension, dict):
        _check_time_limit(doc, extension, ("extension",), required=True)
        if "role" in extension:
            reference(doc, ("extension", "role"), extension["role"], role_ids, "peran")
    _check_applicant_and_reopen(doc, data, role_ids, list(step_ids), fields)
    if data.get("steps") and not doc.reporter.items_for(("steps",)):
        check_flow(doc, data, step_ids)
    handling = data.get("complaints") if isinstance(data.get("complaints"), dict) else {}
    if "standard" in handling:
        reference(doc, ("complaints", "standard"), handling["standard"], catalog.ids("standard"), "standar")
    for tier_id, tier in (handling.get("tiers") or {}).items() if isinstance(handling.get("tiers"), dict) else ():
        _check_time_limit(doc, tier, ("complaints", "tiers", tier_id), required=True)
    if office is not None and "complaints" not in data and not office.get("complaints"):
        # (``complaints: {not_stated: true}`` says the source gives none: a reviewer's note, not an error)
        doc.reporter.error(("office",), "sarana pengaduan tidak ada: isi 'complaints' di standar atau di kantor",
                           code="required")


def step_fact_fields(steps) -> dict:
    """What a condition may read of a step (``step.field``, ``step.outcome``), as fields: the step's form
    fields and its outcomes as a choice."""
    found = {}
    for _, step in items_of(steps):
        ident = step.get("id")
        named = step.get("kind")
        kind = kind_named(named) if named is None or isinstance(named, str) else None
        if not isinstance(ident, str) or kind is None:
            continue
        for field in kind.form_fields(step) if isinstance(step.get("form", {}), dict) else []:
            if isinstance(field, dict) and isinstance(field.get("id"), str):
                found[f"{ident}.{field['id']}"] = field
        outcomes = kind.outcomes_of(step)
        if isinstance(outcomes, dict) and outcomes:
            found[f"{ident}.{OUTCOME_FACT}"] = {"id": OUTCOME_FACT, "type": "choice",
                                                "label": f"hasil {step.get('name', ident)}",
                                                "choices": {k: (v or {}).get("label") or k for k, v in outcomes.items()
                                                            if isinstance(v, dict) or v is None}}
    return found


def _check_applicant_and_reopen(doc: Document, data: dict, role_ids, step_ids: list, fields: dict) -> None:
    """Who sees a confidential applicant (known roles; an 'on_request' standard asks with an application
    field 'rahasia'), and the step a reopened case goes back to."""
    settings = data.get("applicant") if isinstance(data.get("applicant"), dict) else {}
    if role_ids is not None:
        for i, role in enumerate(settings.get("visible_to") or []):
            reference(doc, ("applicant", "visible_to", i), role, role_ids, "peran")
    if settings.get("confidential") and not settings.get("visible_to"):
        doc.reporter.error(("applicant", "confidential"), "identitas yang dirahasiakan memerlukan visible_to: "
                           "peran yang boleh melihatnya", code="required")
    if settings.get("confidential") == "on_request" and "rahasia" not in fields:
        doc.reporter.error(("applicant", "confidential"), "on_request memerlukan isian permohonan 'rahasia' "
                           "(type: boolean) tempat pemohon memintanya", code="required")
    reopen = data.get("reopen") if isinstance(data.get("reopen"), dict) else {}
    if "step" in reopen:
        reference(doc, ("reopen", "step"), reopen["step"], step_ids, "langkah")


def _check_procedure_text(doc: Document, procedure, path, channel_ids) -> None:
    if isinstance(procedure, dict):
        for key in procedure:
            reference(doc, path + (key,), key, channel_ids, "kanal")


def _check_time_limit(doc: Document, limit, path, required: bool) -> None:
    if not isinstance(limit, dict):
        return
    units = [k for k in UNIT_KEYS if k in limit]
    words = [k for k in ("not_stated", "open_ended") if limit.get(k)]
    if len(units) > 1:
        doc.reporter.error(path + (units[1],), f"pilih satu satuan jangka waktu, bukan {units[0]} dan {units[1]}: "
                           "tulis rentang dengan 'from' (misalnya working_days: 25, from: 3)", code="conflict")
    elif units and words:
        doc.reporter.error(path + (words[0],), f"{words[0]} tidak dapat digabung dengan {units[0]}: pilih salah satu",
                           code="conflict")
    elif not units and not words and required:
        doc.reporter.error(path, "jangka waktu wajib diisi: working_days, calendar_days, hours, minutes, "
                                 "calendar_hours atau months; bila standar tidak mencantumkannya, not_stated: true",
                           code="required")
    if limit.get("open_ended") and not limit.get("text"):
        doc.reporter.error(path + ("open_ended",), "jangka waktu tanpa angka memerlukan 'text' (kata-kata standar, "
                                                   "misalnya 'Sesuai durasi kegiatan')", code="required")
    amount, lower = (limit.get(units[0]) if units else None), limit.get(RANGE_KEY)
    if RANGE_KEY in limit and not units:
        doc.reporter.error(path + (RANGE_KEY,), "'from' adalah ujung bawah rentang: tulis juga ujung atasnya "
                                                "(misalnya working_days: 25, from: 3)", code="required")
    elif isinstance(amount, (int, float)) and isinstance(lower, (int, float)) and lower >= amount:
        doc.reporter.error(path + (RANGE_KEY,), f"ujung bawah rentang ({lower}) harus lebih kecil dari batas "
                                                f"waktunya ({amount})", code="range")


def _check_fee_items(doc: Document, fee, path, context) -> None:
    items = fee.get("items") if isinstance(fee, dict) else None
    for i, item in items_of(items):
        check_condition(doc, item.get("when"), path + ("items", i, "when"), context)
    if items and "amount" in fee:
        doc.reporter.error(path + ("amount",), "tulis biaya sebagai 'amount' atau sebagai tabel 'items', bukan "
                                               "keduanya", code="conflict")


def _check_fee(doc: Document, fee, path) -> None:
    if isinstance(fee, dict) and fee.get("assessed"):
        steps = doc.data.get("steps") if isinstance(doc.data.get("steps"), list) else []
        kinds = [kind_named(s.get("kind")) for s in steps if isinstance(s, dict) and isinstance(s.get("kind", ""), str)]
        if not any(kind is not None and kind.assesses_fee for kind in kinds):
            doc.reporter.error(path + ("assessed",), "biaya yang ditetapkan saat pelayanan memerlukan langkah "
                                                     "kind: payment (penetapan dan penerimaan pembayaran)",
                               code="required")
    if isinstance(fee, dict) and (fee.get("assessed") or isinstance(fee.get("amount"), (int, float))
                                  and fee["amount"] > 0):
        if "legal_basis" not in fee:
            doc.reporter.warning(path, "tarif berbayar sebaiknya mencantumkan dasar penetapannya (legal_basis)",
                                 code="fee-basis")


# ---------------------------------------------------------------------------------------------- bundle


def check_bundle(doc: Document, catalog: Catalog) -> None:
    data = doc.data
    if "office" in data:
        reference(doc, ("office",), data["office"], catalog.ids("office"), "kantor")
    parts = items_of(data.get("parts"))
    part_ids = unique(doc, [(("parts", i), p) for i, p in parts], "bagian")
    for i, part in parts:
        here = ("parts", i)
        standard = part.get("standard")
        if not reference(doc, here + ("standard",), standard, catalog.ids("standard"), "standar"):
            continue
        target = catalog.get("standard", standard).data
        variants = [v.get("id") for _, v in items_of(target.get("variants"))]
        channels = [c.get("id") for _, c in items_of(target.get("channels"))]
        if "variant" in part:
            reference(doc, here + ("variant",), part["variant"], variants, f"varian standar {standard}")
        elif variants:
            doc.reporter.error(here, f"standar {standard} memiliki varian: pilih 'variant' ({', '.join(variants)})",
                               code="required")
        if "channel" in part:
            reference(doc, here + ("channel",), part["channel"], channels, f"kanal standar {standard}")
        if data.get("office") and target.get("office") != data.get("office"):
            doc.reporter.warning(here + ("standard",), f"standar {standard} milik kantor lain ({target.get('office')})",
                                 code="foreign-standard")
        for ai, after in enumerate(part.get("after") or []) if isinstance(part.get("after"), list) else []:
            if after == part.get("id"):
                doc.reporter.error(here + ("after", ai), "bagian tidak dapat menunggu dirinya sendiri", code="cycle",
                                   at_value=True)
            else:
                reference(doc, here + ("after", ai), after, part_ids, "bagian")
    _check_part_cycles(doc, parts)
    _check_time_limit(doc, data.get("time_limit"), ("time_limit",), required=False)


def _check_part_cycles(doc: Document, parts) -> None:
    after = {p["id"]: [a for a in p.get("after") or [] if isinstance(a, str)]
             for _, p in parts if text_of(p.get("id")) and isinstance(p.get("after") or [], list)}
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


def _check_consumes(doc: Document, i, step, office) -> None:
    """A step's use of the office's stock: an item the office keeps, and a number field of the step that
    records the spoiled ones."""
    consumes = step.get("consumes")
    if not isinstance(consumes, dict):
        return
    here = ("steps", i, "consumes")
    if office is not None and isinstance(consumes.get("item"), str):
        items = [it.get("id") for _, it in items_of(office.get("stock"))]
        reference(doc, here + ("item",), consumes["item"], items, "persediaan kantor (stock)")
    spoiled = consumes.get("spoiled_field")
    if isinstance(spoiled, str):
        fields = {f.get("id"): f for f in ((step.get("form") or {}).get("fields") or []) if isinstance(f, dict)}
        if spoiled not in fields:
            reference(doc, here + ("spoiled_field",), spoiled, [k for k in fields if isinstance(k, str)],
                      "isian langkah ini")
        elif fields[spoiled].get("type") not in ("integer", "number"):
            doc.reporter.error(here + ("spoiled_field",), f"isian '{spoiled}' harus berjenis integer",
                               code="type", at_value=True)
