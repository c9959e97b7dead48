"""The decisions of opening a case, pure: which variant, channel and unit an application takes, which
requirements it has and lacks, whether it may be registered so, where it starts; and for a bundle, which
parts start when one closes and when the bundle itself closes. Like engine/cases/core/decide.py, they read
the frozen standard and the facts given, raise ``InvalidInput`` saying why, and write nothing."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import InvalidInput
from engine.standard.flow import END
from engine.standard.kinds import APPLICANT, kind_of

from .. import fields
from .decide import incomplete_message, missing_requirements
from .state import CLOSED_STATUSES


@dataclass(frozen=True)
class Opening:
    """An application as it will be registered."""
    variant: str | None
    channel: str | None
    unit: str | None
    answers: dict
    received: frozenset
    missing: tuple
    clock_at_submission: bool
    first_step: str


def combination(standard, variant, channel) -> tuple:
    variants = [v["id"] for v in standard.variants]
    if variants and variant is None:
        raise InvalidInput(f"pilih varian: {', '.join(variants)}", "variant")
    if variant is not None and variant not in variants:
        raise InvalidInput(f"varian '{variant}' tidak dikenal; varian: {', '.join(variants) or '(tidak ada)'}",
                           "variant")
    allowed = [c for v, c in standard.combinations() if v == variant and c is not None]
    if channel is None and len(allowed) == 1:
        channel = allowed[0]
    if allowed and channel is None:
        raise InvalidInput(f"pilih kanal: {', '.join(allowed)}", "channel")
    if channel is not None and channel not in allowed:
        raise InvalidInput(f"kanal '{channel}' tidak tersedia untuk varian ini; kanal: "
                           f"{', '.join(allowed) or '(tidak ada)'}", "channel")
    return variant, channel


def service_unit(standard, unit) -> str | None:
    units = [u["id"] for u in standard.office.data.get("units") or []]
    allowed = standard.data.get("units") or units
    if unit is None:
        if len(allowed) > 1:
            raise InvalidInput(f"pilih unit layanan: {', '.join(allowed)}", "unit")
        return allowed[0] if allowed else None
    if unit not in allowed:
        raise InvalidInput(f"unit '{unit}' tidak melayani standar ini; unit: {', '.join(allowed) or '-'}", "unit")
    return unit


def requirement_ids(standard, variant, channel, answers, received) -> frozenset:
    """The requirement ids given as received, each one that applies to this application."""
    if received is not None and not isinstance(received, (list, tuple, set, frozenset)):
        raise InvalidInput("daftar persyaratan harus berupa daftar id", "requirements")
    received = list(received or [])
    if len(received) > fields.MAX_FIELDS or not all(isinstance(r, str) and len(r) <= 80 for r in received):
        raise InvalidInput("daftar persyaratan harus berisi id persyaratan", "requirements")
    applicable = standard.requirements(variant, channel, answers)
    known = {r["id"] for r in applicable}
    # "A atau B": a requirement with ``one_of`` is received when any one of its documents is (its member's
    # id stands for it).
    members = {m["id"]: r["id"] for r in applicable for m in r.get("one_of") or [] if isinstance(m, dict)}
    unknown = [r for r in received if r not in known and r not in members]
    if unknown:
        raise InvalidInput(f"persyaratan '{unknown[0]}' tidak berlaku untuk permohonan ini; yang berlaku: "
                           f"{', '.join(sorted(known | set(members))) or '(tidak ada)'}", "requirements")
    return frozenset(members.get(r, r) for r in received)


def first_step(standard, variant, channel, answers) -> str:
    landed = standard.procedure.resolve(standard.procedure.start, variant, channel, answers)
    return landed[0] if landed else END


def starts_with_applicant(standard, variant, channel, answers) -> bool:
    first = first_step(standard, variant, channel, answers)
    return first != END and kind_of(standard.procedure.by_id[first]).performer == APPLICANT


def open_application(standard, *, variant, channel, unit, answers, requirements) -> Opening:
    """The application checked (InvalidInput when a value is wrong); missing requirements are listed,
    and refused or not by ``refuse_incomplete``."""
    variant, channel = combination(standard, variant, channel)
    unit = service_unit(standard, unit)
    app_fields = (standard.data.get("application") or {}).get("fields") or []
    answers = fields.clean(app_fields, answers, variant=variant, channel=channel, prefix="answers.")
    received = requirement_ids(standard, variant, channel, answers, requirements)
    missing = missing_requirements(standard, variant, channel, answers, received)
    return Opening(variant, channel, unit, answers, received, tuple(missing),
                   standard.time_limit(variant)["clock_starts"] == "submission",
                   first_step(standard, variant, channel, answers))


STATUS_WORDS = {"draft": "masih rancangan (status: draft)", "retired": "sudah dicabut (status: retired)"}


def refuse_unpublished(document: dict, *, accept_drafts: bool = False) -> None:
    """Only a standard in force takes applications: a draft only in the demo office, a retired one never."""
    status = document.get("status", "published")
    if status == "retired" or (status == "draft" and not accept_drafts):
        raise InvalidInput(f"standar '{document.get('id')}' {STATUS_WORDS[status]}: belum/tidak dapat menerima "
                           f"permohonan", "standard")


def registers_incomplete(standard) -> bool:
    """Whether the standard lets an incomplete file be registered (and numbered) to be completed later; some
    say an incomplete file is handed back and not registered (``incomplete: {registered: false}``)."""
    settings = standard.data.get("incomplete")
    return not isinstance(settings, dict) or settings.get("registered", True) is not False


def refuse_incomplete(standard, application: Opening, *, by_officer: bool, allow_incomplete: bool) -> None:
    """An application lacking mandatory requirements is refused unless it may be recorded incomplete: an
    officer, or a channel whose first step is not the applicant's own, must say so (``allow_incomplete``),
    and the standard must let an incomplete file be registered."""
    if not application.missing:
        return
    starts_with_applicant_ = starts_with_applicant(standard, application.variant, application.channel,
                                                   application.answers)
    message = incomplete_message(standard, application.variant, application.channel, application.answers,
                                 application.missing)
    if allow_incomplete and not registers_incomplete(standard) and (by_officer or not starts_with_applicant_):
        raise InvalidInput(f"{message}. Standar ini tidak mencatat berkas yang belum lengkap: kembalikan berkas "
                           f"kepada pemohon untuk dilengkapi", "requirements")
    if not allow_incomplete and (by_officer or not starts_with_applicant_):
        raise InvalidInput(message, "requirements")


# ---------------------------------------------------------------- bundles

def parts_starting(bundle: dict, parts: dict) -> list[dict]:
    """The parts of a bundle that start now: not started yet, with every part they wait for done.
    ``parts``: each started part's status."""
    return [spec for spec in bundle["parts"]
            if spec["id"] not in parts and spec.get("after")
            and all(parts.get(before) == "done" for before in spec["after"])]


def bundle_end(parts: dict) -> tuple[str, str | None] | None:
    """(status, reason) when no part can go on, else None."""
    if any(status not in CLOSED_STATUSES for status in parts.values()):
        return None
    rejected = sorted(p for p, status in parts.items() if status == "rejected")
    return ("rejected", "bagian ditolak: " + ", ".join(rejected)) if rejected else ("done", None)
