"""Overview KPIs against hand-computed totals of tests/fixture_data.py (see its docstring)."""

import datetime as dt
from decimal import Decimal

import pytest

from data_access.filters import KpiFilter
from data_access.sales import get_sales_by_period, get_sales_comparison, get_sales_totals

JAN_FEB = {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 2, 28)}

# (filter, sales, profit, quantity, orders, customers), each worked out from the fixture lines.
CASES = {
    # O1 200+45, O2 240, O3 20-5, O5 100; O4 is cancelled; O5 has no customer.
    "date range only": (JAN_FEB, "600.00", "194.00", "17", 4, 2),
    # Alice only: O1 245 (profit 105, qty 12) + O3 15 (profit 9, qty 3).
    "segment": (JAN_FEB | {"segments": ["Consumer"]}, "260.00", "114.00", "15", 2, 1),
    # Bob's O2; Carol's cancelled O4 does not count.
    "region": (JAN_FEB | {"regions": ["South"]}, "240.00", "40.00", "1", 1, 1),
    # Paper lines of O1 and O3, the return included.
    "category": (JAN_FEB | {"categories": ["Office Supplies"]}, "60.00", "34.00", "13", 2, 1),
    # O2, O3 and O5 were rung up in Downtown.
    "store": (JAN_FEB | {"stores": ["Downtown"]}, "355.00", "89.00", "5", 3, 2),
    "two segments": (JAN_FEB | {"segments": ["Consumer", "Corporate"]}, "500.00", "154.00", "16", 3, 2),
    "nothing matches": ({"start": dt.date(2024, 6, 1), "end": dt.date(2024, 6, 30)}, "0", "0", "0", 0, 0),
    # O8 is only a return: it lowers sales but is not an order and brings no customer.
    "only a return": ({"start": dt.date(2026, 3, 1), "end": dt.date(2026, 3, 31)}, "-100.00", "-40.00", "-1", 0, 0),
    # Jan-Feb plus O6 (15, qty 3), O7 (300, qty 1), O8 (-100, qty -1) and O9 (300, qty 3); Carol
    # only has a cancelled order and a return, so the customers are Alice, Bob, Dan and Erin.
    "all time": ({"start": dt.date(2020, 1, 1), "end": dt.date(2030, 1, 1)}, "1115.00", "383.00", "23", 7, 4),
}


@pytest.mark.parametrize("kwargs, sales, profit, quantity, orders, customers", CASES.values(), ids=CASES.keys())
def test_sales_totals(kwargs, sales, profit, quantity, orders, customers):
    totals = get_sales_totals(KpiFilter(**kwargs))
    assert totals.sales == Decimal(sales)
    assert totals.profit == Decimal(profit)
    assert totals.quantity == Decimal(quantity)
    assert totals.orders == orders
    assert totals.customers == customers


def test_derived_kpis():
    totals = get_sales_totals(KpiFilter(**JAN_FEB))
    assert totals.margin == Decimal("194") / Decimal("600")
    assert totals.aov == Decimal("150")
    assert totals.orders_per_customer == Decimal("2")


def test_derived_kpis_of_empty_and_return_only_ranges_are_undefined_not_zero():
    empty = get_sales_totals(KpiFilter(**CASES["nothing matches"][0]))
    assert empty.is_empty
    assert (empty.margin, empty.aov, empty.orders_per_customer) == (None, None, None)
    returns_only = get_sales_totals(KpiFilter(**CASES["only a return"][0]))
    assert not returns_only.is_empty
    assert returns_only.aov is None
    assert returns_only.margin == Decimal("0.4")


def test_comparison_periods():
    comparison = get_sales_comparison(KpiFilter(**JAN_FEB))
    # Jan 1 - Feb 28 is 59 days; the 59 days before are Nov 3 - Dec 31 2025: Dan's O6, Erin's O9.
    assert comparison.previous.sales == Decimal("315.00")
    assert comparison.previous.orders == 2
    # Same dates of 2025: Bob's O7.
    assert comparison.year_earlier.sales == Decimal("300.00")
    assert comparison.year_earlier.customers == 1
    assert not comparison.same_dates


def test_comparison_of_a_whole_year_reads_last_year_once():
    # 1 Mar 2025 - 28 Feb 2026 is 365 days: the 365 days before are 1 Mar 2024 - 28 Feb 2025,
    # the same dates a year earlier (2024 being a leap year).
    f = KpiFilter(start=dt.date(2025, 3, 1), end=dt.date(2026, 2, 28))
    assert f.previous_period() == f.year_earlier()
    comparison = get_sales_comparison(f)
    assert comparison.same_dates
    assert comparison.previous == comparison.year_earlier == get_sales_totals(f.year_earlier())
    assert comparison.current == get_sales_totals(f)


def test_sales_by_month_with_cumulative_total():
    frame = get_sales_by_period(KpiFilter(**JAN_FEB, grain="month"))
    assert [d.isoformat() for d in frame.bucket] == ["2026-01-01", "2026-02-01"]
    assert list(frame.sales) == [Decimal("485.00"), Decimal("115.00")]
    assert list(frame.profit) == [Decimal("145.00"), Decimal("49.00")]
    assert list(frame.orders) == [2, 2]
    assert list(frame.cumulative_sales) == [Decimal("485.00"), Decimal("600.00")]


def test_cumulative_total_restarts_each_year():
    f = KpiFilter(start=dt.date(2025, 12, 1), end=dt.date(2026, 1, 31), grain="month")
    frame = get_sales_by_period(f)
    assert list(frame.sales) == [Decimal("315.00"), Decimal("485.00")]
    assert list(frame.cumulative_sales) == [Decimal("315.00"), Decimal("485.00")]


def test_weekly_buckets_are_iso_weeks_including_empty_ones():
    frame = get_sales_by_period(KpiFilter(**JAN_FEB, grain="week"))
    # Monday 2025-12-29 (week of Jan 1) through Monday 2026-02-23 (week of Feb 28).
    assert frame.bucket.iloc[0] == dt.date(2025, 12, 29)
    assert frame.bucket.iloc[-1] == dt.date(2026, 2, 23)
    assert len(frame) == 9
    assert all(d.weekday() == 0 for d in frame.bucket)
    assert sum(frame.sales) == Decimal("600.00")
    assert (frame.sales == 0).sum() == 5  # weeks with no sales are shown as zero, not skipped


def test_daily_buckets_cover_every_day():
    frame = get_sales_by_period(KpiFilter(**JAN_FEB, grain="day"))
    assert len(frame) == 59
    assert frame.set_index("bucket").sales[dt.date(2026, 2, 3)] == Decimal("15.00")


@pytest.mark.parametrize(
    "dimension, expected",
    [
        # Jan-Feb: North = Alice's 260; South = Bob's 240 (Carol's cancelled O4 is not counted).
        ("region", [("North", "260.00"), ("South", "240.00"), ("(no customer)", "100.00")]),
        # Downtown: O2 240 + O3 15 + O5 100; Web Shop: O1 245.
        ("store", [("Downtown", "355.00"), ("Web Shop", "245.00")]),
        ("category", [("Furniture", "300.00"), ("Technology", "240.00"), ("Office Supplies", "60.00")]),
    ],
)
def test_sales_by_dimension(dimension, expected):
    from data_access.sales import get_sales_by_dimension

    frame = get_sales_by_dimension(KpiFilter(**JAN_FEB), dimension)
    assert [(r.label, r.sales) for r in frame.itertuples()] == [(k, Decimal(v)) for k, v in expected]


def test_sales_by_dimension_refuses_other_names():
    from data_access.sales import get_sales_by_dimension

    with pytest.raises(ValueError):
        get_sales_by_dimension(KpiFilter(**JAN_FEB), "c.name")


def test_then_and_now_without_customers_keeps_every_sum():
    from data_access.sales import get_sales_by_dimension_then_and_now

    f = KpiFilter(**JAN_FEB)  # against the previous 59 days: Dan's O6 (Office Supplies), Erin's O9 (Furniture)
    with_them = get_sales_by_dimension_then_and_now(f, "category")
    without = get_sales_by_dimension_then_and_now(f, "category", customers=False)
    for full, bare in zip(with_them, without, strict=True):
        assert bare.drop(columns="customers").equals(full.drop(columns="customers"))
        assert bare["customers"].isna().all() and full["customers"].notna().all()
    assert [(r.label, r.sales) for r in without[1].itertuples()] == [
        ("Furniture", Decimal("300.00")),
        ("Office Supplies", Decimal("15.00")),
    ]
