"""A respondent's answers as a form sends them (the public survey, the kiosk, an officer typing a paper
form), checked against the questionnaire: every one of the nine elements answered 1-4, the office's own
questions and the profile as their choices allow. Errors are per field, in Indonesian."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .questionnaire import Questionnaire

MAX_TEXT = 2000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Answers:
    scores: dict[str, int]
    extra: dict = field(default_factory=dict)
    profile: dict = field(default_factory=dict)
    suggestion: str = ""


def check(form: dict, questionnaire: Questionnaire) -> tuple[Answers | None, dict[str, str]]:
    """``form`` maps field names (U1..U9, q.<id>, age, sex, education, occupation, suggestion) to text."""
    errors: dict[str, str] = {}
    scores, extra, profile = {}, {}, {}
    for q in questionnaire.elements:
        value = str(form.get(q.id) or "").strip()
        if value not in ("1", "2", "3", "4"):
            errors[q.id] = "pilih salah satu jawaban" if not value else "jawaban harus 1 sampai 4"
        else:
            scores[q.id] = int(value)
    for q in questionnaire.extra:
        value = str(form.get(f"q.{q.id}") or "").strip()
        if not value:
            continue
        if q.scored and value not in ("1", "2", "3", "4"):
            errors[f"q.{q.id}"] = "jawaban harus 1 sampai 4"
        elif not q.scored and (len(value) > MAX_TEXT or CONTROL.search(value)):
            errors[f"q.{q.id}"] = f"paling banyak {MAX_TEXT} karakter, tanpa karakter kendali"
        else:
            extra[q.id] = int(value) if q.scored else value
    age = str(form.get("age") or "").strip()
    if age:
        bounds = questionnaire.profile_field("age")
        if not age.isdigit() or not bounds["min"] <= int(age) <= bounds["max"]:
            errors["age"] = f"umur {bounds['min']} sampai {bounds['max']} tahun"
        else:
            profile["age"] = int(age)
    for key in ("sex", "education", "occupation"):
        value = str(form.get(key) or "").strip()
        if not value:
            continue
        if value not in questionnaire.profile_field(key)["choices"]:
            errors[key] = "pilihan tidak dikenal"
        else:
            profile[key] = value
    suggestion = str(form.get("suggestion") or "").strip()
    if len(suggestion) > MAX_TEXT or CONTROL.search(suggestion):
        errors["suggestion"] = f"saran paling banyak {MAX_TEXT} karakter, tanpa karakter kendali"
    if errors:
        return None, errors
    return Answers(scores, extra, profile, suggestion), {}
