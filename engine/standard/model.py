"""A validated library of offices, standards and bundles, with office defaults applied.

Read-only views over the validated YAML data: the data stays the single source and the views only
answer questions (which requirements apply to this variant, channel and answers? which complaint
channels? what is the time limit?).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from engine.standard.durations import RANGE_KEY, UNIT_KEYS

from .flow import END, Procedure, combinations, evaluate, reads_step_facts
from .kinds import kind_of

MANAGEMENT_KEYS = ("legal_basis", "facilities", "competence", "supervision", "staffing", "service_guarantee",
                   "security_guarantee", "evaluation")
DEFAULT_STANDARDS_DIR = "standards"
# The keys of a time limit that say how long it is (a variant's or a tier's replace the standard's).
LENGTH_KEYS = UNIT_KEYS + (RANGE_KEY, "not_stated", "open_ended")


class LibraryError(Exception):
    """The library has validation errors; ``diagnostics`` holds them."""

    def __init__(self, diagnostics):
        super().__init__(f"{len(diagnostics)} kesalahan di standar")
        self.diagnostics = diagnostics


class UnknownStandard(LookupError):
    def __init__(self, ident: str, suggestion: str | None):
        hint = f" (maksud Anda '{suggestion}'?)" if suggestion else ""
        super().__init__(f"standar '{ident}' tidak dikenal{hint}")
        self.ident = ident
        self.suggestion = suggestion


def standards_dir() -> Path:
    return Path(os.environ.get("LAYANAN_STANDARDS", DEFAULT_STANDARDS_DIR))


@dataclass
class Office:
    data: dict
    file: str

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def timezone(self) -> str:
        return self.data["timezone"]

    @property
    def calendar(self) -> dict:
        return self.data.get("calendar") or {}

    @property
    def roles(self) -> dict:
        return {r["id"]: r for r in self.data["roles"]}

    def role_name(self, role_id: str) -> str:
        builtin = {"pemohon": "Pemohon", "sistem": "Sistem"}
        return builtin.get(role_id) or self.roles.get(role_id, {}).get("name", role_id)

    def supervision_line(self, role_id: str) -> list[str]:
        """The chain of superiors above a role, nearest first (used for escalation)."""
        line, current, roles = [], self.roles.get(role_id, {}).get("reports_to"), self.roles
        while current and current not in line:
            line.append(current)
            current = roles.get(current, {}).get("reports_to")
        return line


@dataclass
class Standard:
    data: dict
    office: Office
    file: str

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def version(self) -> str:
        return str(self.data["version"])

    @property
    def variants(self) -> list[dict]:
        return self.data.get("variants") or []

    @property
    def channels(self) -> list[dict]:
        return self.data.get("channels") or []

    def variant(self, variant_id: str | None) -> dict | None:
        return next((v for v in self.variants if v["id"] == variant_id), None)

    def combinations(self) -> list[tuple]:
        return combinations(self.data)

    @property
    def tiers(self) -> dict:
        """The tiers a case may be given while it is handled: the ``tiers`` of its triage steps, and the
        ``branches`` of its time limit (taken when the case's records meet their condition)."""
        found = {}
        for step in self.data.get("steps") or []:
            if isinstance(step, dict) and isinstance(step.get("tiers"), dict):
                found.update(step["tiers"])
        found.update(self.branches)
        return found

    @cached_property
    def branches(self) -> dict:
        """``time_limit.branches``: {id: {name, a length, when}} ("10 hari kerja bila perlu peninjauan")."""
        branches = (self.data.get("time_limit") or {}).get("branches")
        return dict(branches) if isinstance(branches, dict) else {}

    @cached_property
    def reads_step_facts(self) -> bool:
        """Whether a condition of its steps or of its time limit's branches reads an earlier step's record."""
        return self.procedure.reads_step_facts or any(reads_step_facts(b.get("when")) for b in self.branches.values())

    def time_limit(self, variant_id: str | None = None, tier: str | None = None) -> dict:
        """The time limit of a variant; a case given a tier at triage has that tier's (same start rules)."""
        limit = dict(self.data["time_limit"])
        variant = self.variant(variant_id)
        if variant and variant.get("time_limit"):
            own = variant["time_limit"]
            if any(k in own for k in LENGTH_KEYS):
                for key in LENGTH_KEYS:
                    limit.pop(key, None)
            limit.update(own)
        own = self.tiers.get(tier) if tier else None
        if own:
            for key in LENGTH_KEYS:
                limit.pop(key, None)
            limit.update({k: own[k] for k in LENGTH_KEYS if k in own}, tier=tier)
        limit.setdefault("clock_starts", "requirements_complete")
        # What the engine counts from: a standard that does not state it is counted from the complete file
        # (and printed as not stated).
        limit["counts_from"] = "submission" if limit["clock_starts"] == "submission" else "requirements_complete"
        limit.setdefault("start_day", "day_0")
        return limit

    def fee(self, variant_id: str | None = None) -> dict:
        variant = self.variant(variant_id)
        return (variant or {}).get("fee") or self.data["fee"]

    def fee_items(self, variant_id=None, channel_id=None, answers=None) -> list[dict]:
        """The tariff items that apply ("Paspor 48 halaman", "percepatan bila diminta"); with answers None a
        conditional item is included."""
        items = self.fee(variant_id).get("items") or []
        return [i for i in items if evaluate(i.get("when"), variant_id, channel_id, answers) is not False]

    def fee_total(self, variant_id=None, channel_id=None, answers=None) -> int | None:
        """What this application costs: the sum of the items that apply, or the one amount; None when it is
        set during the service (``assessed``) or not stated."""
        fee = self.fee(variant_id)
        if fee.get("items"):
            return sum(int(i["amount"]) * int(i.get("quantity", 1)) for i in
                       self.fee_items(variant_id, channel_id, answers or {}))
        return None if fee.get("assessed") or fee.get("not_stated") else fee.get("amount", 0)

    def requirements(self, variant_id=None, channel_id=None, answers=None) -> list[dict]:
        """Requirements that apply; with answers=None a conditional one is included (shown with its condition)."""
        items = list(self.data.get("requirements") or [])
        variant = self.variant(variant_id)
        if variant:
            items += variant.get("requirements") or []
        return [r for r in items if evaluate(r.get("when"), variant_id, channel_id, answers) is not False]

    def procedure_text(self, variant_id=None, channel_id=None):
        """The published procedure: a list of lines, or {channel: lines} when channel_id is None."""
        variant = self.variant(variant_id)
        text = (variant or {}).get("procedure") or self.data.get("procedure") or []
        if isinstance(text, dict) and channel_id is not None:
            return text.get(channel_id, [])
        return text

    def intake_roles(self, variant: str | None = None, channel: str | None = None, answers=None,
                     *, any_path: bool = False) -> frozenset:
        """The roles that receive an application of this variant and channel: the role of the first step an
        officer takes in its case (after the applicant's own steps of an online channel): the intake, or a
        step before it such as Bontang's customer service giving the queue number. With ``any_path``, those
        of every variant and channel (who may take applications of this standard at all)."""
        procedure = self.procedure
        if any_path:
            return frozenset(r for v, c in self.combinations() for r in self.intake_roles(v, c, answers or {}))
        step_id, seen = (procedure.first_steps(variant, channel, answers or {}) or [END])[0], set()
        while step_id in procedure.by_id and step_id not in seen:
            seen.add(step_id)
            step = procedure.by_id[step_id]
            if kind_of(step).by_officer:
                return frozenset([step.get("role")])
            step_id = (procedure.resolve(procedure.default_next(step_id), variant, channel, answers or {})
                       or [END])[0]
        return frozenset()

    @property
    def products(self) -> list[dict]:
        products = self.data["products"]
        return products if isinstance(products, list) else []  # {not_stated: true}: none

    @cached_property
    def refusal_documents(self) -> frozenset:
        """The products a rejection issues (an outcome's ``document``: a refusal letter), never those of the
        path that grants the service."""
        return frozenset(outcome["document"] for step in self.data.get("steps") or [] if isinstance(step, dict)
                         for outcome in (step.get("outcomes") or {}).values()
                         if isinstance(outcome, dict) and outcome.get("document"))

    @property
    def complaints(self) -> list[dict]:
        """The complaint channels: the standard's, or the office's (also where the standard states none)."""
        own = self.data.get("complaints")
        if isinstance(own, dict) and isinstance(own.get("channels"), list):
            own = own["channels"]
        return (own if isinstance(own, list) else None) or self.office.data.get("complaints") or []

    @property
    def complaint_handling(self) -> dict:
        """Component 6 beyond its channels: the handling flow, the tiers' limits and the complaint standard
        it refers to (empty when the standard lists channels only)."""
        own = self.data.get("complaints")
        return own if isinstance(own, dict) and "channels" in own else {}

    @property
    def not_stated(self) -> list[str]:
        """The components the source standard does not give (``not_stated: true``), as paths."""
        found = [key for key in ("time_limit", "fee", "products", "complaints")
                 if isinstance(self.data.get(key), dict) and self.data[key].get("not_stated")]
        found += [f"variants.{v['id']}.{key}" for v in self.variants for key in ("time_limit", "fee")
                  if isinstance(v.get(key), dict) and v[key].get("not_stated")]
        return found

    def stated(self, component: str) -> bool:
        return component not in self.not_stated

    @property
    def management(self) -> dict:
        merged = dict(self.office.data.get("management") or {})
        merged.update(self.data.get("management") or {})
        return {k: merged[k] for k in MANAGEMENT_KEYS if k in merged}

    @cached_property
    def procedure(self) -> Procedure:
        # Built once per standard: a loaded standard's data is never changed, and the engine and the
        # worklist ask for it at every step and row.
        return Procedure(self.data["steps"], self.data.get("start"))


@dataclass
class Bundle:
    data: dict
    office: Office
    file: str

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def title(self) -> str:
        return self.data["title"]


class Library:
    def __init__(self, offices: dict, standards: dict, bundles: dict):
        self.offices = offices
        self.standards = standards
        self.bundles = bundles

    def standard(self, ident: str) -> Standard:
        if ident in self.standards:
            return self.standards[ident]
        from .diagnostics import suggest

        raise UnknownStandard(ident, suggest(ident, list(self.standards) + list(self.bundles)))


def load_library(path: Path | str | None = None, *, allow_errors: bool = False) -> Library:
    """Validate a folder of standards and return its views. Raises LibraryError when any file is invalid."""
    from .validate import validate_paths

    result = validate_paths([path or standards_dir()])
    if result.errors and not allow_errors:
        raise LibraryError(result.errors)
    catalog = result.catalog
    offices = {i: Office(d.data, d.file) for i, d in catalog.by_kind["office"].items()}
    standards, bundles = {}, {}
    bad_files = {d.file for d in result.errors}
    for ident, doc in catalog.by_kind["standard"].items():
        if doc.file not in bad_files and doc.data.get("office") in offices:
            standards[ident] = Standard(doc.data, offices[doc.data["office"]], doc.file)
    for ident, doc in catalog.by_kind["bundle"].items():
        if doc.file not in bad_files and doc.data.get("office") in offices:
            bundles[ident] = Bundle(doc.data, offices[doc.data["office"]], doc.file)
    return Library(offices, standards, bundles)
