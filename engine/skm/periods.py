"""Survey periods: a quarter (2026-Q3), a semester (2026-S2) or a year (2026)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(\d{4})(?:-(Q[1-4]|S[12]))?$")
NAMES = {"Q1": "Triwulan I", "Q2": "Triwulan II", "Q3": "Triwulan III", "Q4": "Triwulan IV",
         "S1": "Semester I", "S2": "Semester II"}


@dataclass(frozen=True)
class Period:
    label: str            # as written: 2026-Q3
    year: int
    quarters: tuple[int, ...]

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarters[0] - 2, 1)

    @property
    def end(self) -> date:
        last = self.quarters[-1]
        return date(self.year + 1, 1, 1) if last == 4 else date(self.year, 3 * last + 1, 1)  # exclusive

    @property
    def name(self) -> str:
        part = self.label[5:]
        return f"{NAMES[part]} {self.year}" if part else f"Tahun {self.year}"


def parse(text: str) -> Period:
    """2026-Q3, 2026-S2 or 2026; ValueError with a sentence for anything else."""
    found = _PATTERN.match(str(text or "").strip().upper())
    if not found or not 2000 <= int(found.group(1)) <= 2100:
        raise ValueError(f"periode '{str(text)[:20]}' tidak dikenal; tulis mis. 2026-Q3 (triwulan), 2026-S2 "
                         "(semester) atau 2026 (setahun)")
    year, part = int(found.group(1)), found.group(2)
    quarters = {None: (1, 2, 3, 4), "S1": (1, 2), "S2": (3, 4)}.get(part) or (int(part[1]),)
    return Period(f"{year}-{part}" if part else str(year), year, quarters)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def current_quarter(day: date) -> Period:
    return parse(f"{day.year}-Q{quarter_of(day)}")


def previous_quarter(day: date) -> Period:
    q = quarter_of(day)
    return parse(f"{day.year - 1}-Q4") if q == 1 else parse(f"{day.year}-Q{q - 1}")
