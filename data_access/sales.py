"""Overview KPIs (kpis.md "Sales"): totals, period comparisons, sales over time."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.db import read_connection, read_frame
from data_access.facts import CUSTOMER_COUNT, ORDER_COUNT, PROFIT, QUANTITY, SALES, filtered_facts
from data_access.filters import KpiFilter


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


@dataclass(frozen=True)
class SalesComparison:
    current: SalesTotals
    previous: SalesTotals
    year_earlier: SalesTotals


@cached_query
def get_sales_totals(f: KpiFilter) -> SalesTotals:
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT {SALES} AS sales, {PROFIT} AS profit, {QUANTITY} AS quantity,
               {ORDER_COUNT} AS orders, {CUSTOMER_COUNT} AS customers
        {facts}
    """
    with read_connection() as conn:
        row = conn.execute(text(sql), params).one()
    return SalesTotals(row.sales, row.profit, row.quantity, row.orders, row.customers)


def get_sales_comparison(f: KpiFilter) -> SalesComparison:
    """The filter's totals against the preceding equal-length period and one year earlier."""
    return SalesComparison(
        get_sales_totals(f), get_sales_totals(f.previous_period()), get_sales_totals(f.year_earlier())
    )


@cached_query
def get_sales_by_period(f: KpiFilter) -> pd.DataFrame:
    """One row per day/week/month bucket in the range (empty buckets as zeros), with the
    running sales total restarting each calendar year. Weeks are ISO weeks (Monday)."""
    facts, params = filtered_facts(f)
    sql = f"""
        WITH buckets AS (
            SELECT generate_series(date_trunc(:grain, CAST(:f_start AS date)),
                                   CAST(:f_end AS date),
                                   CAST('1 ' || :grain AS interval))::date AS bucket
        ), totals AS (
            SELECT date_trunc(:grain, o.order_date)::date AS bucket,
                   {SALES} AS sales, {PROFIT} AS profit, {ORDER_COUNT} AS orders
            {facts}
            GROUP BY 1
        )
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
    return read_frame(text(sql), params | {"grain": f.grain})


# Dimensions a chart may group by: name -> SQL label. Lines without a customer have no
# segment or region; they are kept under their own label so the bars add up to the total.
BREAKDOWNS = {
    "segment": "coalesce(c.segment, '(no customer)')",
    "region": "coalesce(c.region, '(no customer)')",
    "category": "p.category",
    "store": "coalesce(s.name, '(no store)')",
}


@cached_query
def get_sales_by_dimension(f: KpiFilter, dimension: str) -> pd.DataFrame:
    """label, sales, profit, quantity, orders, customers per value of an allow-listed
    dimension; biggest first."""
    if dimension not in BREAKDOWNS:
        raise ValueError(f"unknown dimension {dimension!r}")
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT {BREAKDOWNS[dimension]} AS label, {SALES} AS sales, {PROFIT} AS profit, {QUANTITY} AS quantity,
               {ORDER_COUNT} AS orders, {CUSTOMER_COUNT} AS customers
        {facts}
        GROUP BY 1
        ORDER BY sales DESC, label
    """
    return read_frame(text(sql), params)
