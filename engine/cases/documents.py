"""Product documents rendered from Jinja2 templates in forms/ (a generic letter when a standard names none)."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from engine.standard import wording

# The repository's forms/ (layanan is installed editable from its checkout).
PACKAGE_FORMS = Path(__file__).resolve().parents[2] / "forms"


def forms_dirs() -> list[Path]:
    """Project forms/ (or $LAYANAN_FORMS) first, then the templates shipped with the package."""
    dirs = [Path(os.environ.get("LAYANAN_FORMS", "forms")), PACKAGE_FORMS]
    return [d for d in dirs if d.is_dir()]


@lru_cache(maxsize=4)
def _environment(dirs: tuple[str, ...]):
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined

    from engine.markup import environment

    env = environment(ChoiceLoader([FileSystemLoader(d) for d in dirs]), undefined=StrictUndefined)
    env.filters["tanggal"] = wording.long_date
    env.filters["rupiah"] = wording.rupiah
    return env


def context(standard, product: dict, number, case, steps: dict, date, signature) -> dict:
    """What a product's template reads: the office, the standard, the product and its number, the case
    (number, received), the applicant and answers, the steps' data ({step id: data}) and the same as
    labelled text (``values``: [(label, text)]), the date and the signer's block (None for a draft)."""
    from engine.standard.values import steps_shown

    from .privacy import shown

    return {"office": standard.office.data, "standard": standard.data, "product": product, "number": number,
            "case": {"number": case.number, "received_at": case.received_at.date()},
            # A confidential applicant is not named in a letter others sign and read.
            "applicant": shown(case.applicant, standard.data, case.answers, None), "answers": case.answers, "steps": steps,
            "values": steps_shown(standard.procedure, steps), "date": date, "signature": signature}


def render(template: str | None, context: dict) -> tuple[str, str]:
    """(HTML, SHA-256 of it) for a product document."""
    env = _environment(tuple(str(d) for d in forms_dirs()))
    names = [f"{template}.html.j2"] if template else []
    tmpl = env.select_template(names + ["produk.html.j2"])
    html = tmpl.render(**context)
    return html, hashlib.sha256(html.encode()).hexdigest()


def render_named(template: str, context: dict) -> str:
    """A named template of forms/ (published standards, posters, the maklumat)."""
    env = _environment(tuple(str(d) for d in forms_dirs()))
    return env.get_template(template).render(**context)
