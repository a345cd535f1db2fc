"""What customers are worth: lifetime value distribution and RFM scores and groups."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.customers import LtvDistribution, get_customer_summary, per_customer_sql
from data_access.db import frame, read_connection
from data_access.filters import KpiFilter
from data_access.rfm import RFM_GROUP_NAMES, rfm_scored_sql
from data_access.rollups import customer_days_known


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


def get_lifetime_value_distribution(f: KpiFilter) -> LtvDistribution:
    """Historical lifetime value (sales over each customer's whole history, kpis.md) of the
    customers with an order in the filter, in LTV_BINS equal bins up to the 99th percentile.
    From the customers page's summary (data_access.customers.get_customer_summary), which has
    each customer's sums in the filter already."""
    return get_customer_summary(f).ltv
