"""The questionnaire as data: the nine elements of PermenPAN-RB 14/2017 with their four answers
(engine/skm/data/), the respondent's profile, and the office's own extra questions (``survey.questions``
in the office's file)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA = Path(__file__).parent / "data" / "kuesioner-permenpan-14-2017.yaml"


@dataclass(frozen=True)
class Question:
    id: str
    name: str
    question: str
    answers: tuple[str, ...]  # four, from score 1 to 4; empty for a free-text question
    counts: bool              # one of the nine elements of the index

    @property
    def scored(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class Questionnaire:
    title: str
    questions: tuple[Question, ...]
    profile: tuple[dict, ...]

    @property
    def elements(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.counts)

    @property
    def extra(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if not q.counts)

    def profile_field(self, field_id: str) -> dict:
        return next(p for p in self.profile if p["id"] == field_id)


@lru_cache(maxsize=1)
def _regulation() -> dict:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def questionnaire(office_data: dict | None = None) -> Questionnaire:
    """The nine elements, then the office's own questions."""
    data = _regulation()
    questions = [Question(e["id"], e["name"], e["question"], tuple(e["answers"]), True) for e in data["elements"]]
    for extra in ((office_data or {}).get("survey") or {}).get("questions") or []:
        answers = tuple(extra.get("answers") or ()) if extra.get("type") != "text" else ()
        questions.append(Question(extra["id"], extra["question"], extra["question"], answers, False))
    return Questionnaire(data["title"], tuple(questions), tuple(data["profile"]))
