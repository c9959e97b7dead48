"""The SKM report (Laporan Survei Kepuasan Masyarakat) as HTML or PDF, from forms/laporan_skm.html.j2, with
its chart drawn here as inline SVG from escaped text."""

from __future__ import annotations

from markupsafe import Markup, escape

from engine.cases.documents import render_named
from engine.skm.index import GRADE_TABLE
from engine.skm.periods import Period

from .followups import STATUSES
from .responses import CHANNELS

BAR_COLOURS = {"A": "#1c7c3a", "B": "#4a78b5", "C": "#d08a00", "D": "#b3261e"}


def chart(result, names: dict[str, str]) -> Markup:
    """The average (NRR, 1-4) of each element as a bar, its value written at the end; 3 and 4 marked."""
    if result is None:
        return Markup("")
    width, bar, gap, label_w = 640, 16, 8, 250
    rows = list(result.nrr.items())
    height = 24 + len(rows) * (bar + gap)
    scale = (width - label_w - 50) / 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Nilai rata-rata tiap unsur" font-family="DejaVu Sans, sans-serif">']
    for mark in (1, 2, 3, 4):
        x = label_w + mark * scale
        parts.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{height - 4}" stroke="#ccc"/>'
                     f'<text x="{x:.1f}" y="{height}" font-size="9" text-anchor="middle">{mark}</text>')
    for n, (element, value) in enumerate(rows):
        y = 6 + n * (bar + gap)
        label = escape(f"{element} {names.get(element, '')}"[:40])
        colour = "#b3261e" if element in result.lowest else "#4a78b5"
        shown = f"{value:.2f}".replace(".", ",")
        parts.append(f'<text x="0" y="{y + 12}" font-size="11">{label}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{value * scale:.1f}" height="{bar}" fill="{colour}">'
                     f'<title>{element}: {shown}</title></rect>'
                     f'<text x="{label_w + value * scale + 4:.1f}" y="{y + 12}" font-size="11">{shown}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def report_html(results: dict, *, standalone: bool = True) -> Markup:
    """The report; its every value escaped by the forms' autoescaping environment (so the page that holds
    it may place it as markup)."""
    q = results["questionnaire"]
    names = {e.id: e.name for e in q.elements}
    period: Period = results["period"]
    overall, minimum = results["overall"], results["minimum"]
    sample = {"met": overall is not None and overall.respondents >= minimum,
              "short": max(minimum - (overall.respondents if overall else 0), 0)}
    shown = [(text, f"{count} responden" if count > 1 else "") for text, count in results["suggestions"]]
    return Markup(render_named("laporan_skm.html.j2", {
        **results, "names": names, "period_name": period.name, "chart": chart(results["overall"], names),
        "grade_table": GRADE_TABLE, "channels_named": {CHANNELS.get(k, k): v for k, v in results["channels"].items()},
        "statuses": STATUSES, "standalone": standalone, "colours": BAR_COLOURS, "sample": sample,
        "suggestions_shown": shown, "show_units": len(results.get("units") or []) > 1,
        "show_services": len(results["services"]) > 1 or bool(results["services"] and not results["standard_id"]),
        "profile_labels": {p["id"]: p for p in q.profile}}))


def report_pdf(results: dict) -> bytes:
    from engine.pdf import html_to_pdf

    return html_to_pdf(report_html(results))
