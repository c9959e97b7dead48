"""National non-working days of Indonesia: libur nasional and cuti bersama, from the `holidays` package.

`holidays` holds cuti bersama only in its "government" category; with the default category it silently
misses all of them, so both categories are always asked for. A year counts as covered only when its
cuti bersama decree (SKB 3 Menteri) is known to the package, since those dates cannot be computed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache

LIBUR_NASIONAL = "libur_nasional"
CUTI_BERSAMA = "cuti_bersama"
ESTIMATE_MARK = "(perkiraan)"


@dataclass(frozen=True)
class DayOff:
    date: datetime.date
    name: str
    kind: str  # libur_nasional | cuti_bersama | closure (office) | weekend
    estimated: bool = False  # a lunar-calendar date not yet fixed by isbat
    source: str = ""


def library_version() -> str:
    import holidays

    return holidays.__version__


@lru_cache(maxsize=64)
def national_days(year: int) -> tuple[DayOff, ...]:
    """All national non-working days of a year (possibly empty if the year is not covered)."""
    import holidays

    source = f"holidays {holidays.__version__}"
    days = []
    for category, kind in (("public", LIBUR_NASIONAL), ("government", CUTI_BERSAMA)):
        found = holidays.country_holidays("ID", years=year, categories=(category,), language="id")
        for day, names in sorted(found.items()):
            for name in names.split("; "):
                days.append(DayOff(day, name, kind, ESTIMATE_MARK in name, source))
    return tuple(sorted(days, key=lambda d: (d.date, d.kind)))


@lru_cache(maxsize=64)
def decree_known(year: int) -> bool:
    """True when the year's cuti bersama decree is in the package (it never has them for future years)."""
    return any(d.kind == CUTI_BERSAMA for d in national_days(year))


@lru_cache(maxsize=1)
def last_decree_year() -> int:
    """The latest year whose cuti bersama decree the package knows (it knows none of the years after)."""
    year = 2024
    while decree_known(year + 1) and year < 2100:
        year += 1
    return year
