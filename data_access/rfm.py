"""RFM scoring in SQL: recency, frequency and monetary value scored 1-5 by quintile, and the
named groups of kpis.md, over any per-customer relation (customer_key, orders, sales,
last_in_range), so the customers page can score the same per-customer sums it ranks."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

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


def rfm_scored_sql(per_customer: str) -> str:
    """customer_key, recency_days (to parameter :end), frequency, monetary, r, f, m, rfm_group of
    each customer with an order in `per_customer` (a relation: a CTE's name or a subquery)."""
    return f"""
        WITH rfm_base AS (
            SELECT customer_key, CAST(:end AS date) - last_in_range AS recency_days,
                   orders AS frequency, sales AS monetary
            FROM {per_customer} rfm_source
            WHERE orders > 0
        ),
        scored AS (
            SELECT *, {_score("recency_days DESC")} AS r, {_score("frequency")} AS f,
                   {_score("monetary")} AS m
            FROM rfm_base
        )
        SELECT *, {_group_case()} AS rfm_group FROM scored
    """


# Per group: how many customers, their sales, average recency and frequency.
RFM_GROUP_MEASURES = """count(*) AS customers, sum(monetary) AS sales,
    avg(recency_days) AS avg_recency_days, avg(frequency) AS avg_frequency"""


def every_group(frame: pd.DataFrame) -> pd.DataFrame:
    """rfm_group, meaning, customers, sales, ... in RFM_GROUPS order, from a frame of the groups
    that have customers: the others get zero customers and zero sales."""
    groups = pd.DataFrame({"rfm_group": RFM_GROUP_NAMES, "meaning": [g[5] for g in RFM_GROUPS]})
    merged = groups.merge(frame, on="rfm_group", how="left")
    merged["customers"] = merged["customers"].fillna(0).astype(int)
    merged["sales"] = [v if isinstance(v, Decimal) else Decimal(0) for v in merged["sales"]]
    return merged
