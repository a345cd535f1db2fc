"""Segment KPIs (kpis.md "Segments"): per-segment totals and changes, category mix, trend."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.db import read_frame
from data_access.facts import CUSTOMER_COUNT, ORDER_COUNT, PROFIT, QUANTITY, SALES, filtered_facts
from data_access.filters import KpiFilter

# Lines without a customer have no segment; they are shown, so segment totals add up to the total.
NO_SEGMENT = "(no customer)"
SEGMENT = f"coalesce(c.segment, '{NO_SEGMENT}')"


@cached_query
def get_kpis_by_segment(f: KpiFilter) -> pd.DataFrame:
    """segment, sales, profit, quantity, orders, customers, aov, margin; biggest first."""
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT {SEGMENT} AS segment, {SALES} AS sales, {PROFIT} AS profit, {QUANTITY} AS quantity,
               {ORDER_COUNT} AS orders, {CUSTOMER_COUNT} AS customers
        {facts}
        GROUP BY 1
        ORDER BY sales DESC, segment
    """
    frame = read_frame(text(sql), params)
    return _with_ratios(frame)


def _with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    # Decimal arithmetic row by row keeps exactness; None where a ratio is undefined.
    frame["aov"] = [s / o if o else None for s, o in zip(frame.sales, frame.orders, strict=True)]
    frame["margin"] = [p / s if s else None for p, s in zip(frame.profit, frame.sales, strict=True)]
    return frame


def get_segment_comparison(f: KpiFilter) -> pd.DataFrame:
    """get_kpis_by_segment with the previous period's sales, orders, customers, aov as prev_*."""
    current = get_kpis_by_segment(f)
    previous = get_kpis_by_segment(f.previous_period())[["segment", "sales", "orders", "customers", "aov"]]
    merged = current.merge(previous.add_prefix("prev_"), left_on="segment", right_on="prev_segment", how="left")
    merged = merged.drop(columns="prev_segment").astype(object)
    return merged.where(merged.notna(), None)  # no previous sales: None, not NaN


@cached_query
def get_category_mix_by_segment(f: KpiFilter) -> pd.DataFrame:
    """segment, category, sales, share (of the segment's sales), is_top (highest sales in it)."""
    facts, params = filtered_facts(f)
    sql = f"""
        WITH mix AS (
            SELECT {SEGMENT} AS segment, p.category, {SALES} AS sales
            {facts}
            GROUP BY 1, 2
        )
        SELECT segment, category, sales,
               sales / NULLIF(sum(sales) OVER (PARTITION BY segment), 0) AS share,
               rank() OVER (PARTITION BY segment ORDER BY sales DESC) = 1 AS is_top
        FROM mix
        ORDER BY segment, sales DESC, category
    """
    return read_frame(text(sql), params)


@cached_query
def get_sales_by_segment_and_period(f: KpiFilter) -> pd.DataFrame:
    """bucket (day/week/month start), segment, sales; only buckets with sales."""
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT date_trunc(:grain, o.order_date)::date AS bucket, {SEGMENT} AS segment, {SALES} AS sales
        {facts}
        GROUP BY 1, 2
        ORDER BY 1, 2
    """
    return read_frame(text(sql), params | {"grain": f.grain})
