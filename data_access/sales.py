"""Overview KPIs (kpis.md "Sales"): totals, period comparisons, sales over time."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.concurrent import run_concurrently
from data_access.db import read_connection, read_frame
from data_access.facts import (
    CUSTOMER_COUNT,
    NO_CUSTOMER,
    NO_STORE,
    ORDER_COUNT,
    PROFIT,
    QUANTITY,
    SALES,
    filtered_facts,
)
from data_access.filters import KpiFilter, bucket_sql
from data_access.rollups import (
    LABEL_COLUMNS,
    customer_days_known,
    customers_in_periods_sql,
    dims_sql,
    label_sql,
    period_sql,
    rollup_where,
    rollups_enabled,
)


@dataclass(frozen=True)
class SalesTotals:
    sales: Decimal
    profit: Decimal
    quantity: Decimal
    orders: int
    customers: int

    @property
    def margin(self) -> Decimal | None:
        return self.profit / self.sales if self.sales else None

    @property
    def aov(self) -> Decimal | None:
        return self.sales / self.orders if self.orders else None

    @property
    def orders_per_customer(self) -> Decimal | None:
        return Decimal(self.orders) / self.customers if self.customers else None

    @property
    def is_empty(self) -> bool:
        return self.orders == 0 and self.sales == 0 and self.quantity == 0


TOTALS = ("sales", "profit", "quantity", "orders", "customers")  # SalesTotals' fields, in order


@dataclass(frozen=True)
class SalesComparison:
    current: SalesTotals
    previous: SalesTotals
    year_earlier: SalesTotals
    same_dates: bool = False  # KpiFilter.previous_is_year_earlier: previous and year_earlier are one


@cached_query
def get_sales_totals(f: KpiFilter) -> SalesTotals:
    return _totals_of([f])[0]


def _totals_of(periods: list[KpiFilter]) -> list[SalesTotals]:
    """The totals of filters that differ only in their dates."""
    if not rollups_enabled():
        return [_totals_from_facts(f) for f in periods]
    with read_connection() as conn, customer_days_known(conn):
        sql, params = _totals_from_rollups(periods)
        row = conn.execute(text(sql), params).one()._mapping
    return [SalesTotals(*(row[f"{field}_{i}"] for field in TOTALS)) for i in range(len(periods))]


def _totals_from_facts(f: KpiFilter) -> SalesTotals:
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT {SALES} AS sales, {PROFIT} AS profit, {QUANTITY} AS quantity,
               {ORDER_COUNT} AS orders, {CUSTOMER_COUNT} AS customers
        {facts}
    """
    with read_connection() as conn:
        row = conn.execute(text(sql), params).one()
    return SalesTotals(row.sales, row.profit, row.quantity, row.orders, row.customers)


@dataclass(frozen=True)
class _PeriodCells:
    """For filters that differ only in their dates: each one's rows of rollup_category
    (`cells`, column category test) and of rollup_orders (`order_cells`, set test), and the
    WHERE that reads the rows of all of them once."""

    cells: list[str]
    order_cells: list[str]
    where: str
    order_where: str
    params: dict

    @classmethod
    def of(cls, periods: list[KpiFilter]) -> _PeriodCells:
        dims, params = dims_sql(periods[0], "column", "m_")
        order_dims, order_params = dims_sql(periods[0], "set", "o_")
        params |= order_params
        cells, order_cells = [], []
        for i, period in enumerate(periods):
            cell, cell_params = period_sql(period, f"m{i}_")
            order_cell, order_cell_params = period_sql(period, f"o{i}_")
            params |= cell_params | order_cell_params
            cells.append(cell)
            order_cells.append(order_cell)
        where = f"({' OR '.join(f'({c})' for c in cells)}) AND {dims}"
        order_where = f"({' OR '.join(f'({c})' for c in order_cells)}) AND {order_dims}"
        return cls(cells, order_cells, where, order_where, params)


def _totals_from_rollups(periods: list[KpiFilter]) -> tuple[str, dict]:
    """One statement for the totals of filters that differ only in their dates: each rollup is
    read once for all of them and every period's sums are kept apart by FILTER. The overview
    compares three periods; three statements read the customers' activity three times."""
    p = _PeriodCells.of(periods)
    measures = [
        f"coalesce(sum({m}) FILTER (WHERE {cell}), 0) AS {m}_{i}"
        for i, cell in enumerate(p.cells)
        for m in ("sales", "profit", "quantity")
    ]
    orders = [
        f"coalesce(sum(orders) FILTER (WHERE {cell}), 0)::bigint AS orders_{i}" for i, cell in enumerate(p.order_cells)
    ]
    customers, customer_params = customers_in_periods_sql(periods)
    sql = f"""
        SELECT *
        FROM (SELECT {", ".join(measures)} FROM rollup_category r WHERE {p.where}) m,
             (SELECT {", ".join(orders)} FROM rollup_orders r WHERE {p.order_where}) o,
             ({customers}) c
    """
    return sql, p.params | customer_params


@cached_query
def get_sales_comparison(f: KpiFilter) -> SalesComparison:
    """The filter's totals against the preceding equal-length period and one year earlier
    (each distinct period read once)."""
    periods = [f, f.previous_period(), f.year_earlier()]
    distinct = list(dict.fromkeys(periods))
    if rollups_enabled():
        totals = _totals_of(distinct)
    else:
        totals = run_concurrently(*[partial(get_sales_totals, p) for p in distinct])
    of = dict(zip(distinct, totals, strict=True))
    return SalesComparison(*(of[p] for p in periods), same_dates=f.previous_is_year_earlier)


@cached_query
def get_sales_by_period(f: KpiFilter) -> pd.DataFrame:
    """One row per day/week/month bucket in the range (empty buckets as zeros), with the
    running sales total restarting each calendar year. Weeks are ISO weeks (Monday)."""
    totals, params = _period_totals_from_rollups(f) if rollups_enabled() else _period_totals_from_facts(f)
    sql = f"""
        WITH buckets AS (
            SELECT generate_series(date_trunc(:grain, CAST(:start AS date)),
                                   CAST(:end AS date),
                                   CAST('1 ' || :grain AS interval))::date AS bucket
        ), totals AS ({totals})
        SELECT b.bucket,
               coalesce(t.sales, 0) AS sales,
               coalesce(t.profit, 0) AS profit,
               coalesce(t.orders, 0) AS orders,
               sum(coalesce(t.sales, 0)) OVER (
                   PARTITION BY extract(year FROM b.bucket) ORDER BY b.bucket
               ) AS cumulative_sales
        FROM buckets b LEFT JOIN totals t USING (bucket)
        ORDER BY b.bucket
    """
    return read_frame(text(sql), params | {"grain": f.grain, "start": f.start, "end": f.end})


def _period_totals_from_facts(f: KpiFilter) -> tuple[str, dict]:
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT {bucket_sql("o.order_date", f.grain)} AS bucket,
               {SALES} AS sales, {PROFIT} AS profit, {ORDER_COUNT} AS orders
        {facts}
        GROUP BY 1
    """
    return sql, params


def _period_totals_from_rollups(f: KpiFilter) -> tuple[str, dict]:
    # Month rows only fit monthly buckets; days and weeks read day rows.
    months = f.grain == "month"
    measures, params = rollup_where(f, "column", "m_", months)
    orders, order_params = rollup_where(f, "set", "o_", months)
    sql = f"""
        SELECT bucket, m.sales, m.profit, coalesce(o.orders, 0) AS orders
        FROM (SELECT {bucket_sql("day", f.grain)} AS bucket, sum(sales) AS sales, sum(profit) AS profit
              FROM rollup_category r WHERE {measures} GROUP BY 1) m
        LEFT JOIN (SELECT {bucket_sql("day", f.grain)} AS bucket, sum(orders)::bigint AS orders
                   FROM rollup_orders r WHERE {orders} GROUP BY 1) o USING (bucket)
    """
    return sql, params | order_params


# Dimensions a chart may group by: name -> SQL label. Lines without a customer have no
# segment or region; they are kept under their own label so the bars add up to the total.
BREAKDOWNS = {
    "segment": f"coalesce(c.segment, '{NO_CUSTOMER}')",
    "region": f"coalesce(c.region, '{NO_CUSTOMER}')",
    "category": "p.category",
    "store": f"coalesce(s.name, '{NO_STORE}')",
}


BREAKDOWN_COLUMNS = ["label", "sales", "profit", "quantity", "orders", "customers"]


@cached_query
def get_sales_by_dimension(f: KpiFilter, dimension: str) -> pd.DataFrame:
    """label, sales, profit, quantity, orders, customers per value of an allow-listed
    dimension; biggest first."""
    return _breakdowns([f], dimension)[0]


@cached_query
def get_sales_by_dimension_then_and_now(
    f: KpiFilter, dimension: str, customers: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """get_sales_by_dimension of f, and of the period before it by label, from one statement
    when the rollups answer. customers=False leaves the distinct customers out (None), the
    costliest part, for an answer that shows none (the Overview's What changed)."""
    now, then = _breakdowns([f, f.previous_period()], dimension, customers)
    return now, then.sort_values("label", kind="stable", ignore_index=True)


def _breakdowns(periods: list[KpiFilter], dimension: str, customers: bool = True) -> list[pd.DataFrame]:
    """get_sales_by_dimension for filters that differ only in their dates; the first frame
    biggest first, the others in no particular order."""
    if dimension not in BREAKDOWNS:
        raise ValueError(f"unknown dimension {dimension!r}")
    if not rollups_enabled():
        return [_breakdown_from_facts(f, dimension, customers) for f in periods]
    with read_connection() as conn, customer_days_known(conn):
        sql, params = _breakdown_from_rollups(periods, dimension, customers)
        rows = conn.execute(text(sql), params).all()
    frames = []
    for i in range(len(periods)):
        columns = ["label"] + [f"{name}_{i}" for name in BREAKDOWN_COLUMNS[1:]]
        # A label with no rollup rows in this period is not one of its bars.
        kept = [[getattr(r, c) for c in columns] for r in rows if getattr(r, f"cells_{i}")]
        frames.append(pd.DataFrame(kept, columns=BREAKDOWN_COLUMNS))
    return frames


def _breakdown_from_facts(f: KpiFilter, dimension: str, customers: bool = True) -> pd.DataFrame:
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT {BREAKDOWNS[dimension]} AS label, {SALES} AS sales, {PROFIT} AS profit, {QUANTITY} AS quantity,
               {ORDER_COUNT} AS orders, {CUSTOMER_COUNT if customers else "NULL::bigint"} AS customers
        {facts}
        GROUP BY 1
        ORDER BY sales DESC, label
    """
    return read_frame(text(sql), params)


def _summed_by_label(dimension: str, sums: list[tuple[str, str]], rows: str) -> str:
    """SELECT label, then each (aggregate, name) of `sums` over `rows` (FROM r ... WHERE ...),
    per label of the dimension: summed per the dimension's column first, then per label (two
    stores may share a name). A store's name is looked up once per store, not once per row: at
    10M lines, all time by store, rollup_orders' 27k rows 28 -> 4 ms."""
    column = LABEL_COLUMNS[dimension]
    inner = ", ".join(f"{aggregate} AS {name}" for aggregate, name in sums)
    # A count stays a bigint; a sum of sums is the numeric the sum of the rows was.
    outer = ", ".join(
        f"sum({name}){'::bigint' if aggregate.startswith('count(') else ''} AS {name}" for aggregate, name in sums
    )
    return f"""SELECT {label_sql(dimension, "k")} AS label, {outer}
               FROM (SELECT r.{column}, {inner} {rows} GROUP BY 1) k GROUP BY 1"""


def _breakdown_from_rollups(periods: list[KpiFilter], dimension: str, customers: bool = True) -> tuple[str, dict]:
    """label, then per period i: cells_i (rollup rows read), sales_i, profit_i, quantity_i,
    orders_i, customers_i; each rollup read once for all the periods (FILTER keeps them apart),
    ordered by the first period's sales."""
    p = _PeriodCells.of(periods)
    measures, orders, picked = [], [], []
    for i, (cell, order_cell) in enumerate(zip(p.cells, p.order_cells, strict=True)):
        measures += [(f"count(*) FILTER (WHERE {cell})", f"cells_{i}")]
        measures += [(f"sum({name}) FILTER (WHERE {cell})", f"{name}_{i}") for name in BREAKDOWN_COLUMNS[1:5]]
        orders.append((f"sum(orders) FILTER (WHERE {order_cell})", f"orders_{i}"))
        picked.append(
            f"m.cells_{i}, m.sales_{i}, m.profit_{i}, m.quantity_{i}, coalesce(o.orders_{i}, 0)::bigint AS orders_{i}, "
            + (f"coalesce(c.customers_{i}, 0) AS customers_{i}" if customers else f"NULL::bigint AS customers_{i}")
        )
    counted, customer_params = customers_in_periods_sql(periods, dimension) if customers else ("", {})
    # Orders per category are rollup_category's own; per anything else, rollup_orders' (an
    # order buying two categories counts once there).
    orders_source = "m"
    if dimension != "category":
        orders_source = f"({_summed_by_label(dimension, orders, f'FROM rollup_orders r WHERE {p.order_where}')})"
    with_customers = f", c AS ({counted})" if customers else ""
    join_customers = "LEFT JOIN c USING (label)" if customers else ""
    sql = f"""
        WITH m AS ({_summed_by_label(dimension, measures, f"FROM rollup_category r WHERE {p.where}")}){with_customers}
        SELECT m.label, {", ".join(picked)}
        FROM m LEFT JOIN {orders_source} o USING (label) {join_customers}
        ORDER BY m.sales_0 DESC NULLS LAST, m.label
    """
    return sql, p.params | customer_params
