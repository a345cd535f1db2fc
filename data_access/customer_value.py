"""What customers are worth: lifetime value distribution and RFM scores and groups."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from sqlalchemy import text

from data_access.cache import cached_query
from data_access.customers import _history_sql, per_customer_sql
from data_access.db import read_connection, read_frame
from data_access.facts import filtered_facts
from data_access.filters import KpiFilter
from data_access.rollups import buyers_sql, rollups_enabled

LTV_BINS = 20

# Named RFM groups from the recency (R) and frequency (F) scores, first match wins; together
# they cover all 25 (R, F) pairs. (name, R from, R to, F from, F to, meaning)
RFM_GROUPS = (
    ("Champions", 4, 5, 4, 5, "bought recently and buy often"),
    ("Loyal", 3, 5, 3, 5, "buy often, and recently enough"),
    ("Potential", 3, 5, 1, 2, "bought recently, few orders so far"),
    ("At risk", 1, 2, 3, 5, "used to buy often, not lately"),
    ("Hibernating", 2, 2, 1, 2, "few orders, some time ago"),
    ("Lost", 1, 1, 1, 2, "few orders, long ago"),
)
RFM_GROUP_NAMES = tuple(g[0] for g in RFM_GROUPS)


def rfm_group(r: int, f: int) -> str:
    """The named group of a (recency, frequency) score pair."""
    for name, r_lo, r_hi, f_lo, f_hi, _ in RFM_GROUPS:
        if r_lo <= r <= r_hi and f_lo <= f <= f_hi:
            return name
    raise ValueError(f"scores out of range: R={r}, F={f}")


def _group_case() -> str:
    # Built from the constant table above: no user text reaches this SQL.
    whens = " ".join(
        f"WHEN r BETWEEN {r_lo} AND {r_hi} AND f BETWEEN {f_lo} AND {f_hi} THEN '{name}'"
        for name, r_lo, r_hi, f_lo, f_hi, _ in RFM_GROUPS
    )
    return f"CASE {whens} END"


def _score(order_by: str) -> str:
    """1-5 by quintile; ties share a score (percent_rank), so the scores are deterministic."""
    return f"LEAST(5, FLOOR(percent_rank() OVER (ORDER BY {order_by}) * 5) + 1)::int"


def _rfm_sql(f: KpiFilter) -> tuple[str, dict]:
    in_range, params = per_customer_sql(f)
    sql = f"""
        WITH per_customer AS (
            SELECT customer_key, CAST(:end AS date) - last_in_range AS recency_days,
                   orders AS frequency, sales AS monetary
            FROM ({in_range}) r
            WHERE orders > 0
        ),
        scored AS (
            SELECT *, {_score("recency_days DESC")} AS r, {_score("frequency")} AS f,
                   {_score("monetary")} AS m
            FROM per_customer
        )
        SELECT *, {_group_case()} AS rfm_group FROM scored
    """
    return sql, params | {"end": f.end}


@cached_query
def get_rfm_groups(f: KpiFilter) -> pd.DataFrame:
    """rfm_group, customers, sales, avg_recency_days, avg_frequency, in RFM_GROUPS order
    (groups without customers included, with zeros)."""
    sql, params = _rfm_sql(f)
    frame = read_frame(
        text(
            f"""
            WITH rfm AS ({sql})
            SELECT rfm_group, count(*) AS customers, sum(monetary) AS sales,
                   avg(recency_days) AS avg_recency_days, avg(frequency) AS avg_frequency
            FROM rfm GROUP BY rfm_group
            """
        ),
        params,
    )
    groups = pd.DataFrame({"rfm_group": RFM_GROUP_NAMES, "meaning": [g[5] for g in RFM_GROUPS]})
    merged = groups.merge(frame, on="rfm_group", how="left")
    merged["customers"] = merged["customers"].fillna(0).astype(int)
    merged["sales"] = [v if isinstance(v, Decimal) else Decimal(0) for v in merged["sales"]]
    return merged


@cached_query
def get_rfm_customers(f: KpiFilter, group: str, limit: int = 500) -> pd.DataFrame:
    """The customers of one RFM group, biggest spenders first, with their scores."""
    if group not in RFM_GROUP_NAMES:
        raise ValueError(f"unknown RFM group {group!r}")
    sql, params = _rfm_sql(f)
    return read_frame(
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
    """Historical lifetime value (sales over the whole history up to the filter's end) of the
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
            SELECT LEAST(FLOOR((v - lo) / ((hi - lo) / {LTV_BINS})), {LTV_BINS - 1})::int AS bin,
                   lo, (hi - lo) / {LTV_BINS} AS width, count(*) AS customers
            FROM ltv, stats GROUP BY 1, 2, 3
        )
        SELECT s.n, s.mean, s.median, b.bin, b.lo, b.width, b.customers
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
