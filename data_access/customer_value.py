"""What customers are worth: lifetime value distribution and RFM scores and groups."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.customers import _history_sql, get_customer_summary, per_customer_sql
from data_access.db import frame, read_connection
from data_access.facts import filtered_facts
from data_access.filters import KpiFilter
from data_access.rfm import RFM_GROUP_NAMES, rfm_scored_sql
from data_access.rollups import buyers_sql, customer_days_known, rollups_enabled

LTV_BINS = 20


def _rfm_sql(f: KpiFilter) -> tuple[str, dict]:
    in_range, params = per_customer_sql(f)
    return rfm_scored_sql(f"({in_range})"), params | {"end": f.end}


def get_rfm_groups(f: KpiFilter) -> pd.DataFrame:
    """rfm_group, meaning, customers, sales, avg_recency_days, avg_frequency, in RFM_GROUPS order
    (groups without customers included, with zeros). Scored with the customers page's ranking
    from the same per-customer sums (data_access.customers.get_customer_summary)."""
    return get_customer_summary(f).rfm


@cached_query
def get_rfm_customers(f: KpiFilter, group: str, limit: int = 500) -> pd.DataFrame:
    """The customers of one RFM group, biggest spenders first, with their scores."""
    if group not in RFM_GROUP_NAMES:
        raise ValueError(f"unknown RFM group {group!r}")
    with read_connection() as conn, customer_days_known(conn):
        sql, params = _rfm_sql(f)
        result = conn.execute(
            text(
                f"""
                WITH rfm AS ({sql})
                SELECT c.customer_id, c.name AS customer, c.segment, c.region, rfm.recency_days,
                       rfm.frequency, rfm.monetary, rfm.r, rfm.f, rfm.m
                FROM rfm JOIN customers c USING (customer_key)
                WHERE rfm.rfm_group = :group
                ORDER BY rfm.monetary DESC, c.name
                LIMIT :limit
                """
            ),
            params | {"group": group, "limit": limit},
        )
        return frame(result)


def _buyers_sql(f: KpiFilter) -> tuple[str, dict]:
    """customer_key of each customer with a purchase in f, once."""
    if rollups_enabled():
        return buyers_sql(f)
    facts, params = filtered_facts(f)
    return f"SELECT DISTINCT o.customer_key {facts} AND o.customer_key IS NOT NULL AND l.quantity > 0", params


@dataclass(frozen=True)
class LtvDistribution:
    customers: int
    median: Decimal | None  # a real customer's value (percentile_disc), exact
    mean: Decimal | None
    bins: pd.DataFrame  # bin_start, bin_end, customers; the last bin holds everything above


@cached_query
def get_lifetime_value_distribution(f: KpiFilter) -> LtvDistribution:
    """Historical lifetime value (sales over each customer's whole history, kpis.md) of the
    customers with an order in the filter, in LTV_BINS equal bins up to the 99th percentile."""
    buyers, params = _buyers_sql(f)
    history, history_params = _history_sql(f)
    base = f"""
        WITH history AS ({history}),
        in_range AS ({buyers}),
        ltv AS (SELECT h.lifetime_sales AS v FROM in_range JOIN history h USING (customer_key)),
        stats AS (
            SELECT count(*) AS n, avg(v) AS mean,
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY v) AS median,
                   LEAST(min(v), 0) AS lo,
                   GREATEST(percentile_disc(0.99) WITHIN GROUP (ORDER BY v), LEAST(min(v), 0) + 1) AS hi
            FROM ltv
        )
    """
    # One statement: the statistics and the bins share the customers' values (two statements
    # built them twice, ~0.2 s each for five years at 10M lines).
    sql = f"""{base},
        binned AS (
            -- width_bucket is floor((v - lo) * bins / (hi - lo)) + 1, exact in numeric, in one
            -- call per customer; bins + 1 is everything from hi up, which the last bin holds.
            SELECT LEAST(width_bucket(v, lo, hi, {LTV_BINS}), {LTV_BINS}) - 1 AS bin, count(*) AS customers
            FROM ltv, stats GROUP BY 1
        )
        SELECT s.n, s.mean, s.median, b.bin, s.lo, (s.hi - s.lo) / {LTV_BINS} AS width, b.customers
        FROM stats s LEFT JOIN binned b ON true
        ORDER BY b.bin
    """
    with read_connection() as conn:
        rows = conn.execute(text(sql), params | history_params).all()
    stats = rows[0]
    rows = [r for r in rows if r.bin is not None]  # no customers: the statistics row alone
    bins = pd.DataFrame(
        [(r.lo + r.bin * r.width, r.lo + (r.bin + 1) * r.width, r.customers) for r in rows],
        columns=["bin_start", "bin_end", "customers"],
    )
    return LtvDistribution(stats.n, stats.median, stats.mean, bins)
