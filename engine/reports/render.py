"""The report as text, CSV, JSON or HTML (with an inline SVG chart: nothing fetched from elsewhere).

In the web application every figure of the HTML report links to the case list showing those cases
(``drill``: engine/cases/finding.py's filters)."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from jinja2 import PackageLoader
from markupsafe import Markup

from engine.markup import environment
from engine.standard.wording import long_date
from engine.textgrid import grid

COLUMNS = [("standard", "standar"), ("variant", "varian"), ("channel", "kanal"), ("received", "diterima"),
           ("completed", "selesai"), ("on_time_pct", "tepat waktu %"), ("median_working_days", "median hari"),
           ("p90_working_days", "p90 hari"), ("open_at_risk", "berisiko"), ("open_late", "terlambat"),
           ("breaches", "pelanggaran"), ("rejected", "ditolak"), ("products_issued", "produk")]

# The HTML table's headings, for people (the text and CSV keep the short ones above).
HEADINGS = {"received": "Diterima", "completed": "Selesai", "on_time_pct": "Selesai tepat waktu",
            "median_working_days": "Lama selesai, median (hari kerja)",
            "p90_working_days": "9 dari 10 selesai dalam (hari kerja)", "open": "Masih berjalan",
            "open_at_risk": "Berjalan, hampir lewat", "open_late": "Berjalan, terlambat",
            "breaches": "Pelanggaran batas waktu", "rejected": "Ditolak", "products_issued": "Produk terbit"}
HTML_COLUMNS = ["received", "completed", "on_time_pct", "median_working_days", "p90_working_days", "open",
                "open_at_risk", "open_late", "breaches", "rejected", "products_issued"]

# Bars of the chart: (figure, colour, legend), drawn left to right.
BARS = (("on_time", "#1c7c3a", "selesai tepat waktu"), ("late", "#b3261e", "selesai terlambat"),
        ("open_on_track", "#4a78b5", "berjalan sesuai jadwal"), ("open_at_risk", "#d08a00", "berjalan, hampir lewat"),
        ("open_late", "#7a3b00", "berjalan, terlambat"))


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def as_text(report: dict) -> str:
    rows = [[_cell(g[key]) for key, _ in COLUMNS] for g in report["groups"]]
    t = report["totals"]
    rows.append(["JUMLAH", "", "", *(_cell(t.get(k)) for k, _ in COLUMNS[3:6]), "", "",
                 *(_cell(t.get(k)) for k, _ in COLUMNS[8:])])
    lines = [f"Laporan {report['office']} {report['from']} s.d. {report['to']}", grid(rows, [h for _, h in COLUMNS])]
    for g in report["groups"]:
        details = []
        if g["breach_steps"]:
            details.append("  waktu hilang di: " + "; ".join(f"{b['step']} ({b['role']}) {b['cases']}"
                                                            for b in g["breach_steps"]))
        if g.get("steps_over_target"):
            details.append("  langkah melewati targetnya: " + "; ".join(
                f"{t['step']} ({t['role']}) {t['tasks']}" for t in g["steps_over_target"]))
        if g["returns"]:
            details.append("  dikembalikan: " + "; ".join(f"{r['reason']} ({r['count']})" for r in g["returns"]))
        if g["rejections"]:
            details.append("  ditolak: " + "; ".join(f"{r['reason']} ({r['count']})" for r in g["rejections"]))
        if details:
            lines.append(f"{g['standard']} {g['variant'] or ''} {g['channel'] or ''}".rstrip())
            lines += details
    return "\n".join(lines)


def as_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([key for key, _ in COLUMNS] + ["breach_steps", "steps_over_target", "returns", "rejections"])
    for g in report["groups"]:
        writer.writerow([g[key] for key, _ in COLUMNS] + [json.dumps(g.get(k, []), ensure_ascii=False)
                                                          for k in ("breach_steps", "steps_over_target", "returns", "rejections")])
    return out.getvalue()


def as_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def _bars(g: dict) -> dict:
    done_late = g["completed"] - g["on_time"]
    open_now = g.get("open", g["open_at_risk"] + g["open_late"])
    return {"on_time": g["on_time"], "late": done_late, "open_at_risk": g["open_at_risk"],
            "open_late": g["open_late"], "open_on_track": max(open_now - g["open_at_risk"] - g["open_late"], 0)}


def _label(g: dict) -> str:
    label = g.get("title") or g["standard"]
    extra = " · ".join(x for x in (g.get("variant"), g.get("channel")) if x)
    return label + (f" ({extra})" if extra else "")


def chart(report: dict) -> str:
    """One bar per standard, variant and channel: completed on time and late, open on track, at risk and
    late, each with its number written on it; the service's title above its bar; a coloured legend."""
    groups = report["groups"]
    width, bar, gap, legend_rows = 640, 18, 30, 2
    top = max([sum(_bars(g).values()) for g in groups] + [1])
    height = 12 + legend_rows * 18 + len(groups) * (bar + gap) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Penyelesaian dan kasus berjalan per layanan" font-family="DejaVu Sans, sans-serif">']
    for n, (_key, colour, legend) in enumerate(BARS):
        x, y = (n % 3) * 210, 12 + (n // 3) * 18
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 17}" y="{y}" font-size="12">{legend}</text>')
    scale = (width - 2) / top
    for n, g in enumerate(groups):
        y = 12 + legend_rows * 18 + n * (bar + gap)
        parts.append(f'<text x="0" y="{y + 10}" font-size="12">{_escape(_label(g)[:95])}</text>')
        x, y = 0.0, y + 14
        for key, colour, legend in BARS:
            value = _bars(g)[key]
            if not value:
                continue
            w = value * scale
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                         f'<title>{legend}: {value}</title></rect>')
            if w >= 8 * len(str(value)) + 4:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 13}" font-size="11" fill="#fff" '
                             f'text-anchor="middle">{value}</text>')
            x += w
        if x < width - 40:
            parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="11" fill="#444">'
                         f'{sum(_bars(g).values())}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _escape(text) -> str:
    return str(Markup.escape(text))


def drill(report: dict, g: dict | None) -> dict[str, str]:
    """For each figure of a row (or of the totals, ``g`` None), the case list's query showing its cases."""
    base = {}
    if g is not None:
        base = {k: v for k, v in (("standard", g["standard"]), ("variant", g.get("variant")),
                                  ("channel", g.get("channel"))) if v}
    received = {"from": report["from"], "to": report["to"]}
    closed = {"closed_from": report["from"], "closed_to": report["to"]}
    links = {"received": received, "completed": {**closed, "status": "done"},
             "on_time_pct": {**closed, "status": "done", "sla": "on_time"},
             "open": {"status": "open"}, "open_at_risk": {"status": "open", "sla": "at_risk"},
             "open_late": {"status": "open", "sla": "late"}, "rejected": {**closed, "status": "rejected"}}
    return {key: "/cari?" + urlencode({**base, **values}) for key, values in links.items()}


_ENV = environment(PackageLoader("engine.web", "templates"))


def as_html(report: dict, standalone: bool = True, *, links: bool = False) -> str:
    """The report's page (or, not standalone, its part of the auditors' page, where ``links`` makes every
    figure open the case list): every value escaped; the chart is markup built here from escaped text."""
    return Markup(_ENV.get_template("report.html.j2").render(
        report=report, columns=HTML_COLUMNS, headings=HEADINGS, cell=_cell, chart=Markup(chart(report)),
        standalone=standalone, drill=(lambda g: drill(report, g)) if links else None, label=_label,
        long_date=long_date))
