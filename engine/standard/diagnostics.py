"""Diagnostics: one problem in one file, at one line, on one field."""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass

from .yamlpos import Path, format_path


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    col: int
    path: str
    message: str
    severity: str = "error"  # "error" | "warning" | "review" (a reviewer's note: valid, but look at it)
    code: str = ""
    suggestion: str | None = None

    def format(self) -> str:
        text = f"{self.file}:{self.line}:{self.col}: {self.path}: {self.message}"
        if self.severity in ("warning", "review"):
            label = "peringatan" if self.severity == "warning" else "catatan reviu"
            text = f"{self.file}:{self.line}:{self.col}: {self.path}: {label}: {self.message}"
        if self.suggestion:
            text += f" (maksud Anda '{self.suggestion}'?)"
        return text

    def as_dict(self) -> dict:
        return asdict(self)


def _tails_alike(name: str, candidate: str) -> bool:
    """Ids that share a prefix word must also be alike after it: 'disdukcapil-sorong' is not a misspelt
    'disdukcapil-bontang' although most of their letters match."""
    head = 0
    for a, b in zip(name, candidate):
        if a != b:
            break
        head += 1
    cut = max(name.rfind("-", 0, head), name.rfind("_", 0, head)) + 1
    if cut <= 0:
        return True
    return difflib.SequenceMatcher(None, name[cut:], candidate[cut:]).ratio() >= 0.6


def suggest(name: object, candidates) -> str | None:
    """The closest known name to a misspelt one, if any is close enough."""
    if not isinstance(name, str):
        return None
    pool = [c for c in candidates if isinstance(c, str)]
    matches = [m for m in difflib.get_close_matches(name, pool, n=3, cutoff=0.6) if _tails_alike(name, m)][:1]
    if not matches:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            return lowered[name.lower()]
    return matches[0] if matches else None


class Reporter:
    """Collects diagnostics for one loaded document, turning paths into positions."""

    def __init__(self, file: str, located) -> None:
        self.file = file
        self.located = located
        self.items: list[Diagnostic] = []

    def error(self, path: Path, message: str, *, code: str, suggestion: str | None = None,
              at_value: bool = False) -> None:
        self._add(path, message, code, suggestion, "error", at_value)

    def review(self, path: Path, message: str, *, code: str) -> None:
        self._add(path, message, code, None, "review", False)

    def warning(self, path: Path, message: str, *, code: str, suggestion: str | None = None,
                at_value: bool = False) -> None:
        self._add(path, message, code, suggestion, "warning", at_value)

    def _add(self, path, message, code, suggestion, severity, at_value) -> None:
        path = tuple(path)
        pos = self.located.value_pos(path) if at_value else self.located.pos(path)
        self.items.append(
            Diagnostic(self.file, pos.line, pos.col, format_path(path), message, severity, code, suggestion)
        )

    def items_for(self, prefix: Path) -> list[Diagnostic]:
        """Errors already reported at or under a path, e.g. ('steps',)."""
        text = format_path(tuple(prefix))
        return [d for d in self.items if d.severity == "error" and
                (d.path == text or d.path.startswith(text + ".") or d.path.startswith(text + "["))]
