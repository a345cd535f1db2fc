"""Customer KPIs against hand-computed values of the fixture shop (tests/fixture_data.py).

Purchases per customer (positive lines, not cancelled):
  Alice (Consumer, North): O1 2026-01-05 245.00, O3 2026-02-03 15.00 (20 - 5 returned)
  Bob (Corporate, South):  O7 2025-01-20 300.00, O2 2026-01-20 240.00
  Carol (Consumer, South): none (O4 cancelled, O8 only a return of -100.00)
  Dan (Home Office, North): O6 2025-12-15 15.00
  Erin (Corporate, West):  O9 2025-12-20 300.00
"""

import datetime as dt
import math
import random
from decimal import Decimal

import pytest
from sqlalchemy import text

from data_access import customers
from data_access.customer_value import get_lifetime_value_distribution, get_rfm_customers, get_rfm_groups
from data_access.customers import (
    get_cohort_retention,
    get_new_vs_returning_by_period,
    get_repeat_customer_rate,
    get_top_customers,
)
from data_access.db import get_engine
from data_access.filters import KpiFilter
from data_access.rfm import RFM_GROUP_NAMES, rfm_group, rfm_groups_sql, rfm_scored_sql

JAN_FEB = KpiFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))
YEAR_2025 = KpiFilter(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
SINCE_2025 = KpiFilter(start=dt.date(2025, 1, 1), end=dt.date(2026, 2, 28))
D = dt.date


def test_top_customers_with_history_and_recency():
    top = get_top_customers(JAN_FEB)
    rows = top[
        ["rank", "customer", "sales", "orders", "quantity", "profit", "first_order", "last_order", "recency_days"]
    ]
    assert [tuple(r) for r in rows.itertuples(index=False)] == [
        (1, "Alice", Decimal("260.00"), 2, Decimal("15"), Decimal("114.00"), D(2026, 1, 5), D(2026, 2, 3), 25),
        # Bob's first order lies before the range: it is still his first order.
        (2, "Bob", Decimal("240.00"), 1, Decimal("1"), Decimal("40.00"), D(2025, 1, 20), D(2026, 1, 20), 39),
    ]


def test_top_customers_dense_rank_ties_and_whole_history():
    top = get_top_customers(YEAR_2025)
    assert list(zip(top["rank"], top["customer"], top["sales"], strict=True)) == [
        (1, "Bob", Decimal("300.00")),
        (1, "Erin", Decimal("300.00")),
        (2, "Dan", Decimal("15.00")),
    ]
    bob = top.set_index("customer").loc["Bob"]
    assert bob.last_order == D(2026, 1, 20)  # whole history, past the filter's end
    assert bob.recency_days == 345  # 2025-01-20 (last order in the range) to 2025-12-31


@pytest.mark.parametrize("limit, names", [(1, ["Bob"]), (2, ["Bob", "Erin"]), (3, ["Bob", "Erin", "Dan"])])
def test_top_customers_cut_at_the_limit_keep_dense_ranks(monkeypatch, limit, names):
    # The summary keeps the customers with at least the limit-th best sales before ranking them:
    # with the limit inside a tie (Bob and Erin 300.00) both rank 1 and Dan is 2 when listed.
    monkeypatch.setattr(customers, "TOP_CUSTOMERS", limit)
    top = customers.get_customer_summary.uncached(YEAR_2025).top
    assert list(zip(top["customer"], top["rank"], strict=True)) == list(zip(names, [1, 1, 2], strict=False))


@pytest.mark.parametrize(
    "f, customers, repeat",
    [
        (JAN_FEB, 2, 1),  # Alice twice, Bob once
        (KpiFilter(start=D(2020, 1, 1), end=D(2030, 1, 1)), 4, 2),  # Carol has no purchase
        (KpiFilter(start=D(2024, 1, 1), end=D(2024, 12, 31)), 0, 0),
    ],
)
def test_repeat_customer_rate(f, customers, repeat):
    result = get_repeat_customer_rate(f)
    assert (result.customers, result.repeat_customers) == (customers, repeat)
    assert result.rate == (Decimal(repeat) / customers if customers else None)


def test_new_vs_returning_by_month():
    frame = get_new_vs_returning_by_period(KpiFilter(start=JAN_FEB.start, end=JAN_FEB.end, grain="month"))
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        (D(2026, 1, 1), 1, 1, Decimal("245.00"), Decimal("240.00")),  # Alice new, Bob returning
        (D(2026, 2, 1), 0, 1, Decimal("0"), Decimal("15.00")),  # Alice now returning
    ]


def test_cohort_retention():
    frame = get_cohort_retention(KpiFilter(start=D(2025, 1, 1), end=D(2026, 3, 31)))
    got = [(r.cohort, r.months_since, r.customers, r.cohort_size, r.share) for r in frame.itertuples()]
    assert got == [
        (D(2025, 1, 1), 0, 1, 1, Decimal(1)),  # Bob
        (D(2025, 1, 1), 12, 1, 1, Decimal(1)),  # Bob again in January 2026
        (D(2025, 12, 1), 0, 2, 2, Decimal(1)),  # Dan and Erin, who never came back
        (D(2026, 1, 1), 0, 1, 1, Decimal(1)),  # Alice
        (D(2026, 1, 1), 1, 1, 1, Decimal(1)),
    ]


def test_cohorts_follow_segment_and_the_range_start():
    consumer = get_cohort_retention(KpiFilter(start=D(2025, 1, 1), end=D(2026, 3, 31), segments=["Consumer"]))
    assert set(consumer.cohort) == {D(2026, 1, 1)}
    later = get_cohort_retention(KpiFilter(start=D(2025, 6, 1), end=D(2026, 3, 31)))
    assert D(2025, 1, 1) not in set(later.cohort)  # Bob's cohort starts before the range


def test_lifetime_value_distribution():
    ltv = get_lifetime_value_distribution(JAN_FEB)
    # Alice 260.00 over her history; Bob 300.00 + 240.00 = 540.00.
    assert ltv.customers == 2
    assert ltv.median == Decimal("260.00") and ltv.mean == Decimal("400")
    assert ltv.bins.customers.sum() == 2
    assert list(ltv.bins.bin_start) == [Decimal("243"), Decimal("513")]


def test_lifetime_value_counts_the_customers_with_a_purchase_only():
    ltv = get_lifetime_value_distribution(KpiFilter(start=D(2020, 1, 1), end=D(2030, 1, 1)))
    # Alice 260.00, Bob 540.00, Dan 15.00, Erin 300.00; Carol's only line is a return (-100.00).
    assert ltv.customers == 4 and ltv.mean == Decimal("278.75")
    assert ltv.bins.bin_start.min() == 0  # the lowest value counted is above zero


@pytest.mark.parametrize(
    "values",
    [
        ["0.25", "0.50", "0.50", "0.75"],  # all under one: the top is lo + 1, not the 99th percentile
        ["-3.5000", "0.0001", "12.34", "12.34", "99.99", "1000"],  # a negative value moves lo below zero
        ["7"],
    ],
)
def test_lifetime_value_statistics_in_units_equal_those_in_numeric(values):
    """The summary keeps its sums in bigint units under the rollups (customers._ltv_sql): the
    statistics and bins must be those of the same values as numerics, to the digit."""

    def statistics(units: bool) -> list[tuple]:
        stats, bins, columns = customers._ltv_sql(units)
        v = "(v * 10000)::bigint" if units else "v"
        rows = ", ".join(f"({value}::numeric)" for value in values)
        sql = f"""WITH given(v) AS (VALUES {rows}), ltv AS (SELECT {v} AS v FROM given),
                  ltv_stats AS ({stats}), ltv_bins AS ({bins})
                  SELECT {columns} FROM ltv_stats s LEFT JOIN ltv_bins b ON true ORDER BY b.bin"""
        with get_engine().connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]

    in_numeric = statistics(units=False)
    assert statistics(units=True) == in_numeric
    n, mean, median, _, lo, width, _ = in_numeric[0]
    assert n == len(values) and abs(mean - sum(map(Decimal, values)) / len(values)) < Decimal("1e-12")
    assert lo == min(Decimal(0), *map(Decimal, values))
    assert sum(row[-1] for row in in_numeric) == len(values)
    if values[0] == "0.25":
        assert (median, width) == (Decimal("0.50"), Decimal("0.05"))  # (lo + 1 - lo) / 20 bins


def test_rfm_scores_and_groups():
    # In 2025-01-01 .. 2026-02-28: recency days Alice 25, Bob 39, Erin 70, Dan 75; orders 2, 2, 1, 1;
    # sales 260, 540, 300, 15. Scores (1-5 by percent rank, ties shared): R 5, 4, 2, 1; F 4, 4, 1, 1.
    champions = get_rfm_customers(SINCE_2025, "Champions")
    assert [(r.customer, r.r, r.f, r.m) for r in champions.itertuples()] == [("Bob", 4, 4, 5), ("Alice", 5, 4, 2)]
    groups = get_rfm_groups(SINCE_2025).set_index("rfm_group")
    assert list(groups.index) == list(RFM_GROUP_NAMES)
    assert groups.loc["Champions", "customers"] == 2 and groups.loc["Champions", "sales"] == Decimal("800.00")
    assert groups.loc["Hibernating", "customers"] == 1  # Erin: R 2, F 1
    assert groups.loc["Lost", "sales"] == Decimal("15.00")  # Dan: R 1, F 1
    assert groups.loc["Loyal", "customers"] == 0


def test_every_score_pair_has_exactly_one_group():
    assert {rfm_group(r, f) for r in range(1, 6) for f in range(1, 6)} == set(RFM_GROUP_NAMES)
    with pytest.raises(ValueError):
        get_rfm_customers(SINCE_2025, "Champions'; --")


def _python_scores(values: list[int], descending: bool) -> list[int]:
    """kpis.md's score, by hand: 1-5 by percent rank ((rank - 1) / (n - 1), ties share the
    lowest rank), the same float arithmetic as PostgreSQL's percent_rank."""
    n = len(values)
    before = [sum((w > v) if descending else (w < v) for w in values) for v in values]
    return [min(5, math.floor((0.0 if n <= 1 else b / (n - 1)) * 5) + 1) for b in before]


def _numeric_mean(values: list[int]) -> Decimal:
    """avg() of integers as PostgreSQL gives it (numeric_div: 16 significant digits here)."""
    with get_engine().connect() as conn:
        return conn.execute(
            text("SELECT CAST(:s AS numeric) / CAST(:n AS numeric)"), {"s": sum(values), "n": len(values)}
        ).scalar_one()


@pytest.mark.parametrize("customers", [1, 2, 7, 400])
def test_rfm_scores_equal_the_percent_rank_by_hand(customers):
    # Few distinct order counts and days, so most customers tie (as in a real shop).
    rng = random.Random(customers)
    rows = [(key, rng.choice([1, 1, 1, 2, 2, 3, 5, 8]), rng.randint(0, 40)) for key in range(1, customers + 1)]
    values = ", ".join(f"({key}, {orders}, {orders * 10}.00, DATE '2026-03-01' - {days})" for key, orders, days in rows)
    relation = f"(SELECT * FROM (VALUES {values}) v(customer_key, orders, sales, last_in_range))"
    end = {"end": dt.date(2026, 3, 1)}
    with get_engine().connect() as conn:
        scored = conn.execute(text(rfm_scored_sql(relation)), end).all()
        groups = conn.execute(text(rfm_groups_sql(relation)), end).all()
    by_key = {row.customer_key: (row.r, row.f, row.rfm_group) for row in scored}
    recency = _python_scores([days for _, _, days in rows], descending=True)
    frequency = _python_scores([orders for _, orders, _ in rows], descending=False)
    expected = {key: (r, f, rfm_group(r, f)) for (key, _, _), r, f in zip(rows, recency, frequency, strict=True)}
    assert by_key == expected
    # The summary's groups, from (recency, frequency) pairs: what avg() over the customers gives.
    members: dict[str, list] = {}
    for key, orders, days in rows:
        members.setdefault(expected[key][2], []).append((orders, days))
    assert {g.rfm_group: (g.customers, g.sales, str(g.avg_recency_days), str(g.avg_frequency)) for g in groups} == {
        group: (
            len(m),
            Decimal(sum(orders * 10 for orders, _ in m)),
            str(_numeric_mean([days for _, days in m])),
            str(_numeric_mean([orders for orders, _ in m])),
        )
        for group, m in members.items()
    }
    if customers == 400:
        assert len({r for r, _, _ in expected.values()}) == 5 and len({f for _, f, _ in expected.values()}) >= 3
