"""Date-range presets ("year to date"...) resolved to dates in the business time zone."""

from __future__ import annotations

import datetime as dt

PRESETS = ("this_month", "last_month", "qtd", "ytd", "last_12_months", "all", "custom")


def today_in(tz) -> dt.date:
    return dt.datetime.now(tz).date()


def resolve_period(preset: str, today: dt.date, first: dt.date | None, last: dt.date | None) -> tuple[dt.date, dt.date]:
    """Inclusive (start, end) of a preset; 'all' spans the data (or just today when empty)."""
    if preset == "this_month":
        return today.replace(day=1), today
    if preset == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if preset == "qtd":
        return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    if preset == "ytd":
        return dt.date(today.year, 1, 1), today
    if preset == "last_12_months":
        try:
            start = today.replace(year=today.year - 1) + dt.timedelta(days=1)
        except ValueError:  # 29 February
            start = dt.date(today.year - 1, 3, 1)
        return start, today
    if preset == "all":
        return (first or today), (last or today)
    raise ValueError(f"unknown date preset {preset!r}")


def auto_grain(start: dt.date, end: dt.date) -> str:
    """Days for a month or so, weeks up to half a year, months beyond."""
    days = (end - start).days + 1
    if days <= 45:
        return "day"
    if days <= 190:
        return "week"
    return "month"
