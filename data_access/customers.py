"""Customer KPIs (kpis.md "Customers"): ranking, repeat rate, new vs returning, cohorts, LTV.

"Whole history" (first/last order, lifetime value) means every purchase of the customer,
whatever the filter's dates, categories or stores; cohorts count activity up to the
filter's end. A purchase is a line with positive quantity on an order that is not cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.db import read_connection, read_frame
from data_access.facts import ORDER_COUNT, PROFIT, QUANTITY, SALES, filtered_facts
from data_access.filters import KpiFilter
from data_access.rollups import HISTORY, customer_rows_sql, rollups_enabled

FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9999, 12, 31)


def history_facts(f: KpiFilter, customer_dims: bool = False, up_to_end: bool = False) -> tuple[str, dict]:
    """FROM/WHERE for each customer's whole history (or up to f.end); with customer_dims, the
    filter's segments and regions still apply (they describe the customer, not the sale)."""
    keep = {"segments": f.segments, "regions": f.regions} if customer_dims else {"segments": (), "regions": ()}
    end = f.end if up_to_end else LAST_DAY
    everything = replace(f, start=FIRST_DAY, end=end, categories=(), stores=(), **keep)
    facts, params = filtered_facts(everything, prefix="h_")
    return f"{facts} AND o.customer_key IS NOT NULL", params


def _history_sql(f: KpiFilter) -> tuple[str, dict]:
    """customer_key, first_order, last_order, lifetime_sales: every customer's whole history.
    The rollups' version has no row limits: every use joins it to customers the filter kept."""
    if rollups_enabled():
        return HISTORY, {}
    facts, params = history_facts(f)
    sql = f"""
        SELECT o.customer_key,
               min(o.order_date) FILTER (WHERE l.quantity > 0) AS first_order,
               max(o.order_date) FILTER (WHERE l.quantity > 0) AS last_order,
               {SALES} AS lifetime_sales
        {facts}
        GROUP BY o.customer_key
    """
    return sql, params


def per_customer_sql(f: KpiFilter, bucket: bool = False) -> tuple[str, dict]:
    """customer_key, [bucket (f.grain, parameter :grain),] sales, orders, quantity, profit,
    last_in_range (last purchase day): each customer's orders in f. From the customers' years,
    months and orders (migrations 0009, 0010) unless f names categories, which only the lines
    carry."""
    if rollups_enabled() and not f.categories:
        coarsest = ("month" if f.grain == "month" else "day") if bucket else "year"
        source, params = customer_rows_sql(f, coarsest=coarsest)
        alias, day = "t", "t.day"
        measures = "sum(t.sales) AS sales, sum(t.orders)::bigint AS orders, sum(t.quantity) AS quantity, "
        measures += "sum(t.profit) AS profit, max(t.last_bought) AS last_in_range"
    else:
        facts, params = filtered_facts(f)
        source = f"{facts} AND o.customer_key IS NOT NULL"
        alias, day = "o", "o.order_date"
        measures = f"{SALES} AS sales, {ORDER_COUNT} AS orders, {QUANTITY} AS quantity, {PROFIT} AS profit, "
        measures += "max(o.order_date) FILTER (WHERE l.quantity > 0) AS last_in_range"
    by_bucket = f"date_trunc(:grain, {day})::date AS bucket, " if bucket else ""
    sql = f"""
        SELECT {alias}.customer_key, {by_bucket}{measures}
        {source}
        GROUP BY {alias}.customer_key{", bucket" if bucket else ""}
    """
    return sql, params | ({"grain": f.grain} if bucket else {})


@cached_query
def get_top_customers(f: KpiFilter, limit: int = 1000) -> pd.DataFrame:
    """rank (dense by sales), customer_key, customer_id, customer, segment, region, sales, orders,
    quantity, profit, first_order, last_order (whole history), recency_days (last order in the
    filter to its end)."""
    in_range, params = per_customer_sql(f)
    history, history_params = _history_sql(f)
    sql = f"""
        WITH history AS ({history}),
        in_range AS ({in_range})
        SELECT dense_rank() OVER (ORDER BY r.sales DESC) AS rank, c.customer_key, c.customer_id,
               c.name AS customer, c.segment, c.region, r.sales, r.orders, r.quantity, r.profit,
               h.first_order, h.last_order, CAST(:end AS date) - r.last_in_range AS recency_days
        FROM in_range r
        JOIN customers c USING (customer_key)
        LEFT JOIN history h USING (customer_key)
        ORDER BY rank, customer, c.customer_key
        LIMIT :limit
    """
    return read_frame(text(sql), params | history_params | {"limit": limit, "end": f.end})


@dataclass(frozen=True)
class RepeatRate:
    customers: int
    repeat_customers: int

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.repeat_customers) / self.customers if self.customers else None


@cached_query
def get_repeat_customer_rate(f: KpiFilter) -> RepeatRate:
    """Customers with at least 2 distinct orders in the filter ÷ customers in the filter."""
    per_customer, params = per_customer_sql(f)
    sql = f"""
        WITH per_customer AS ({per_customer})
        SELECT count(*) FILTER (WHERE orders >= 1) AS customers,
               count(*) FILTER (WHERE orders >= 2) AS repeat_customers
        FROM per_customer
    """
    with read_connection() as conn:
        row = conn.execute(text(sql), params).one()
    return RepeatRate(row.customers, row.repeat_customers)


@cached_query
def get_new_vs_returning_by_period(f: KpiFilter) -> pd.DataFrame:
    """bucket, new_customers, returning_customers, new_sales, returning_sales. A customer is new
    in the bucket holding their first-ever purchase. Sales without a customer are in neither."""
    bucketed, params = per_customer_sql(f, bucket=True)
    history, history_params = _history_sql(f)
    sql = f"""
        WITH history AS ({history}),
        bucketed AS ({bucketed}),
        labelled AS (
            SELECT b.*, date_trunc(:grain, h.first_order)::date = b.bucket AS is_new
            FROM bucketed b JOIN history h USING (customer_key)
        )
        SELECT bucket,
               count(*) FILTER (WHERE orders > 0 AND is_new) AS new_customers,
               count(*) FILTER (WHERE orders > 0 AND NOT is_new) AS returning_customers,
               coalesce(sum(sales) FILTER (WHERE is_new), 0) AS new_sales,
               coalesce(sum(sales) FILTER (WHERE NOT is_new), 0) AS returning_sales
        FROM labelled
        GROUP BY bucket
        ORDER BY bucket
    """
    return read_frame(text(sql), params | history_params | {"grain": f.grain})


def _months_active_sql(f: KpiFilter) -> tuple[str, dict]:
    """customer_key, month: the months each customer of f's segments and regions bought in,
    up to f.end (parameter :h_end). Dates before, categories and stores do not apply."""
    if rollups_enabled():
        history = replace(f, start=FIRST_DAY, categories=(), stores=())
        rows, params = customer_rows_sql(history, prefix="h_", coarsest="month")
        month = "date_trunc('month', t.day)::date"
        return f"SELECT DISTINCT t.customer_key, {month} AS month {rows} AND t.orders > 0", params
    facts, params = history_facts(f, customer_dims=True, up_to_end=True)
    month = "date_trunc('month', o.order_date)::date"
    return f"SELECT DISTINCT o.customer_key, {month} AS month {facts} AND l.quantity > 0", params


@cached_query
def get_cohort_retention(f: KpiFilter) -> pd.DataFrame:
    """cohort (month of first-ever purchase, within the filter's range), months_since (k),
    customers active in month cohort + k, cohort_size, share. Segments and regions apply;
    categories and stores do not (a cohort is about customers, not products)."""
    activity, params = _months_active_sql(f)
    sql = f"""
        WITH activity AS ({activity}),
        cohorts AS (
            SELECT customer_key, min(month) AS cohort FROM activity GROUP BY customer_key
        ),
        sizes AS (
            SELECT cohort, count(*) AS cohort_size FROM cohorts
            WHERE cohort BETWEEN date_trunc('month', CAST(:range_start AS date)) AND :h_end
            GROUP BY cohort
        )
        SELECT c.cohort,
               ((extract(year FROM a.month) - extract(year FROM c.cohort)) * 12
                 + extract(month FROM a.month) - extract(month FROM c.cohort))::int AS months_since,
               count(*) AS customers, s.cohort_size,
               count(*)::numeric / s.cohort_size AS share
        FROM cohorts c
        JOIN sizes s USING (cohort)
        JOIN activity a USING (customer_key)
        GROUP BY c.cohort, months_since, s.cohort_size
        ORDER BY c.cohort, months_since
    """
    return read_frame(text(sql), params | {"range_start": f.start})
