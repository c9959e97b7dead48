"""The report as text, CSV, JSON or HTML (with an inline SVG chart: nothing fetched from elsewhere)."""

from __future__ import annotations

import csv
import io
import json

from jinja2 import PackageLoader
from markupsafe import Markup

from engine.markup import environment
from engine.textgrid import grid

COLUMNS = [("standard", "standar"), ("variant", "varian"), ("channel", "kanal"), ("received", "diterima"),
           ("completed", "selesai"), ("on_time_pct", "tepat waktu %"), ("median_working_days", "median hari"),
           ("p90_working_days", "p90 hari"), ("open_at_risk", "berisiko"), ("open_late", "terlambat"),
           ("breaches", "pelanggaran"), ("rejected", "ditolak"), ("products_issued", "produk")]


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
        writer.writerow([g[key] for key, _ in COLUMNS] + [json.dumps(g[k], ensure_ascii=False)
                                                          for k in ("breach_steps", "steps_over_target", "returns", "rejections")])
    return out.getvalue()


def as_json(report: dict) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def chart(report: dict) -> str:
    """Horizontal bars per standard: completed on time, late, open late (inline SVG)."""
    groups = report["groups"]
    width, bar, gap, label_w = 640, 16, 10, 220
    top = max([g["completed"] + g["open_late"] for g in groups] + [1])
    height = 30 + len(groups) * (bar + gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Penyelesaian per standar">',
             '<text x="0" y="14" font-size="12">■ tepat waktu</text>'
             '<text x="110" y="14" font-size="12" fill="#b3261e">■ terlambat</text>'
             '<text x="210" y="14" font-size="12" fill="#a86400">■ masih terbuka dan terlambat</text>']
    scale = (width - label_w - 10) / top
    for n, g in enumerate(groups):
        y = 24 + n * (bar + gap)
        label = (g["standard"] + (f" · {g['variant']}" if g["variant"] else ""))[:34]
        parts.append(f'<text x="0" y="{y + 12}" font-size="11">{_escape(label)}</text>')
        x = label_w
        for value, colour in ((g["on_time"], "#1c7c3a"), (g["completed"] - g["on_time"], "#b3261e"),
                              (g["open_late"], "#a86400")):
            if value:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{value * scale:.1f}" height="{bar}" fill="{colour}">'
                             f'<title>{value}</title></rect>')
                x += value * scale
    parts.append("</svg>")
    return "".join(parts)


def _escape(text) -> str:
    return str(Markup.escape(text))


_ENV = environment(PackageLoader("engine.web", "templates"))


def as_html(report: dict, standalone: bool = True) -> str:
    """The report's page (or, not standalone, its part of the auditors' page): every value escaped; the
    chart is markup built here from escaped text."""
    return Markup(_ENV.get_template("report.html.j2").render(report=report, columns=COLUMNS, cell=_cell,
                                                             chart=Markup(chart(report)), standalone=standalone))
