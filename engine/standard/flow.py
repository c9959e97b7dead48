"""The procedure of a standard as a graph: which step follows which, for a variant, channel and answers.

Shared by the validator (reachability, termination) and by the engine (where a case goes next), so the
two can never disagree about the meaning of ``next``, ``when`` and outcomes.
"""

from __future__ import annotations

from .kinds.base import APPLICANT_ROLE, SYSTEM_ROLE  # noqa: F401  (the built-in roles, defined with the kinds)

END = "end"
BUILTIN_ROLES = (APPLICANT_ROLE, SYSTEM_ROLE)
CONDITION_KEYS = ("variant", "channel")
UNKNOWN = None  # a condition on an application answer not known yet


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def evaluate(condition, variant=None, channel=None, answers=None):
    """True/False, or UNKNOWN when the condition depends on an answer not given (answers is None)."""
    if not condition or not isinstance(condition, dict):
        return True
    result = True
    for key, accepted in condition.items():
        accepted = as_list(accepted)
        if key == "variant":
            actual = variant
        elif key == "channel":
            actual = channel
        elif answers is None or key not in answers:
            result = UNKNOWN if result is not False else False
            continue
        else:
            actual = answers[key]
        if isinstance(actual, list):  # a multichoice answer matches when any chosen value is accepted
            matched = any(a in accepted for a in actual)
        else:
            matched = actual in accepted
        if not matched:
            return False
    return result


OUTCOME_FACT = "outcome"  # `when: {verifikasi.outcome: perlu_kunjungan}`: the outcome a step was completed with


def step_facts(step_id: str, outcome, data) -> dict:
    """What a completed step lets later conditions read: ``step.field`` for each form value and
    ``step.outcome`` for its outcome (a condition's key with a dot names a step's fact)."""
    found = {f"{step_id}.{key}": value for key, value in (data or {}).items()}
    if outcome is not None:
        found[f"{step_id}.{OUTCOME_FACT}"] = outcome
    return found


def reads_step_facts(condition) -> bool:
    return isinstance(condition, dict) and any(isinstance(k, str) and "." in k for k in condition)


class Procedure:
    """Steps of one standard indexed for navigation; tolerant of invalid input (the validator uses it)."""

    def __init__(self, steps: list, start: str | None = None):
        self.steps = [s for s in steps if isinstance(s, dict) and isinstance(s.get("id"), str)]
        self.by_id = {}
        for step in self.steps:
            self.by_id.setdefault(step["id"], step)
        self.order = [s["id"] for s in self.steps]
        self.start = start if start else (self.order[0] if self.order else END)
        # Whether a step's condition reads what an earlier step recorded (the case engine then gives it).
        self.reads_step_facts = any(reads_step_facts(s.get("when")) for s in self.steps)

    def default_next(self, step_id: str) -> str:
        step = self.by_id[step_id]
        if isinstance(step.get("next"), str):
            return step["next"]
        index = self.order.index(step_id)
        return self.order[index + 1] if index + 1 < len(self.order) else END

    def exits(self, step_id: str) -> list[tuple[str, str]]:
        """(label, target) pairs leaving a step, before skipping steps whose condition is false."""
        step = self.by_id[step_id]
        outcomes = step.get("outcomes")
        if not isinstance(outcomes, dict) or not outcomes:
            return [("next", self.default_next(step_id))]
        result = []
        for name, outcome in outcomes.items():
            if not isinstance(outcome, dict):
                continue
            action = outcome.get("action")
            if action == "reject":
                result.append((name, END))
            elif action == "return_to_applicant":
                target = outcome.get("next")
                result.append((name, target if isinstance(target, str) else step_id))
            else:
                target = outcome.get("next")
                result.append((name, target if isinstance(target, str) else self.default_next(step_id)))
        return result

    def resolve(self, target: str, variant=None, channel=None, answers=None, _seen=None) -> list[str]:
        """Steps a case may actually land on when sent to ``target``: steps whose condition is false are
        passed over to their own next step. Several results only when an answer is unknown."""
        if not isinstance(target, str) or target == END or target not in self.by_id:
            return [target] if isinstance(target, str) else []
        seen = _seen or set()
        if target in seen:  # a cycle made only of skipped steps: treat as unreachable end
            return []
        verdict = evaluate(self.by_id[target].get("when"), variant, channel, answers)
        if verdict is True:
            return [target]
        skipped = self.resolve(self.default_next(target), variant, channel, answers, seen | {target})
        return skipped if verdict is False else [target] + skipped

    def first_steps(self, variant=None, channel=None, answers=None) -> list[str]:
        return self.resolve(self.start, variant, channel, answers)

    def successors(self, step_id: str, variant=None, channel=None, answers=None) -> list[str]:
        found = []
        for _, target in self.exits(step_id):
            for landed in self.resolve(target, variant, channel, answers):
                if landed not in found:
                    found.append(landed)
        return found

    def reachable(self, variant=None, channel=None, answers=None) -> list[str]:
        """Steps reachable from the start, in discovery order (END included when reachable)."""
        order, stack = [], list(reversed(self.first_steps(variant, channel, answers)))
        while stack:
            current = stack.pop()
            if current in order:
                continue
            order.append(current)
            if current in self.by_id:
                stack.extend(reversed(self.successors(current, variant, channel, answers)))
        return order

    def stuck(self, variant=None, channel=None, answers=None) -> list[str]:
        """Reachable steps from which no path leads to the end."""
        reach = self.reachable(variant, channel, answers)
        can_end = {END}
        changed = True
        while changed:
            changed = False
            for step_id in reach:
                if step_id in can_end or step_id not in self.by_id:
                    continue
                if any(s in can_end for s in self.successors(step_id, variant, channel, answers)):
                    can_end.add(step_id)
                    changed = True
        return [s for s in reach if s not in can_end and s in self.by_id]


def combinations(standard: dict) -> list[tuple]:
    """(variant id, channel id) pairs a case of this standard can have; None where there are none."""
    channels = [c.get("id") for c in standard.get("channels") or [] if isinstance(c, dict)]
    variants = [v for v in standard.get("variants") or [] if isinstance(v, dict)]
    if not variants:
        return [(None, c) for c in channels] or [(None, None)]
    pairs = []
    for variant in variants:
        allowed = variant.get("channels") if isinstance(variant.get("channels"), list) else channels
        if allowed:
            pairs.extend((variant.get("id"), c) for c in allowed)
        else:
            pairs.append((variant.get("id"), None))
    return pairs
