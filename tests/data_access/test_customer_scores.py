"""The customer summary's arrays (data_access.customer_scores) against the summary's own SQL:
the RFM groups and the lifetime values' statistics of the same customers, to the digit and
scale (compared as text), from values by hand and from random shops."""

import datetime as dt
import random

import numpy as np
import pytest
from sqlalchemy import text

from data_access import customers
from data_access.customer_scores import ltv_statistics, quintile_scores, rfm_cells
from data_access.db import get_engine
from data_access.rfm import rfm_groups_sql
from tests.data_access.test_customers import _python_scores

END = dt.date(2026, 3, 1)


def _as_text(rows) -> list[tuple[str, ...]]:
    return [tuple(str(value) for value in row) for row in rows]


def _summary_rows(cells, ltv) -> dict[str, list]:
    """summary_groups_sql's rows by part, as the summary reads them."""
    sql, params = customers.summary_groups_sql(cells, ltv)
    with get_engine().connect() as conn:
        result = conn.execute(text(sql), params)
        rows = result.all()
    rfm = sorted(
        (row.rfm_group, row.customers, row.sales, row.avg_recency_days, row.avg_frequency)
        for row in rows
        if row.part == "rfm"
    )
    ltv_rows = sorted(
        (row.ltv_customers, row.ltv_mean, row.ltv_median, row.ltv_bin, row.ltv_lo, row.ltv_width, row.ltv_in_bin)
        for row in rows
        if row.part == "ltv"
    )
    return {"rfm": _as_text(rfm), "ltv": _as_text(ltv_rows)}


def _sql_rfm(rows: list[tuple[int, int, int, int]]) -> list[tuple[str, ...]]:
    """rfm_groups_sql over (customer_key, orders, sales in units, recency days), money as the
    summary gives it (sales * 0.0001)."""
    values = ", ".join(
        f"({key}, {orders}, {sales}::bigint, DATE '{END}' - {days})" for key, orders, sales, days in rows
    )
    relation = f"(SELECT * FROM (VALUES {values}) v(customer_key, orders, sales, last_in_range))"
    sql = f"""SELECT rfm_group, customers, sales * 0.0001, avg_recency_days, avg_frequency
              FROM ({rfm_groups_sql(relation)}) g ORDER BY 1"""
    with get_engine().connect() as conn:
        return _as_text(conn.execute(text(sql), {"end": END}).all())


def _sql_ltv(values: list[int]) -> list[tuple[str, ...]]:
    """customers._ltv_sql in units over the values (units), one row per occupied bin."""
    stats, bins, columns = customers._ltv_sql(units=True)
    given = ", ".join(f"({value}::bigint)" for value in values) or "(NULL::bigint)"
    sql = f"""WITH given(v) AS (VALUES {given}), ltv AS (SELECT v FROM given WHERE v IS NOT NULL),
              ltv_stats AS ({stats}), ltv_bins AS ({bins})
              SELECT {columns} FROM ltv_stats s LEFT JOIN ltv_bins b ON true ORDER BY b.bin"""
    with get_engine().connect() as conn:
        return _as_text(conn.execute(text(sql)).all())


def _arrays(rows):
    orders, sales, days = (np.array([row[i] for row in rows], dtype=np.int64) for i in (1, 2, 3))
    return orders, sales, days


@pytest.mark.parametrize("customers_count", [1, 2, 7, 400, 3000])
def test_rfm_groups_from_arrays_equal_the_sql(customers_count):
    rng = random.Random(customers_count)
    rows = [
        (key, rng.choice([1, 1, 1, 2, 2, 3, 5, 8, 40]), rng.randint(-50_000, 9_000_000), rng.randint(0, 700))
        for key in range(1, customers_count + 1)
    ]
    orders, sales, days = _arrays(rows)
    ltv = ltv_statistics(sales[:0], 10_000)
    assert _summary_rows(rfm_cells(orders, sales, days), ltv)["rfm"] == _sql_rfm(rows)


def test_scores_of_values_far_apart_equal_the_percent_rank_by_hand():
    """Values spread too far to be counted per value are ranked by sorting: the same scores."""
    rng = random.Random(5)
    values = [rng.choice([1, 2, 3, 10**9, 10**12, 7 * 10**12]) for _ in range(50)]
    for descending in (True, False):
        scores = quintile_scores(np.array(values, dtype=np.int64), descending=descending)
        assert scores.tolist() == _python_scores(values, descending=descending)


@pytest.mark.parametrize(
    "values",
    [
        [],
        [70_000],
        [2_500, 5_000, 5_000, 7_500],  # all under one: the top is lo + one, not the 99th percentile
        [-35_000, 1, 123_400, 123_400, 999_900, 10_000_000],  # a negative value moves lo below zero
        "random",
    ],
)
def test_lifetime_statistics_from_arrays_equal_the_sql(values):
    if values == "random":
        rng = random.Random(11)
        values = [rng.choice([rng.randint(-(10**6), 10**9), rng.randint(0, 5 * 10**5)]) for _ in range(2_345)]
    cells = rfm_cells(*(np.array([], dtype=np.int64),) * 3)
    found = _summary_rows(cells, ltv_statistics(np.array(values, dtype=np.int64), 10_000))
    assert found["rfm"] == []
    assert found["ltv"] == _sql_ltv(values)
    assert found["ltv"][0][0] == str(len(values))
