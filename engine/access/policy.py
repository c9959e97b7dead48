"""Who may do what, in one place: every command of the case service, every page, every API route and the
command line asks ``check`` (or ``allowed``) with the actor, the action and what it acts on.

The rules are a table (``RULES``): an action names who may take it, in terms of the actor's kind (an
officer, the applicant, the system), office, roles and standing (admin, auditor). No caller decides for
itself: a flag of a command (``--incomplete``, ``incomplete: true`` in the API) changes what the command
does, never who may do it. tests/test_security_authorization.py runs every rule against every role of
every office for every standard, through the JSON API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import Forbidden

OFFICER, APPLICANT_KIND, SYSTEM_KIND = "officer", "applicant", "system"


@dataclass(frozen=True)
class Actor:
    """Whoever acts: an officer (username, office, roles, standing), the applicant, or the system."""
    username: str
    office_id: str | None = None
    roles: frozenset = frozenset()
    is_admin: bool = False
    is_auditor: bool = False
    kind: str = OFFICER
    id: int | None = None


APPLICANT = Actor("pemohon", kind=APPLICANT_KIND)
SYSTEM = Actor("sistem", kind=SYSTEM_KIND)


@dataclass(frozen=True)
class Target:
    """What an action acts on: the office it belongs to; for a step, the role it needs (a role id, or
    'pemohon' / 'sistem'); for opening a case, the roles of the standard's intake and whether the applicant
    may start it (an online channel that begins with the applicant's own step)."""
    office_id: str | None = None
    role: str | None = None
    step: str | None = None
    intake_roles: frozenset = frozenset()
    applicant_starts: bool = False
    role_name: str | None = None
    office_name: str | None = None
    extra: dict = field(default_factory=dict)


def _same_office(actor: Actor, target: Target) -> str | None:
    if actor.kind != OFFICER:
        return "hanya untuk petugas yang masuk"
    if actor.office_id != target.office_id:
        return f"{actor.username} bukan petugas {target.office_name or target.office_id}"
    return None


def _open_case(actor: Actor, target: Target) -> str | None:
    if actor.kind == SYSTEM_KIND:
        return None  # registered by the office's own machinery: the command line without --as, an import
    if actor.kind == APPLICANT_KIND:
        return None if target.applicant_starts else "permohonan ini diterima di loket oleh petugas"
    problem = _same_office(actor, target)
    if problem:
        return problem
    if not actor.roles & target.intake_roles:
        needed = ", ".join(sorted(target.intake_roles)) or "-"
        return f"pendaftaran memerlukan peran penerima berkas ({needed}); {actor.username} tidak memilikinya"
    return None


def _act_on_step(actor: Actor, target: Target) -> str | None:
    if target.role == SYSTEM.username:
        return None if actor.kind == SYSTEM_KIND else \
            "langkah otomatis dijalankan oleh sistem (Prefect), bukan oleh petugas"
    if target.role == APPLICANT.username:
        return None if actor.kind == APPLICANT_KIND else f"langkah '{target.step}' dilakukan oleh pemohon"
    problem = _same_office(actor, target)
    if problem:
        return problem
    if target.role not in actor.roles:
        return (f"langkah '{target.step}' memerlukan peran {target.role_name or target.role} ({target.role}); "
                f"{actor.username} tidak memilikinya")
    return None


def _read_case(actor: Actor, target: Target) -> str | None:
    return _same_office(actor, target)


def _officer(actor: Actor, target: Target) -> str | None:
    return None if actor.kind == OFFICER else "hanya untuk petugas yang masuk"


def _admin(actor: Actor, target: Target) -> str | None:
    problem = _same_office(actor, target)
    if problem:
        return problem
    return None if actor.is_admin else "halaman ini hanya untuk admin kantor"


def _auditor(actor: Actor, target: Target) -> str | None:
    problem = _same_office(actor, target)
    if problem:
        return problem
    return None if actor.is_auditor or actor.is_admin else "halaman ini untuk auditor dan admin kantor"


def _stock_keeper(actor: Actor, target: Target) -> str | None:
    problem = _same_office(actor, target)
    if problem:
        return problem
    keepers = frozenset(target.extra.get("keepers") or ())
    if actor.is_admin or actor.roles & keepers:
        return None
    return (f"pencatatan persediaan oleh admin kantor atau peran {', '.join(sorted(keepers)) or '-'}; "
            f"{actor.username} tidak memilikinya")


def _extend_limit(actor: Actor, target: Target) -> str | None:
    problem = _same_office(actor, target)
    if problem:
        return problem
    role = target.role
    if role and role not in actor.roles:
        return (f"perpanjangan jangka waktu oleh peran {target.role_name or role} ({role}); {actor.username} "
                f"tidak memilikinya")
    return None


# action -> (rule, the field a refusal names)
RULES = {
    "case.open": (_open_case, "as"),       # register an application (counter intake, or the applicant online)
    "case.read": (_read_case, "case"),     # the case page, receipt, documents, history, the API's case view
    "task.act": (_act_on_step, "as"),      # claim, release or complete a step
    "worklist.read": (_officer, "as"),     # one's own worklist (own office and roles by construction)
    "users.manage": (_admin, "admin"),     # the office's users, roles and passwords
    "audit.read": (_auditor, "auditor"),   # the office's report and the audit chain's state
    "stock.record": (_stock_keeper, "as"),  # receipts, returns and transfers of the office's stock
    "case.extend": (_extend_limit, "as"),  # extend a running case's time limit (the standard's extension role)
}


def refusal(actor: Actor, action: str, target: Target = Target()) -> str | None:
    """Why ``actor`` may not take ``action`` on ``target`` (Indonesian), or None."""
    rule, _field = RULES[action]
    return rule(actor, target)


def allowed(actor: Actor, action: str, target: Target = Target()) -> bool:
    return refusal(actor, action, target) is None


def check(actor: Actor, action: str, target: Target = Target()) -> None:
    """Raise Forbidden (naming the field of the actor) unless the rule allows it."""
    problem = refusal(actor, action, target)
    if problem is not None:
        raise Forbidden(problem, RULES[action][1])
