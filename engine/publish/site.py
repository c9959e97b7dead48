"""`layanan site OUT/`: a static public website of the published standards, searchable in the browser and
working offline (relative links, one bundled script and stylesheet, nothing fetched from elsewhere)."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.cases.documents import render_named
from engine.standard import wording

from .render import render_maklumat, render_standard, to_pdf

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"


def _summary(std) -> str:
    return f"{wording.time_limit_short(std.time_limit())} · {wording.fee(std.fee())}"


def build(library, out: Path, *, office: str | None = None, drafts: bool = False, pdf: bool = True,
          progress=None) -> dict:
    """The public site in ``out``; ``progress(n, total, standard)`` is told before each standard is made."""
    out.mkdir(parents=True, exist_ok=True)
    standards = sorted((s for s in library.standards.values()
                        if (drafts or s.data.get("status") != "draft") and (office is None or s.office.id == office)),
                       key=lambda s: (s.office.name, s.title))
    offices = sorted({s.office.id: s.office for s in standards}.values(), key=lambda o: o.name)
    for n, std in enumerate(standards, 1):
        if progress is not None:
            progress(n, len(standards), std)
        html = render_standard(std)
        if pdf:
            (out / f"{std.id}.pdf").write_bytes(to_pdf(html))
        back = ('<p class="noprint" style="font-family:sans-serif"><a href="index.html">&larr; Semua standar</a>'
                + (f' · <a href="{std.id}.pdf">PDF</a>' if pdf else "") + "</p>")
        page = html.replace("<body>", "<body>\n" + back, 1).replace(
            "</style>", "@media print { .noprint { display: none; } }</style>", 1)
        (out / f"{std.id}.html").write_text(page, encoding="utf-8")
    for o in offices:
        (out / f"maklumat-{o.id}.html").write_text(render_maklumat(o), encoding="utf-8")
    (out / "index.html").write_text(render_named("situs_index.html.j2", {
        "standards": standards, "offices": offices, "pdf": pdf, "wording_time": _summary}), encoding="utf-8")
    shutil.copy(STATIC / "cari.js", out / "cari.js")
    return {"standards": len(standards), "offices": len(offices), "path": str(out)}
