"""Plain-text tables (the terminal's and the text report's): pure, below every layer."""

from __future__ import annotations


def table(rows: list[dict], columns: list[tuple[str, str]], wrap: dict | None = None) -> str:
    wrap = wrap or {}
    cells = [[str(row.get(key, "")) for key, _ in columns] for row in rows]
    for r in cells:
        for i, (key, _) in enumerate(columns):
            if key in wrap and len(r[i]) > wrap[key]:
                r[i] = r[i][: wrap[key] - 1] + "…"
    widths = [max([len(title)] + [len(r[i]) for r in cells]) for i, (_, title) in enumerate(columns)]
    lines = ["  ".join(title.ljust(w) for (_, title), w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    return "\n".join(lines)


def grid(rows: list[list], headers: list[str]) -> str:
    """A table from rows of cells in header order."""
    return table([dict(zip(headers, row)) for row in rows], [(h, h) for h in headers])
