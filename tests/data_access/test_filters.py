"""KpiFilter normalization, URL round trips, comparison periods and the WHERE builder."""

import datetime as dt

import pytest
from sqlalchemy import text

from data_access.db import get_engine
from data_access.filters import GRAINS, FilterError, KpiFilter, bucket_sql, where_sql
from data_access.periods import auto_grain, resolve_period


def test_filter_normalizes_so_equal_filters_are_equal():
    a = KpiFilter(start="2026-01-01", end="2026-01-31", segments=["Corporate", "Consumer", "Consumer"])
    b = KpiFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), segments=("Consumer", "Corporate"))
    assert a == b and hash(a) == hash(b)
    assert a.segments == ("Consumer", "Corporate")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "before the start"),
        ({"start": "yesterday", "end": "2026-01-01"}, "not a date"),
        ({"start": "2026-01-01", "end": "2026-01-02", "grain": "hour"}, "grain must be"),
    ],
)
def test_invalid_filters_say_why(kwargs, message):
    with pytest.raises(FilterError, match=message):
        KpiFilter(**kwargs)


def test_query_round_trip_with_single_and_multiple_values():
    query = {"from": "2026-01-01", "to": "2026-03-31", "segment": "Consumer", "region": ["West", "East"], "x": "1"}
    f = KpiFilter.from_query(query, dt.date(2000, 1, 1), dt.date(2000, 1, 2))
    assert f.regions == ("East", "West") and f.segments == ("Consumer",)
    assert KpiFilter.from_query(f.to_query(), dt.date(2000, 1, 1), dt.date(2000, 1, 2)) == f


def test_previous_period_and_year_earlier():
    f = KpiFilter(start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31))
    assert (f.previous_period().start, f.previous_period().end) == (dt.date(2024, 1, 30), dt.date(2024, 2, 29))
    leap = KpiFilter(start=dt.date(2024, 2, 1), end=dt.date(2024, 2, 29)).year_earlier()
    assert (leap.start, leap.end) == (dt.date(2023, 2, 1), dt.date(2023, 2, 28))


def test_where_builder_binds_every_value():
    sql, params = where_sql(KpiFilter(start="2026-01-01", end="2026-01-31", stores=["O'Brien's; DROP TABLE x"]))
    assert "DROP" not in sql and "O'Brien" not in sql
    assert params["f_stores"] == ["O'Brien's; DROP TABLE x"]
    assert "o.status <> 'cancelled'" in sql


TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "preset, start, end",
    [
        ("this_month", dt.date(2026, 11, 1), TODAY),
        ("last_month", dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        ("qtd", dt.date(2026, 10, 1), TODAY),
        ("ytd", dt.date(2026, 1, 1), TODAY),
        ("last_12_months", dt.date(2025, 11, 24), TODAY),
        ("all", dt.date(2024, 5, 6), dt.date(2026, 11, 20)),
    ],
)
def test_period_presets(preset, start, end):
    assert resolve_period(preset, TODAY, dt.date(2024, 5, 6), dt.date(2026, 11, 20)) == (start, end)


def test_presets_on_edge_days():
    assert resolve_period("last_month", dt.date(2026, 1, 15), None, None) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert resolve_period("last_12_months", dt.date(2024, 2, 29), None, None) == (
        dt.date(2023, 3, 1),
        dt.date(2024, 2, 29),
    )
    assert resolve_period("all", TODAY, None, None) == (TODAY, TODAY)


def test_auto_grain():
    assert auto_grain(dt.date(2026, 1, 1), dt.date(2026, 1, 31)) == "day"
    assert auto_grain(dt.date(2026, 1, 1), dt.date(2026, 5, 31)) == "week"
    assert auto_grain(dt.date(2025, 1, 1), dt.date(2026, 5, 31)) == "month"


@pytest.mark.parametrize("grain", GRAINS)
def test_bucket_sql_agrees_with_date_trunc_and_iso_weeks(grain):
    # Every day of 1899-2001 (leap years, 1900 not being one, the change of century) plus the
    # far ends of the calendar, against PostgreSQL's own date_trunc and Python's ISO weeks.
    days = "SELECT generate_series(DATE '1899-12-01', DATE '2001-03-31', INTERVAL '1 day')::date AS d"
    days += " UNION ALL SELECT DATE '0001-01-01' UNION ALL SELECT DATE '9999-12-31'"
    sql = f"SELECT d, {bucket_sql('d', grain)} AS ours, date_trunc(:grain, d)::date AS theirs FROM ({days}) x"
    with get_engine().connect() as conn:
        rows = conn.execute(text(sql), {"grain": grain}).all()
    assert len(rows) == 37_013
    assert [r.d for r in rows if r.ours != r.theirs] == []
    if grain == "week":
        assert all(r.ours.isoweekday() == 1 and 0 <= (r.d - r.ours).days < 7 for r in rows)


def test_bucket_sql_refuses_an_unknown_grain():
    with pytest.raises(FilterError, match="grain must be one of"):
        bucket_sql("d", "year")
