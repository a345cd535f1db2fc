"""KpiFilter, the one object a page hands to data access, and the one WHERE builder."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from data_access.access import current_scope

GRAINS = ("day", "week", "month")
# A Monday: bucket_sql's weeks start a whole number of weeks after it.
WEEK_ONE = dt.date(1, 1, 1)


def bucket_sql(day: str, grain: str) -> str:
    """SQL for the first day of the `grain` bucket holding `day` (a date column or expression),
    as a date. Weeks are ISO weeks: 1 January of year 1 was a Monday, so a week starts a whole
    number of weeks after it. date_trunc(grain, a date) first turns the date into a timestamp
    with time zone: at 10M lines that cost ~0.36 us a row, twice the plain timestamp's (months)
    and many times the week's subtraction."""
    if grain == "day":
        return f"({day})"
    if grain == "week":
        return f"(({day}) - (({day}) - DATE '{WEEK_ONE.isoformat()}') % 7)"
    if grain == "month":
        return f"date_trunc('month', CAST({day} AS timestamp))::date"
    raise FilterError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")


def whole_weeks(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """[first, after): the Mondays of the bucket_sql weeks wholly inside start..end (empty:
    first >= after)."""
    first = start + dt.timedelta(days=-(start - WEEK_ONE).days % 7)
    after_end = end + dt.timedelta(days=1)
    return first, after_end - dt.timedelta(days=(after_end - WEEK_ONE).days % 7)


# Query-string key -> KpiFilter field for the multi-valued dimensions.
DIMENSION_KEYS = {"segment": "segments", "region": "regions", "category": "categories", "store": "stores"}

# Row-level limits (data_access.access.RowScope field -> column): customer attributes.
SCOPE_COLUMNS = {"segments": "c.segment", "regions": "c.region"}

# The only columns a filter may touch: dimension field -> SQL column in the fact query.
# Aliases are fixed by data_access.facts: o = orders, c = customers, p = products, s = stores.
DIMENSION_COLUMNS = {
    "segments": "c.segment",
    "regions": "c.region",
    "categories": "p.category",
    "stores": "s.name",
}


class FilterError(ValueError):
    """A filter that cannot mean anything (end before start, unknown grain...)."""


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    values = [value] if isinstance(value, str) else list(value)
    return tuple(sorted({str(v).strip() for v in values if str(v).strip()}))


def _as_date(value: Any, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise FilterError(f"{name} {value!r} is not a date like 2026-01-31") from exc


@dataclass(frozen=True)
class KpiFilter:
    """Inclusive date range plus optional dimension values; normalized, so equal means equal."""

    start: dt.date
    end: dt.date
    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    stores: tuple[str, ...] = ()
    grain: str = "month"

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _as_date(self.start, "start"))
        object.__setattr__(self, "end", _as_date(self.end, "end"))
        for name in DIMENSION_COLUMNS:
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))
        if self.end < self.start:
            raise FilterError(f"the end date {self.end} is before the start date {self.start}")
        if self.grain not in GRAINS:
            raise FilterError(f"grain must be one of {', '.join(GRAINS)}, not {self.grain!r}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous_period(self) -> KpiFilter:
        """The immediately preceding period of equal length."""
        return replace(self, start=self.start - dt.timedelta(days=self.days), end=self.start - dt.timedelta(days=1))

    def year_earlier(self) -> KpiFilter:
        """The same calendar dates one year earlier (29 February becomes 28 February)."""
        return replace(self, start=_minus_year(self.start), end=_minus_year(self.end))

    @property
    def previous_is_year_earlier(self) -> bool:
        """Whether the previous period is the same dates a year earlier (a range of a whole
        year, such as Last 12 months): one comparison, not the same one twice."""
        return self.previous_period() == self.year_earlier()

    @classmethod
    def from_query(cls, query: dict[str, Any], default_start: dt.date, default_end: dt.date) -> KpiFilter:
        """From URL query values (str or list); missing dates fall back to the defaults."""
        kwargs = {field_name: query.get(key) for key, field_name in DIMENSION_KEYS.items()}
        return cls(
            start=query.get("from") or default_start,
            end=query.get("to") or default_end,
            grain=query.get("grain") or "month",
            **kwargs,
        )

    def to_query(self) -> dict[str, Any]:
        query: dict[str, Any] = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for key, field_name in DIMENSION_KEYS.items():
            values = getattr(self, field_name)
            if values:
                query[key] = list(values)
        if self.grain != "month":
            query["grain"] = self.grain
        return query


def _minus_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def where_sql(f: KpiFilter, prefix: str = "f_") -> tuple[str, dict[str, Any]]:
    """The WHERE body for a filter over the fact query: dates, dimensions, no cancelled orders,
    and the row-level limits of whoever is asking (data_access.access), always.

    Values are always bound parameters (named prefix + field, so two filters can share one
    statement); column names only come from DIMENSION_COLUMNS and SCOPE_COLUMNS.
    """
    params: dict[str, Any] = {f"{prefix}start": f.start, f"{prefix}end": f.end}
    clauses = [f"o.order_date BETWEEN :{prefix}start AND :{prefix}end", "o.status <> 'cancelled'"]
    for name, column in DIMENSION_COLUMNS.items():
        values = getattr(f, name)
        if values:
            clauses.append(f"{column} = ANY(:{prefix}{name})")
            params[f"{prefix}{name}"] = list(values)
    limits, limit_params = limit_sql(SCOPE_COLUMNS, prefix)
    return " AND ".join(clauses + limits), params | limit_params


def limit_sql(columns: dict[str, str], prefix: str) -> tuple[list[str], dict[str, Any]]:
    """The asker's row-level limits (data_access.access) as clauses over `columns` (RowScope
    field -> column): the fact query's and the rollups' share this one builder."""
    clauses, params = [], {}
    for name, values in current_scope().limits().items():
        clauses.append(f"{columns[name]} = ANY(:{prefix}scope_{name})")
        params[f"{prefix}scope_{name}"] = list(values)
    return clauses, params
