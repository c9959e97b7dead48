"""`layanan render`: a standard's official document (html, pdf, md), its poster, or an office's Maklumat
Pelayanan, from the Jinja2 templates in forms/; PDF through WeasyPrint."""

from __future__ import annotations

from datetime import date

from engine.cases.documents import render_named

from .document import context

TEMPLATES = {"document": "standar_pelayanan", "poster": "poster"}


def render_standard(std, kind: str = "document", fmt: str = "html") -> str | bytes:
    if fmt == "md":
        if kind != "document":
            raise ValueError("markdown hanya untuk dokumen standar")
        return render_named("standar_pelayanan.md.j2", context(std))
    html = render_named(f"{TEMPLATES[kind]}.html.j2", context(std))
    return to_pdf(html) if fmt == "pdf" else html


def render_maklumat(office, fmt: str = "html", on: date | None = None) -> str | bytes:
    html = render_named("maklumat.html.j2", {"office": office.data, "date": on})
    return to_pdf(html) if fmt == "pdf" else html


def to_pdf(html: str) -> bytes:
    from engine.pdf import html_to_pdf

    return html_to_pdf(html)  # the documents carry their styles inline; nothing else is fetched
