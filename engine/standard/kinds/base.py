"""What a step kind is: everything the engine needs to know of one kind of step, in one object.

Each kind lives in a module of its own in this package (``intake.py``, ``signature.py``...), which
creates one ``StepKind`` and nothing else; ``engine/standard/kinds/__init__.py`` finds them. The rest of the
engine asks the kind (``kind_of(step)``) instead of comparing kind names: the validator for its keys and
checks, the wording for its label, the case engine for who performs it, whether it receives
requirements, how it moves the SLA clock and which effects an approval has, the web pages for what the
task page shows, the simulator for how to act it out. A new kind is a new module here (plus, when it needs
an effect the case engine does not have yet, that effect in ``engine/cases/issued.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

OFFICER, APPLICANT, SYSTEM = "officer", "applicant", "system"
APPLICANT_ROLE, SYSTEM_ROLE = "pemohon", "sistem"  # the built-in roles (engine/standard/flow.py names them too)


@dataclass(frozen=True)
class StepKind:
    name: str
    label: str  # Indonesian, as printed in standards and shown on pages
    performer: str = OFFICER  # OFFICER (the step's role), APPLICANT or SYSTEM
    # The validator: keys that only this kind may have, keys it needs ({key: message}), and more checks
    # (``check(step, error)``, ``error(path_tail, message, code)``).
    own_keys: frozenset = frozenset()
    required_keys: dict = field(default_factory=dict)
    has_form: bool = True
    check: Callable | None = None
    # Built in to every step of the kind (a step's own ``form`` and ``outcomes`` come first).
    fields: list = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)
    default_outcome: str | None = None  # the built-in outcome meant when none is given (callers before it had any)
    returns_to_previous: bool = False  # a return without 'next' goes to the officers' step before it, not itself
    # The case engine.
    receives_requirements: bool = False  # requirements are received (and checked complete) on this step
    may_be_incomplete: bool = False  # the file may be recorded incomplete here (the clock waits)
    starts_clock: bool = False  # approving it starts the SLA clock (when the standard counts from complete)
    resumes_clock: bool = True  # approving it after the file was with the applicant runs the clock on
    on_approve: tuple = ()  # effects of an approval, by name (engine/cases/effects.py: EFFECTS)
    outcome_effects: dict = field(default_factory=dict)  # {outcome: effects} for the kind's own outcomes
    events: dict = field(default_factory=dict)  # {event kind: Indonesian label} of the events its effects write
    on_enter: tuple = ()  # effects when the case enters the step
    assesses_fee: bool = False  # the fee is set here (a standard whose fee is ``assessed`` needs such a step)
    asks_passphrase: bool = False  # approving it needs the officer's TTE passphrase (engine/access/tte.py)
    in_worklists: bool = True  # an officer's or applicant's task (not the system's)
    # The simulation (engine/reports/capacity.py): an officer's typical minutes on a step of this kind, used
    # only until the office's own history measures it (and said so where it is used).
    typical_minutes: float = 10.0
    # The task page.
    submit_label: str = "Simpan"
    page_note: str | None = None  # shown above the submit button; may name {document}

    def role(self, step: dict) -> str:
        """The role that performs a step of this kind."""
        if self.performer == APPLICANT:
            return APPLICANT_ROLE
        if self.performer == SYSTEM:
            return SYSTEM_ROLE
        return step.get("role")

    @property
    def by_officer(self) -> bool:
        return self.performer == OFFICER

    def form_fields(self, step: dict) -> list:
        return ((step.get("form") or {}).get("fields") or []) or list(self.fields)

    def outcomes_of(self, step: dict) -> dict:
        return step.get("outcomes") or self.outcomes

    def outcome_choices(self, step: dict, labels: dict) -> list[tuple[str, str, str]]:
        """(key, Indonesian label, action) of the step's outcomes as an officer chooses them: in the order
        the standard declares them, the approving ones first (unless the step first waits); ``labels`` are the actions' labels. Two
        outcomes of the same action and without labels of their own are told apart by their keys."""
        outcomes = self.outcomes_of(step)
        actions = [spec.get("action", "approve") for spec in outcomes.values()]
        choices = []
        for (key, spec), action in zip(outcomes.items(), actions):
            label = spec.get("label")
            if not label:
                label = labels.get(action, key)
                if actions.count(action) > 1:
                    label = f"{label}: {key.replace('_', ' ')}"
            choices.append((key, label[:1].upper() + label[1:], action, bool(spec.get("waits_for"))))
        # A step that first waits (the fee assessed, then paid) keeps its declared order throughout.
        ordered = choices if any(c[3] for c in choices) else sorted(choices, key=lambda c: c[2] != "approve")
        return [c[:3] for c in ordered]
