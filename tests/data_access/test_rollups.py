"""Rollups (migrations 0007 to 0019) and the query router: the same answers as the facts, kept exact.

Two kinds of checks. The router: every query function it routes gives, on a demo shop and for
many filters (ragged and whole months, one day, dimensions, row limits), exactly what the fact
query gives (QUERY_ROUTER=facts). The upkeep: after every kind of write (import, replacement,
attribute changes, cancellation, date change, undo, delete, truncate) the rollup tables equal
a rebuild from the facts (data_access/rollup_check.py).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from data_access import customer_value, customers, products, sales, segments
from data_access.access import RowScope, row_scope
from data_access.db import read_connection
from data_access.filters import KpiFilter, whole_weeks
from data_access.rollup_check import assert_rollups_exact, rollup_drift
from data_access.rollups import (
    MonthSplit,
    customer_days_known,
    customer_split,
    customers_in_periods_sql,
    start_month_read_whole,
)
from data_access.settings import get_settings
from ingest import bulk
from ingest.demo_load import load_demo
from ingest.file_import import import_file, undo_import
from ingest.migrate import migrate
from tests.conftest import _use_environment, create_database
from tests.fixture_data import load_fixture


@contextmanager
def _data_access_on(url: str) -> Iterator[None]:
    """Data access reads `url` inside the block, then the test database again (router reset)."""
    previous = os.environ["DATABASE_URL"]
    _use_environment(DATABASE_URL=url)
    try:
        yield
    finally:
        _use_environment(DATABASE_URL=previous, QUERY_ROUTER=None)


@pytest.fixture(scope="module")
def demo_url(pg_server_url):
    """A 2-year demo shop of 20k lines; data access points at it for the module."""
    url = create_database(pg_server_url, "rollup_demo")
    engine = create_engine(url)
    migrate(engine)
    load_demo(engine, lines=20_000, years=2, end_date=dt.date(2026, 6, 30))
    engine.dispose()
    with _data_access_on(url):
        yield url


def _answer(query, *args):
    value = query.uncached(*args) if hasattr(query, "uncached") else query(*args)
    if isinstance(value, tuple):
        return [v.to_dict("records") for v in value]
    if hasattr(value, "to_dict"):
        return value.to_dict("records")
    if hasattr(value, "__dataclass_fields__"):
        return _plain(asdict(value))
    return value


def _plain(value):
    """value with its data frames as lists of records, at any depth (a summary holds several)."""
    if hasattr(value, "to_dict"):
        return value.to_dict("records")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _router(name: str) -> None:
    os.environ["QUERY_ROUTER"] = name
    get_settings.cache_clear()  # the engine stays: only the router changes


def _both(query, *args):
    _router("rollups")
    ours = _answer(query, *args)
    _router("facts")
    naive = _answer(query, *args)
    _router("rollups")
    return ours, naive


def _filters(count: int = 32, edges: int = 8) -> list[KpiFilter]:
    rng = random.Random(7)
    first, last = dt.date(2024, 7, 1), dt.date(2026, 6, 30)
    picked = [
        KpiFilter(start=first, end=last),  # everything: whole months only
        KpiFilter(start=dt.date(2024, 7, 17), end=dt.date(2026, 6, 3)),  # ragged at both ends
        KpiFilter(start=dt.date(2025, 3, 9), end=dt.date(2025, 3, 9)),  # one day
        KpiFilter(start=dt.date(2025, 2, 1), end=dt.date(2025, 2, 28)),  # one whole month
        KpiFilter(start=dt.date(2025, 1, 30), end=dt.date(2025, 3, 2)),  # a month and two ragged ends
        KpiFilter(start=first, end=last, categories=["Furniture", "Technology"]),  # two categories
        # one category over every store, whole years only: customer_category_period_totals alone
        KpiFilter(start=first, end=last, categories=["Technology"], segments=["Corporate"]),
        # one category, ragged ends: customers' years and months per category plus its orders' rows
        KpiFilter(start=dt.date(2024, 7, 17), end=dt.date(2026, 6, 3), categories=["Furniture"], stores=["Web Shop"]),
        KpiFilter(start=first, end=last, stores=["Web Shop"], segments=["Consumer"]),
        # every day of the data for a region: each customer's whole-history row (migration 0026)
        KpiFilter(start=dt.date(2024, 3, 1), end=dt.date(2026, 9, 30), regions=["West", "Central"]),
        # every day in two stores, and of one category in two stores for a region: each
        # customer's whole history per store (migration 0052), added up over the stores
        KpiFilter(start=dt.date(2024, 3, 1), end=dt.date(2026, 9, 30), stores=["Web Shop", "Marketplace"]),
        KpiFilter(
            start=dt.date(2024, 3, 1),
            end=dt.date(2026, 9, 30),
            categories=["Furniture"],
            stores=["Web Shop", "Midtown Store"],
            regions=["West"],
        ),
        # beyond the data at one end: the customer rollups read whole years there (customer_split)
        KpiFilter(start=dt.date(2024, 5, 20), end=dt.date(2025, 9, 14)),
        KpiFilter(start=dt.date(2025, 2, 11), end=dt.date(2026, 8, 15), categories=["Office Supplies"]),
        KpiFilter(start=dt.date(2025, 12, 24), end=dt.date(2026, 7, 3), grain="week", regions=["West"]),
        # a ragged start that is most of its month: the month's customer rows less the days
        # before it (start_month_read_whole), for the summary and new vs returning by month
        KpiFilter(start=dt.date(2024, 9, 4), end=dt.date(2026, 6, 30)),
        KpiFilter(start=dt.date(2025, 3, 2), end=dt.date(2025, 11, 20), grain="week", segments=["Consumer"]),
        KpiFilter(start=dt.date(2025, 3, 4), end=dt.date(2025, 4, 9)),  # and no whole month after it
        # one category by week: every day from the orders' rows per category (migration 0024),
        # the customers joined for their region
        KpiFilter(
            start=dt.date(2025, 1, 12),
            end=dt.date(2025, 4, 3),
            grain="week",
            categories=["Furniture"],
            regions=["West", "East"],
        ),
        # two categories in two stores for a segment, by day: an order of both counts once
        KpiFilter(
            start=dt.date(2025, 5, 19),
            end=dt.date(2025, 8, 7),
            grain="day",
            segments=["Consumer"],
            categories=["Technology", "Office Supplies"],
            stores=["Web Shop", "Marketplace"],
        ),
        # a month of one category in a store, three weeks of two: their customers are counted
        # from the orders' rows per category (ONE_CATEGORY_PERIOD_DAYS, CATEGORY_PERIOD_DAYS)
        KpiFilter(start=dt.date(2025, 4, 10), end=dt.date(2025, 5, 9), categories=["Furniture"], stores=["Web Shop"]),
        KpiFilter(start=dt.date(2025, 10, 6), end=dt.date(2025, 10, 26), categories=["Furniture", "Technology"]),
        # two categories over every day for a segment: the whole-history rows of the sums per
        # category and of the orders per set of categories (migration 0042), added up
        KpiFilter(
            start=dt.date(2024, 3, 1),
            end=dt.date(2026, 9, 30),
            categories=["Furniture", "Office Supplies"],
            segments=["Consumer"],
        ),
        # two categories by month with ragged ends: years, months and sets, the ends' orders
        KpiFilter(
            start=dt.date(2024, 8, 14),
            end=dt.date(2026, 2, 10),
            grain="month",
            categories=["Technology", "Furniture"],
            regions=["West"],
        ),
        # two stores by month with ragged ends for two regions: the whole months' sales per store
        # and customers per set of stores (migration 0044), the ends from the orders
        KpiFilter(
            start=dt.date(2024, 9, 10),
            end=dt.date(2026, 3, 20),
            grain="month",
            stores=["Web Shop", "Marketplace"],
            regions=["West", "East"],
        ),
        # one category in two stores by month with ragged ends: the whole months' sales per
        # category and store and customers per category and set of stores (migration 0050)
        KpiFilter(
            start=dt.date(2024, 8, 20),
            end=dt.date(2026, 4, 11),
            grain="month",
            categories=["Technology"],
            stores=["Web Shop", "Marketplace"],
            segments=["Corporate", "Consumer"],
        ),
        # a week in two stores: its customers are counted from their orders (SHORT_PERIOD_DAYS)
        KpiFilter(start=dt.date(2025, 6, 2), end=dt.date(2025, 6, 8), stores=["Web Shop", "Marketplace"]),
        # from mid-month of the data's last month to its end, by month: the customer rollups widen
        # it to whole months after the data (customer_split), and its start stays ragged
        KpiFilter(
            start=dt.date(2026, 6, 12), end=dt.date(2026, 6, 30), grain="month", stores=["Web Shop", "Marketplace"]
        ),
    ]
    options = {
        "segments": ["Consumer", "Corporate", "Home Office"],
        "regions": ["North", "South", "East", "West", "Central"],
        "categories": ["Furniture", "Office Supplies", "Technology"],
        "stores": ["Web Shop", "Marketplace", "Midtown Store"],
    }

    def pick(start: dt.date, end: dt.date, sizes: list[int]) -> None:
        dims = {k: rng.sample(v, rng.choice(sizes)) for k, v in options.items() if rng.random() < 0.3}
        picked.append(KpiFilter(start=start, end=end, grain=rng.choice(["day", "week", "month"]), **dims))

    while len(picked) < count:
        start = first + dt.timedelta(days=rng.randint(0, 600))
        pick(start, min(last, start + dt.timedelta(days=rng.choice([6, 40, 120, 400]))), [1, 2])
    # Ranges at the data's ends, where the rollups widen them to whole months and years
    # (customer_split, in_whole_months): ragged starts and ends next to the widened part.
    for _ in range(edges):
        days = rng.choice([0, 5, 12, 25, 40, 130])
        if rng.random() < 0.5:
            end = last + dt.timedelta(days=rng.choice([0, 3]))
            start = end - dt.timedelta(days=days)
        else:
            start = first - dt.timedelta(days=rng.choice([0, 3])) + dt.timedelta(days=rng.choice([0, 9]))
            end = start + dt.timedelta(days=days)
        pick(start, end, [1, 2, 3])
    return picked


ROUTED = [
    (sales.get_sales_totals, ()),
    (sales.get_sales_comparison, ()),  # three periods in one statement
    (sales.get_sales_by_period, ()),
    (sales.get_sales_by_dimension, ("segment",)),
    (sales.get_sales_by_dimension, ("region",)),
    (sales.get_sales_by_dimension, ("category",)),
    (sales.get_sales_by_dimension, ("store",)),
    (sales.get_sales_by_dimension_then_and_now, ("segment",)),  # two periods in one statement
    (sales.get_sales_by_dimension_then_and_now, ("category",)),
    (sales.get_sales_by_dimension_then_and_now, ("store",)),
    (sales.get_sales_by_dimension_then_and_now, ("region", False)),  # What changed: no customers
    (segments.get_kpis_by_segment, ()),
    (segments.get_category_mix_by_segment, ()),
    (segments.get_sales_by_segment_and_period, ()),
    (products.get_sales_by_product_level, ("category",)),
    (products.get_sales_by_product_level, ("product",)),
    (products.get_sales_by_product_level, ("product", "Chairs")),
    (products.get_sales_by_product_level, ("sub_category",)),
    (products.get_top_products, ()),
    (products.get_monthly_sales_by_category, ()),
    (products.get_also_bought, (1,)),
    (products.get_also_bought, (7,)),
    (products.get_also_bought, (2, 3)),  # a short list: ties at its end are ordered by lift
    # The customers page: its whole-history parts from customer_activity and customer_lifetime.
    (customers.get_customer_summary, ()),  # top customers, repeat rate, RFM groups
    (customers.get_new_vs_returning_by_period, ()),
    (customers.get_cohort_retention, ()),
    (customer_value.get_rfm_customers, ("Loyal",)),
]


@pytest.mark.parametrize("f", _filters(), ids=lambda f: f"{f.start}_{f.end}_{f.grain}")
def test_router_answers_equal_the_facts(demo_url, f):
    for query, args in ROUTED:
        ours, naive = _both(query, f, *args)
        assert ours == naive, f"{query.__name__}{args} differs for {f}"


def test_customer_rollups_read_whole_years_beyond_the_customers_days(demo_url):
    with read_connection() as conn:
        first, last = conn.execute(text("SELECT min(order_date), max(order_date) FROM customer_orders")).one()
        inside = customer_split(first + dt.timedelta(days=1), last - dt.timedelta(days=1))
        with customer_days_known(conn):
            beyond = customer_split(first - dt.timedelta(days=3), last)
            within = customer_split(first + dt.timedelta(days=1), last - dt.timedelta(days=1))
    assert (beyond.months_from, beyond.months_to) == (dt.date(first.year, 1, 1), dt.date(last.year + 1, 1, 1))
    assert within == inside  # a range inside the data is split as it is
    assert within.months_from > first and within.months_to <= last


def test_every_customer_day_is_read_from_the_whole_history_rows(demo_url):
    """A range holding every customer day reads each customer's one 'a' row (per category under
    one), ungrouped; under two categories their 'a' rows per category and per set of categories,
    grouped; under stores their whole history per store (per category under one), grouped; a
    day less does not. The router-equality filters above include such ranges, so their answers
    are checked against the facts."""
    with read_connection() as conn:
        first, last = conn.execute(text("SELECT min(order_date), max(order_date) FROM customer_orders")).one()
        everything = KpiFilter(start=first - dt.timedelta(days=40), end=last, segments=("Consumer",))
        with customer_days_known(conn):
            sql = {
                "all": customers.per_customer_sql(everything)[0],
                "category": customers.per_customer_sql(replace(everything, categories=("Furniture",)))[0],
                "day less": customers.per_customer_sql(replace(everything, end=last - dt.timedelta(days=1)))[0],
                "store": customers.per_customer_sql(replace(everything, stores=("Web Shop",)))[0],
                "category in store": customers.per_customer_sql(
                    replace(everything, stores=("Web Shop",), categories=("Furniture",))
                )[0],
                "store day less": customers.per_customer_sql(
                    replace(everything, stores=("Web Shop",), end=last - dt.timedelta(days=1))
                )[0],
                "two": customers.per_customer_sql(replace(everything, categories=("Furniture", "Technology")))[0],
            }
        outside = customers.per_customer_sql(everything)[0]  # the customers' days unknown
    assert "kind = 'a'" in sql["all"] and "GROUP BY" not in sql["all"]
    assert "customer_category_period_totals t" in sql["category"] and "kind = 'a'" in sql["category"]
    assert (
        "customer_category_sets t" in sql["two"]
        and "kind = 'a'" in sql["two"]
        and "GROUP BY t.customer_key" in sql["two"]
    )
    assert not any("kind = 'a'" in sql[k] for k in ("day less", "store")) and "kind = 'a'" not in outside
    assert "FROM customer_store_totals" in sql["store"] and "GROUP BY t.customer_key" in sql["store"]
    assert "FROM customer_category_store_totals" in sql["category in store"]
    assert not any("store_totals" in sql[k] for k in ("store day less", "all", "category", "two"))
    assert "store_totals" not in outside


def test_a_ragged_start_is_read_as_its_month_less_the_days_before_when_they_are_few():
    def month_read(start, end):
        return start_month_read_whole(MonthSplit.of(start, end))

    assert month_read(dt.date(2024, 9, 4), dt.date(2026, 6, 30)) == dt.date(2024, 9, 1)  # 3 days off 27
    assert month_read(dt.date(2025, 3, 2), dt.date(2025, 11, 20)) == dt.date(2025, 3, 1)
    assert month_read(dt.date(2025, 3, 7), dt.date(2025, 11, 20)) is None  # 6 days before 25: read the 25
    assert month_read(dt.date(2025, 3, 1), dt.date(2025, 11, 20)) is None  # no ragged start
    assert month_read(dt.date(2025, 3, 2), dt.date(2025, 3, 31)) == dt.date(2025, 3, 1)  # to its end: March less 1
    assert month_read(dt.date(2025, 3, 4), dt.date(2025, 4, 9)) == dt.date(2025, 3, 1)  # no whole month after it
    assert month_read(dt.date(2025, 3, 2), dt.date(2025, 3, 30)) is None  # not to its end: all days are read
    f = KpiFilter(start=dt.date(2024, 9, 4), end=dt.date(2026, 6, 30))
    assert "customer_period_totals m" in customers.per_customer_sql(f)[0]
    assert "customer_period_totals m" not in customers.per_customer_sql(replace(f, stores=("Web Shop",)))[0]


def test_new_vs_returning_by_day_or_week_reads_whole_buckets_from_their_rollup():
    wednesday, tuesday = dt.date(2025, 6, 4), dt.date(2025, 7, 1)
    assert whole_weeks(wednesday, tuesday) == (dt.date(2025, 6, 9), dt.date(2025, 6, 30))
    monday, sunday = dt.date(2025, 6, 2), dt.date(2025, 6, 29)
    assert whole_weeks(monday, sunday) == (monday, sunday + dt.timedelta(days=1))
    week = KpiFilter(start=wednesday, end=tuesday, grain="week")
    sql = customers._new_vs_returning_sql(week)[0]
    assert "rollup_cohort_buckets" in sql and sql.count("FROM customer_orders") == 2  # and the two cut weeks' days
    day = replace(week, grain="day")
    assert "FROM customer_orders" not in customers._new_vs_returning_sql(day)[0]
    # by month under one category: whole months from their rollup (migration 0027), the cut
    # ends from the orders' rows per category
    month = replace(week, end=dt.date(2025, 9, 16), grain="month", categories=("Furniture",))
    sql = customers._new_vs_returning_sql(month)[0]
    assert "rollup_category_cohorts" in sql and sql.count("FROM customer_order_categories") == 2
    in_store = customers._new_vs_returning_sql(replace(month, stores=("Web Shop",)))[0]
    assert "rollup_category_cohorts" not in in_store and "rollup_category_store_set_cohorts" in in_store
    two = replace(month, categories=("Furniture", "Technology"), stores=("Web Shop",))
    assert "rollup_category_store" not in customers._new_vs_returning_sql(two)[0]
    assert "rollup_cohort_buckets" not in customers._new_vs_returning_sql(replace(day, stores=("Web Shop",)))[0]
    assert "rollup_cohort_buckets" not in customers._new_vs_returning_sql(replace(week, end=dt.date(2025, 6, 10)))[0]


def test_short_periods_count_customers_from_their_orders(demo_url):
    week = KpiFilter(start=dt.date(2025, 6, 2), end=dt.date(2025, 6, 8), stores=["Web Shop"])
    month = KpiFilter(start=dt.date(2025, 6, 1), end=dt.date(2025, 6, 30))

    def source(periods):
        sql = customers_in_periods_sql(periods)[0]
        tables = [table for table in ("customer_orders", "customer_order_categories") if f"FROM {table} " in sql]
        return tables[0] if tables else "activity"

    assert source([week, week.previous_period()]) == "customer_orders"
    assert source([month]) == "activity"
    assert "FROM customer_orders" in customers_in_periods_sql([week], "store")[0]  # by store too
    # by store a month too (STORE_PERIOD_DAYS), but not two of them
    assert "FROM customer_orders" in customers_in_periods_sql([month], "store")[0]
    two_months = replace(month, end=dt.date(2025, 7, 31))
    assert "FROM customer_orders" not in customers_in_periods_sql([two_months], "store")[0]
    # under a category, from the orders' rows per category while the days times categories are few
    furniture = replace(month, categories=("Furniture",))
    assert source([furniture, furniture.previous_period()]) == "customer_order_categories"
    assert source([replace(furniture, categories=("Furniture", "Technology"))]) == "customer_order_categories"
    # one category's activity rows are one per customer (no DISTINCT): from them sooner
    quarter = replace(furniture, start=dt.date(2025, 4, 1))
    assert source([quarter]) == "activity"
    assert source([replace(quarter, categories=("Furniture", "Technology"))]) == "customer_order_categories"
    assert source([replace(quarter, start=dt.date(2025, 3, 1), categories=("Furniture", "Technology"))]) == "activity"
    assert source([replace(furniture, segments=("Consumer",))]) == "activity"
    assert source([replace(week, segments=("Consumer",))]) == "activity"
    with row_scope(RowScope(regions=("West",))):  # a viewer's limits name the customers' regions
        assert source([week]) == "activity"


def test_the_filters_find_sales(demo_url):
    # Equal empty answers would prove nothing: nearly every filter above must find orders.
    found = [sales.get_sales_totals.uncached(f).orders > 0 for f in _filters()]
    assert sum(found) >= 0.8 * len(found)


def test_router_respects_row_limits(demo_url):
    f = KpiFilter(start=dt.date(2024, 8, 12), end=dt.date(2026, 5, 20))
    with row_scope(RowScope(segments=("Corporate",), regions=("East", "West"))):
        for query, args in ROUTED:
            ours, naive = _both(query, f, *args)
            assert ours == naive, f"{query.__name__}{args} differs under row limits"
        limited = _both(sales.get_sales_totals, f)[0]
    everything = _both(sales.get_sales_totals, f)[0]
    assert 0 < limited["orders"] < everything["orders"], "the limit must change the answer"


@pytest.mark.parametrize(
    "f",
    [
        KpiFilter(start=dt.date(2024, 9, 3), end=dt.date(2026, 2, 11)),
        KpiFilter(start=dt.date(2025, 6, 2), end=dt.date(2025, 6, 15)),  # short: from the orders
    ],
    ids=["long", "two weeks"],
)
def test_stores_sharing_a_name_count_their_customers_once(demo_url, f):
    # Two sources may each have a "Marketplace": the breakdown by store is by name.
    engine = create_engine(demo_url)
    apart = {row["label"]: row["customers"] for row in _both(sales.get_sales_by_dimension, f, "store")[0]}
    rename = "UPDATE stores SET name = :name WHERE store_key = :key"
    with engine.begin() as conn:
        web_shop = conn.execute(text("SELECT store_key FROM stores WHERE name = 'Web Shop'")).scalar_one()
        conn.execute(text(rename), {"key": web_shop, "name": "Marketplace"})
    try:
        ours, naive = _both(sales.get_sales_by_dimension, f, "store")
        then_and_now = _both(sales.get_sales_by_dimension_then_and_now, f, "store")
    finally:
        with engine.begin() as conn:
            conn.execute(text(rename), {"key": web_shop, "name": "Web Shop"})
        engine.dispose()
    assert ours == naive
    assert then_and_now[0] == then_and_now[1] and then_and_now[0][0] == ours  # two periods in one statement
    together = {row["label"]: row["customers"] for row in ours}["Marketplace"]
    assert max(apart["Web Shop"], apart["Marketplace"]) < together <= apart["Web Shop"] + apart["Marketplace"]
    if f.days > 14:  # over a long range some customers bought in both: counted once
        assert together < apart["Web Shop"] + apart["Marketplace"]


def test_demo_load_leaves_the_rollups_exact(demo_url):
    assert_rollups_exact(create_engine(demo_url))


@pytest.mark.parametrize(
    ("start", "end", "months", "edges"),
    [
        ("2025-01-01", "2025-12-31", ("2025-01-01", "2026-01-01"), []),
        (
            "2025-01-15",
            "2025-03-10",
            ("2025-02-01", "2025-03-01"),
            [("2025-01-15", "2025-01-31"), ("2025-03-01", "2025-03-10")],
        ),
        ("2025-01-15", "2025-01-20", None, [("2025-01-15", "2025-01-20")]),
        ("2025-01-15", "2025-02-27", None, [("2025-01-15", "2025-02-27")]),
        ("2024-02-01", "2024-02-29", ("2024-02-01", "2024-03-01"), []),
    ],
)
def test_month_split(start, end, months, edges):
    f = KpiFilter(start=start, end=end)
    split = MonthSplit.of(f.start, f.end)
    if months is None:
        assert not split.has_months
    else:
        assert (split.months_from.isoformat(), split.months_to.isoformat()) == months
    assert [(e.start.isoformat(), e.end.isoformat()) for e in split.edges(f)] == edges


@pytest.fixture
def shop(pg_server_url):
    """The hand-checked fixture shop in a database of its own, to change freely."""
    engine = create_engine(create_database(pg_server_url, "rollup_writes"))
    migrate(engine)
    load_fixture(engine)
    yield engine
    engine.dispose()


def test_the_check_sees_drift(shop):
    assert_rollups_exact(shop)
    with shop.begin() as conn:
        conn.execute(
            # One row: a ctid is a place in one partition (migration 0020), so the partition too.
            text(
                "UPDATE rollup_category SET sales = sales + 0.01 WHERE (tableoid, ctid) = "
                "(SELECT tableoid, ctid FROM rollup_category ORDER BY kind, day LIMIT 1)"
            )
        )
        conn.execute(text("DELETE FROM customer_activity WHERE customer_key = 1"))
    assert rollup_drift(shop) == {"rollup_category": 2, "customer_activity": 1}


CSV_HEADER = (
    "Order ID,Order Date,Customer ID,Segment,Region,Store,Product ID,Product Name,Category,Quantity,Unit Price\n"
)


def _import(engine, tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(CSV_HEADER + "".join(f"{r}\n" for r in rows))
    return import_file(engine, path, source="fx").import_id


def test_every_write_keeps_the_rollups_exact(shop, tmp_path):
    checks = []

    def check(step):
        checks.append(step)
        assert rollup_drift(shop) == {}, f"rollups drifted after: {step}"

    def by_hand(step, sql):  # a DBA's statement in psql: the triggers must cover it too
        with shop.begin() as conn:
            conn.execute(text(sql))
        check(step)

    # New orders, one spanning two categories, with a return line and a till's repeated line.
    first = _import(
        shop,
        tmp_path,
        "new.csv",
        [
            "N1,2026-03-05,C1,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "N1,2026-03-05,C1,Consumer,North,Web Shop,P2,Paper,Office Supplies,2,5",
            "N1,2026-03-05,C1,Consumer,North,Web Shop,P2,Paper,Office Supplies,2,5",
            "N2,2026-03-31,C9,Corporate,East,Pop-up,P3,Phone,Technology,-1,300",
            "N3,2026-04-01,,,,,P2,Paper,Office Supplies,3,5",
        ],
    )
    check("import of new orders")
    # A month with three purchases that loses its last one: its last purchase day moves back
    # to the later of the two left (a maximum is recomputed, not subtracted).
    _import(
        shop,
        tmp_path,
        "month.csv",
        [
            "N5,2026-03-12,C1,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "N6,2026-03-20,C1,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
        ],
    )
    check("import of more orders in the same month")
    by_hand("the month's last purchase cancelled", "UPDATE orders SET status = 'cancelled' WHERE order_id = 'N6'")
    # A later order that only returns something is no purchase: the last one moves back past it.
    _import(
        shop,
        tmp_path,
        "returned.csv",
        [
            "N7,2026-05-10,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "N8,2026-05-12,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "N9,2026-05-20,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,-1,100",
            "N10,2026-08-04,C5,Consumer,North,Web Shop,P2,Paper,Office Supplies,2,5",
            "N10,2026-08-04,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
        ],
    )
    by_hand(
        "the last purchase before a return-only order taken away",
        "DELETE FROM order_lines WHERE order_key = (SELECT order_key FROM orders WHERE order_id = 'N8')",
    )
    # Months after the first purchase: the customer's cohort rows are refiled only there (0039).
    by_hand(
        "an order taken away months after the first purchase",
        "DELETE FROM order_lines WHERE order_key = (SELECT order_key FROM orders WHERE order_id = 'N10')",
    )
    # A day keeps a purchase while another order holds one; a return-only order holds none. The
    # year's last purchase then lies in the month before (S0).
    _import(
        shop,
        tmp_path,
        "same_day.csv",
        [
            "S0,2026-08-20,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "S1,2026-09-01,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "S2,2026-09-01,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "S3,2026-09-01,C5,Consumer,North,Web Shop,P1,Desk Chair,Furniture,-1,100",
        ],
    )
    same_day = "DELETE FROM order_lines WHERE order_key = (SELECT order_key FROM orders WHERE order_id = '{}')"
    by_hand("one of a day's two purchases taken away", same_day.format("S1"))
    by_hand("a day's last purchase taken away beside a return", same_day.format("S2"))
    # The same orders again, changed: replaced whole, never added twice.
    _import(shop, tmp_path, "again.csv", ["N1,2026-03-06,C1,Consumer,North,Downtown,P2,Paper,Office Supplies,1,5"])
    check("import replacing an order")
    # A customer moves segment and region; a product moves category (upserts of an import).
    _import(
        shop,
        tmp_path,
        "moves.csv",
        ["N4,2026-03-07,C1,Corporate,West,Web Shop,P2,Paper,Technology,1,5"],
    )
    with shop.connect() as conn:
        moved = conn.execute(
            text(
                "SELECT (SELECT segment || '/' || region FROM customers WHERE customer_id = 'C1'), "
                "(SELECT category FROM products WHERE product_id = 'P2')"
            )
        ).one()
    assert tuple(moved) == ("Corporate/West", "Technology")
    check("customer and product attribute changes")
    by_hand(
        "every customer renamed, one moved to another segment, one to another region",
        "UPDATE customers SET name = coalesce(name, '') || '.', "
        "segment = CASE WHEN customer_key = 2 THEN 'Home Office' ELSE segment END, "
        "region = CASE WHEN customer_key = 1 THEN 'East' ELSE region END",
    )
    by_hand(
        "a product moved to another sub-category", "UPDATE products SET sub_category = 'Seats' WHERE product_key = 1"
    )
    by_hand(
        "a product moved to another category and sub-category",
        "UPDATE products SET category = 'Office Supplies', sub_category = 'Desks' WHERE product_id = 'P1'",
    )
    by_hand("an order cancelled", "UPDATE orders SET status = 'cancelled' WHERE order_id = 'O2'")
    by_hand("a cancelled order restored", "UPDATE orders SET status = 'completed' WHERE order_id = 'O4'")
    by_hand(
        "an order's date and customer changed",
        "UPDATE orders SET order_date = '2025-06-30', customer_key = NULL WHERE order_id = 'O1'",
    )
    by_hand(
        "lines updated in place",
        "UPDATE order_lines SET quantity = -quantity, net_amount = -net_amount WHERE order_key = 3",
    )
    undo_import(shop, first)
    check("undo of the first import")
    with shop.begin() as conn:
        bulk.delete_orders(conn, "order_id IN ('O7', 'O9')", {})
    check("orders deleted")
    by_hand("truncate", "TRUNCATE order_lines")
    with shop.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM rollup_category")).scalar_one() == 0
    assert len(checks) == 19


def test_later_purchases_refile_only_what_they_touch_and_keep_the_first_week_new(shop, tmp_path):
    """Migration 0033: a customer whose first purchase lies in an earlier month than the week a
    delta touches has only that day and week refiled. Wednesday 2025-12-31 and Friday
    2026-01-02 are one ISO week: the January order is in the first purchase's week, which stays
    new, though its month is later than the first purchase's."""
    steps = [
        ("first purchase", ["FW1,2025-12-31,CW,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100"]),
        ("next month, same week", ["FW2,2026-01-02,CW,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100"]),
        ("a later week, twice on a day", [
            "FW3,2026-01-14,CW,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "FW4,2026-01-14,CW,Consumer,North,Pop-up,P2,Paper,Office Supplies,2,5",
        ]),
        ("the same day again, a return", ["FW5,2026-01-14,CW,Consumer,North,Web Shop,P1,Desk Chair,Furniture,-1,100"]),
    ]  # fmt: skip
    for step, rows in steps:
        _import(shop, tmp_path, f"{step}.csv", rows)
        assert rollup_drift(shop) == {}, f"rollups drifted after: {step}"
    with shop.connect() as conn:
        first_week = conn.execute(
            text("SELECT new, customers, cells FROM rollup_cohort_buckets WHERE kind = 'w' AND bucket = '2025-12-29'")
        ).all()
    assert [tuple(row) for row in first_week] == [(True, 1, 1)]


def test_stores_sharing_a_name_are_one_bar_with_their_customers_counted_once(shop, tmp_path):
    """Two sources may each have a "Web Shop": the breakdown, like the facts, names one bar
    and counts a customer who bought in both once."""
    _import(shop, tmp_path, "other.csv", ["W1,2026-01-20,C1,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100"])
    with shop.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stores WHERE name = 'Web Shop'")).scalar_one() == 2
    with _data_access_on(shop.url.render_as_string(hide_password=False)):
        f = KpiFilter(start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31))
        ours, naive = _both(sales.get_sales_by_dimension, f, "store")
        assert ours == naive
        assert [row["label"] for row in ours].count("Web Shop") == 1


def test_returns_alone_make_no_customer_of_the_month_on_either_route(shop, tmp_path):
    """A customer whose only lines in a month are returns is not a new or returning customer
    of it, but their refund counts in that month's sales; in the ragged days as in whole months,
    by month and by week, under two categories too (their order rows read one by one)."""
    _import(
        shop,
        tmp_path,
        "returns.csv",
        [
            "R1,2026-01-10,C7,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
            "R2,2026-03-20,C7,Consumer,North,Web Shop,P1,Desk Chair,Furniture,-1,100",
            "R3,2026-03-25,C8,Consumer,North,Web Shop,P1,Desk Chair,Furniture,-1,100",
        ],
    )
    with _data_access_on(shop.url.render_as_string(hide_password=False)):
        for start, end in [("2026-03-15", "2026-04-30"), ("2026-01-01", "2026-03-31"), ("2026-01-05", "2026-03-22")]:
            for grain, categories in [("month", []), ("week", []), ("week", ["Furniture", "Technology"])]:
                f = KpiFilter(start=start, end=end, grain=grain, segments=["Consumer"], categories=categories)
                for query in (customers.get_new_vs_returning_by_period, customers.get_cohort_retention):
                    ours, naive = _both(query, f)
                    assert ours == naive, f"{query.__name__} differs for {f}"
        march = KpiFilter(start="2026-03-15", end="2026-03-31", segments=["Consumer"])
        row = customers.get_new_vs_returning_by_period.uncached(march).to_dict("records")[0]
        # C7's refund is a returning customer's sale; C8 (never bought) is in neither.
        assert (row["new_customers"], row["returning_customers"]) == (0, 0)
        assert row["returning_sales"] == Decimal("-100.00") and row["new_sales"] == 0


def test_two_orders_on_one_day_count_twice_under_two_categories_on_either_route(shop, tmp_path):
    """Under two or more categories a ragged day's orders are counted one by one (an order of
    both categories once), though new vs returning reads those days per customer and day. The
    range starts mid-month in the data's last month: by month, new vs returning once handed its
    ragged start back to itself (customer_split widens it to whole months) until RecursionError."""
    lines = [
        "SD1,2026-03-12,C1,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
        "SD2,2026-03-12,C1,Consumer,North,Web Shop,P3,Phone,Technology,1,300",
        "SD2,2026-03-12,C1,Consumer,North,Web Shop,P1,Desk Chair,Furniture,1,100",
    ]
    _import(shop, tmp_path, "same-day.csv", lines)
    with _data_access_on(shop.url.render_as_string(hide_password=False)):
        for stores in ([], ["Web Shop"]):
            for grain in ("day", "week", "month"):
                f = KpiFilter(
                    start="2026-03-10",
                    end="2026-03-20",
                    grain=grain,
                    categories=["Furniture", "Technology"],
                    stores=stores,
                )
                answers = {}
                for query in (customers.get_customer_summary, customers.get_new_vs_returning_by_period):
                    answers[query], naive = _both(query, f)
                    assert answers[query] == naive, f"{query.__name__} differs for {grain} in {stores}"
                (alice,) = top = answers[customers.get_customer_summary]["top"]
                assert (alice["customer"], alice["orders"], alice["sales"]) == ("Alice", 2, Decimal("500.0000")), top


def test_an_item_rung_twice_is_one_order_for_also_bought_on_either_route(shop, tmp_path):
    """A till may ring the same item twice in one order: the order still bought it together with
    the others once, in ragged days as in whole months, with or without a segment."""
    lines = [
        "AB1,2026-03-12,C1,Consumer,North,Web Shop,AB-X,Tea Pot,Furniture,1,40",
        "AB1,2026-03-12,C1,Consumer,North,Web Shop,AB-X,Tea Pot,Furniture,1,40",
        "AB1,2026-03-12,C1,Consumer,North,Web Shop,AB-Y,Tea Cup,Furniture,2,5",
        "AB2,2026-03-14,C2,Consumer,North,Web Shop,AB-X,Tea Pot,Furniture,1,40",
        "AB2,2026-03-14,C2,Consumer,North,Web Shop,AB-Y,Tea Cup,Furniture,1,5",
        "AB2,2026-03-14,C2,Consumer,North,Web Shop,AB-Y,Tea Cup,Furniture,1,5",
    ]
    _import(shop, tmp_path, "rung-twice.csv", lines)
    with shop.connect() as conn:
        x, y = conn.execute(
            text("SELECT product_key FROM products WHERE product_id IN ('AB-X', 'AB-Y') ORDER BY product_id")
        )
    with _data_access_on(shop.url.render_as_string(hide_password=False)):
        for start, end in [("2026-03-10", "2026-03-20"), ("2026-03-01", "2026-03-31")]:
            for segments in ([], ["Consumer"]):
                f = KpiFilter(start=start, end=end, segments=segments, categories=["Furniture"])
                ours, naive = _both(products.get_also_bought, f, x.product_key)
                assert ours == naive, f"also bought differs for {start}..{end} {segments}"
                assert ours["product_orders"] == 2
                tea_cup = next(item for item in ours["items"] if item["product_key"] == y.product_key)
                assert tea_cup["together"] == 2


def test_lifetime_values_follow_every_write_on_either_route(shop, tmp_path):
    """Under a store filter the summary looks each customer's lifetime value up in every
    customer's lifetimes, read once per state of the data (customers._lifetimes): a purchase in
    another store changes a buyer's at once, and its undo puts it back."""
    with _data_access_on(shop.url.render_as_string(hide_password=False)):
        f = KpiFilter(start="2026-01-01", end="2026-02-28", stores=["Web Shop"])  # Alice's O1 alone

        def lifetime_values():
            ours, naive = _both(customers.get_customer_summary, f)
            assert ours == naive
            return ours["ltv"]["customers"], ours["ltv"]["median"]

        assert lifetime_values() == (1, Decimal("260.0000"))  # O1 245.00 + O3 15.00, O3 in Downtown
        added = _import(
            shop, tmp_path, "elsewhere.csv", ["LT1,2026-02-15,C1,Consumer,North,Downtown,P3,Phone,Technology,1,300"]
        )
        assert lifetime_values() == (1, Decimal("560.0000"))
        undo_import(shop, added)
        assert lifetime_values() == (1, Decimal("260.0000"))
