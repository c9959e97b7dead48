"""Bar charts with confidence whiskers, drawn as SVG by the template from geometry computed here (templates
do no arithmetic). Each group (a role, say) has one bar per scenario; values are scaled to the largest
high end (or a fixed maximum, 1.0 for shares)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, BAR, GAP, TOP, LABEL = 560, 18, 10, 8, 190  # px: chart width, bar height, gap, top margin, label column


@dataclass(frozen=True)
class Bar:
    y: int
    width: float
    low: float  # x of the interval's ends
    high: float
    middle: float  # y of the whisker
    baseline: float  # y of the text
    text: str
    scenario: int  # 0: today, 1: what-if (its colour)
    name: str  # the scenario's name


@dataclass(frozen=True)
class Group:
    label: str
    baseline: int
    bars: tuple


@dataclass(frozen=True)
class Chart:
    title: str
    height: int
    left: int
    span: int
    groups: tuple


def bars(title: str, groups: list[tuple[str, list]], text, maximum: float | None = None,
         names: tuple = ("Sekarang", "Bagaimana jika")) -> Chart:
    """``groups``: (label, [estimate-or-None per scenario]); ``text(value)``: the number written by a bar."""
    span = WIDTH - LABEL - 70
    top = maximum or max((e.high for _, row in groups for e in row if e is not None), default=0) or 1.0
    scale = span / top
    y, drawn = TOP, []
    for label, row in groups:
        start, items = y, []
        for n, estimate in enumerate(row):
            if estimate is None:
                continue
            items.append(Bar(y, round(min(estimate.mean, top) * scale, 1),
                             LABEL + round(min(max(estimate.low, 0.0), top) * scale, 1),
                             LABEL + round(min(estimate.high, top) * scale, 1), y + BAR / 2, y + 13,
                             text(estimate.mean), n, names[n] if n < len(names) else str(n)))
            y += BAR + 2
        drawn.append(Group(label, start + 13, tuple(items)))
        y += GAP
    return Chart(title, y + TOP, LABEL, span, tuple(drawn))
