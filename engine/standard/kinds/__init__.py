"""The registry of step kinds: every module of this package but ``base`` defines one ``KIND``.

    from engine.standard.kinds import KINDS, kind_of
    kind_of(step).receives_requirements
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import APPLICANT, OFFICER, SYSTEM, StepKind  # noqa: F401  (the registry's vocabulary)

DEFAULT = "form"  # a step without a kind


def _discover() -> dict[str, StepKind]:
    found = {}
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.name == "base":
            continue
        kind = importlib.import_module(f"{__name__}.{module.name}").KIND
        if kind.name in found:
            raise RuntimeError(f"step kind {kind.name} defined twice")
        found[kind.name] = kind
    return found


KINDS: dict[str, StepKind] = _discover()


def kind_named(name: str | None) -> StepKind | None:
    return KINDS.get(name or DEFAULT)


def kind_of(step: dict) -> StepKind:
    """The kind of a step of a valid standard (an unknown kind is a validation error before this)."""
    return KINDS[step.get("kind") or DEFAULT]
