"""The Indonesian working-day calendar (libur nasional and cuti bersama) and SLA arithmetic.

Pure: imports neither Prefect nor SQLAlchemy; numpy only for the vectorised functions."""

from .national import DayOff, national_days
from .workcal import DAY_0, DAY_1, UncoveredYear, WorkingCalendar, national_calendar

__all__ = ["DAY_0", "DAY_1", "DayOff", "UncoveredYear", "WorkingCalendar", "national_calendar", "national_days"]
