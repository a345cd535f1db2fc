"""Segment KPIs (kpis.md "Segments"): per-segment totals and changes, category mix, trend."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.db import read_frame
from data_access.facts import SALES, filtered_facts
from data_access.filters import KpiFilter, bucket_sql
from data_access.rollups import label_sql, rollup_where, rollups_enabled
from data_access.sales import BREAKDOWNS, get_sales_by_dimension, get_sales_by_dimension_then_and_now

SEGMENT = BREAKDOWNS["segment"]  # lines without a customer under their own label


def get_kpis_by_segment(f: KpiFilter) -> pd.DataFrame:
    """segment, sales, profit, quantity, orders, customers, aov, margin; biggest first."""
    frame = get_sales_by_dimension(f, "segment").rename(columns={"label": "segment"})
    return _with_ratios(frame.copy())


def _with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    # Decimal arithmetic row by row keeps exactness; None where a ratio is undefined.
    frame["aov"] = [s / o if o else None for s, o in zip(frame.sales, frame.orders, strict=True)]
    frame["margin"] = [p / s if s else None for p, s in zip(frame.profit, frame.sales, strict=True)]
    return frame


PREVIOUS = ["sales", "profit", "margin", "orders", "customers", "aov"]  # the previous period's columns


def get_segment_comparison(f: KpiFilter) -> pd.DataFrame:
    """get_kpis_by_segment with the previous period's sales, profit, margin, orders, customers
    and aov as prev_*."""
    # Both periods from one statement: each read the rollups and the customers' activity.
    current, previous = (
        _with_ratios(frame.rename(columns={"label": "segment"}))
        for frame in get_sales_by_dimension_then_and_now(f, "segment")
    )
    # A handful of rows joined in plain Python: pandas' merge and NaN clean-up took ~7 ms of
    # each segments page answer. A segment with no previous sales gets None, not a made-up 0.
    then = dict(zip(previous["segment"], zip(*(previous[c].tolist() for c in PREVIOUS), strict=True), strict=True))
    none = (None,) * len(PREVIOUS)
    columns = list(current.columns) + [f"prev_{c}" for c in PREVIOUS]
    at = columns.index("segment")
    rows = [(*row, *then.get(row[at], none)) for row in current.itertuples(index=False, name=None)]
    return pd.DataFrame([[_none_for_nan(v) for v in row] for row in rows], columns=columns, dtype=object)


def _none_for_nan(value):
    return None if value is None or (isinstance(value, float) and value != value) else value


@cached_query
def get_category_mix_by_segment(f: KpiFilter) -> pd.DataFrame:
    """segment, category, sales, share (of the segment's sales), is_top (highest sales in it)."""
    if rollups_enabled():
        where, params = rollup_where(f, "column")
        mix = f"""SELECT {label_sql("segment")} AS segment, category, sum(sales) AS sales
                  FROM rollup_category r WHERE {where} GROUP BY 1, 2"""
    else:
        facts, params = filtered_facts(f)
        mix = f"SELECT {SEGMENT} AS segment, p.category, {SALES} AS sales {facts} GROUP BY 1, 2"
    sql = f"""
        WITH mix AS ({mix})
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
    if rollups_enabled():
        where, params = rollup_where(f, "column", months=f.grain == "month")
        source = f"""SELECT {bucket_sql("day", f.grain)} AS bucket, {label_sql("segment")} AS segment,
                            sum(sales) AS sales
                     FROM rollup_category r WHERE {where}"""
    else:
        facts, params = filtered_facts(f)
        bucket = bucket_sql("o.order_date", f.grain)
        source = f"SELECT {bucket} AS bucket, {SEGMENT} AS segment, {SALES} AS sales {facts}"
    sql = f"{source} GROUP BY 1, 2 ORDER BY 1, 2"
    return read_frame(text(sql), params | {"grain": f.grain})
