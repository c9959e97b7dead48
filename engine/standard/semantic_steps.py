"""The semantic checks of a standard's procedure: each step against its kind (engine/standard/kinds/),
its outcomes, and the whole flow (every step reachable, every path ending, the clock able to start)."""

from __future__ import annotations

from .catalog import Document
from .flow import BUILTIN_ROLES, END, Procedure, combinations
from .kinds import APPLICANT, KINDS, kind_named, kind_of
from .semantic_common import check_condition, check_fields, reference, text_of

# Keys that belong to some kinds only (each kind names its own: engine/standard/kinds/).
OWN_KEYS = frozenset().union(*(kind.own_keys for kind in KINDS.values()))


def check_step(doc: Document, i, step, role_ids, targets, product_ids, context) -> None:
    here = ("steps", i)
    kind = kind_named(text_of(step.get("kind"))) if isinstance(step.get("kind"), (str, type(None))) else None
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
            reference(doc, here + ("role",), role, role_ids + list(BUILTIN_ROLES), "peran")
    if kind is not None:
        for key in sorted(OWN_KEYS - kind.own_keys):
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
        reference(doc, here + ("document",), step["document"], product_ids, "produk")
    for pi, product in enumerate(step.get("products") or []) if isinstance(step.get("products"), list) else []:
        reference(doc, here + ("products", pi), product, product_ids, "produk")
    if "next" in step:
        reference(doc, here + ("next",), step["next"], targets, "langkah")
    if isinstance(step.get("form"), dict):
        check_fields(doc, step["form"].get("fields"), here + ("form", "fields"), context)
    check_condition(doc, step.get("when"), here + ("when",), context)
    outcomes = step.get("outcomes")
    if isinstance(outcomes, dict):
        check_outcomes(doc, i, step, outcomes, targets)
        for name, outcome in outcomes.items():
            if isinstance(outcome, dict) and "document" in outcome:
                if text_of(outcome.get("action")) != "reject":
                    doc.reporter.error(here + ("outcomes", name, "document"), "dokumen hasil hanya untuk penolakan "
                                       "(action: reject); produk jalur lain diserahkan di langkah handover",
                                       code="misplaced")
                else:
                    reference(doc, here + ("outcomes", name, "document"), outcome["document"], product_ids, "produk")


def check_outcomes(doc: Document, i, step, outcomes, targets) -> None:
    here = ("steps", i, "outcomes")
    order = [t for t in targets if t != END]
    position = order.index(step["id"]) if step.get("id") in order else None
    actions = set()
    for name, outcome in outcomes.items():
        if not isinstance(outcome, dict):
            continue
        action = text_of(outcome.get("action"))
        actions.add(action)
        target = outcome.get("next")
        if action == "reject" and "next" in outcome:
            doc.reporter.error(here + (name, "next"), "penolakan menutup kasus: hapus 'next'", code="misplaced")
            continue
        if action == "return" and target is None:
            doc.reporter.error(here + (name,), "pengembalian (return) memerlukan 'next': langkah yang memperbaiki",
                               code="required")
            continue
        if target is not None and reference(doc, here + (name, "next"), target, targets, "langkah"):
            if action == "return" and position is not None and target in order and order.index(target) >= position:
                doc.reporter.error(here + (name, "next"), f"pengembalian harus menuju langkah sebelumnya, bukan '{target}'",
                                   code="return-forward", at_value=True)
    valid = {"approve", "return", "return_to_applicant", "reject"}
    if actions and actions <= valid and "approve" not in actions:
        doc.reporter.error(here, "persetujuan memerlukan setidaknya satu hasil dengan action: approve", code="required")


def check_flow(doc: Document, data: dict, step_ids: dict) -> None:
    procedure = Procedure(data.get("steps") or [], data.get("start"))
    limit = data.get("time_limit") if isinstance(data.get("time_limit"), dict) else {}
    needs_intake = limit.get("clock_starts", "requirements_complete") != "submission"
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
                           + combinations_named(no_end, combos), code="no-end")
    for step_id, found in stuck.items():
        doc.reporter.error(step_ids[step_id], f"dari langkah '{step_id}' kasus tidak pernah selesai"
                           + combinations_named(found, combos), code="no-end")
    if no_intake:
        doc.reporter.error(("time_limit",), "jangka waktu dihitung sejak persyaratan lengkap, tetapi tidak ada "
                           "langkah intake yang memeriksa persyaratan" + combinations_named(no_intake, combos),
                           code="no-intake")
    for step_id, path in step_ids.items():
        if step_id not in reached:
            doc.reporter.error(path, f"langkah '{step_id}' tidak pernah dicapai", code="unreachable")


def combinations_named(found: list, combos: list) -> str:
    """' (varian a, kanal b; ...)' naming the combinations concerned, or '' when it is all of them."""
    if len(found) == len(combos):
        return ""
    labels = [", ".join(p for p in (f"varian {v}" if v else "", f"kanal {c}" if c else "") if p) for v, c in found]
    return " (" + "; ".join(labels) + ")"
