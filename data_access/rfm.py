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


def _score_per_value(column: str, order: str, rows: str) -> str:
    """(column, score): _score's score for each value of `column` over `rows` (one per
    customer). percent_rank is (rank - 1) / (customers - 1) in float8, 0 for a single one;
    rank - 1 is the customers before the value, so the same float8 arithmetic gives the same
    score. Recency and frequency take few values (days, order counts): sorting those instead of
    every customer (at 10M lines ~100k, twice) is most of what this saves."""
    customers = "sum(count(*)) OVER ()"
    before = f"(sum(count(*)) OVER (ORDER BY {column} {order}) - count(*))"
    rank = f"CASE WHEN {customers} <= 1 THEN 0 ELSE {before}::float8 / ({customers} - 1)::float8 END"
    return f"SELECT {column}, LEAST(5, FLOOR({rank} * 5) + 1)::int AS score FROM {rows} GROUP BY {column}"


def _scored(rows: str, more: str = "") -> str:
    """The CTEs r_scores, f_scores (_score_per_value over `rows`) and scored: each row of
    `rows` (as x) with its r and f, and `more` columns."""
    return f"""r_scores AS ({_score_per_value("recency_days", "DESC", rows)}),
        f_scores AS ({_score_per_value("frequency", "ASC", rows)}),
        scored AS (
            SELECT x.*, rs.score AS r, fs.score AS f{more}
            FROM {rows} x
            JOIN r_scores rs ON rs.recency_days = x.recency_days
            JOIN f_scores fs ON fs.frequency = x.frequency
        )"""


def _base(per_customer: str) -> str:
    return f"""SELECT customer_key, CAST(:end AS date) - last_in_range AS recency_days,
                   orders AS frequency, sales AS monetary
            FROM {per_customer} rfm_source
            WHERE orders > 0"""


def rfm_scored_sql(per_customer: str) -> str:
    """customer_key, recency_days (to parameter :end), frequency, monetary, r, f, m, rfm_group of
    each customer with an order in `per_customer` (a relation: a CTE's name or a subquery of
    customer_key, orders, sales, last_in_range). Every customer with an order has a last
    purchase, so no recency is NULL."""
    return f"""
        WITH rfm_base AS ({_base(per_customer)}),
        {_scored("rfm_base", f", {_score('x.monetary')} AS m")}
        SELECT *, {_group_case()} AS rfm_group FROM scored
    """


def rfm_groups_sql(per_customer: str) -> str:
    """rfm_group, customers, sales, avg_recency_days, avg_frequency of the groups with customers:
    rfm_scored_sql's customers counted per (R, F) score pair, then per group. Each score comes
    from its value's customer count (few values: days, order counts), each customer joins its
    two scores by hash and lands in one of 25 cells. Grouping the customers by (recency,
    frequency) pair first left nearly as many pairs as customers over long ranges (at 10M
    lines, five years: 114k customers, 63k pairs; ~185 -> ~105 ms). The averages are sum /
    count in numeric, as avg computes them. `per_customer` is read three times (each score's
    values, then the customers): the summary's is a kept CTE, and keeping rfm_base too cost a
    copy of every customer's row (at 10M lines, all time: ~20 ms)."""
    return f"""
        WITH rfm_base AS NOT MATERIALIZED ({_base(per_customer)}),
        {_scored("rfm_base")},
        cells AS (
            SELECT r, f, count(*) AS customers, sum(monetary) AS sales,
                   sum(recency_days) AS recency_days, sum(frequency) AS frequency
            FROM scored
            GROUP BY r, f
        )
        {groups_of_cells_sql("cells")}
    """


def groups_of_cells_sql(cells: str) -> str:
    """rfm_groups_sql's groups from `cells` (r, f, customers, sales, recency_days, frequency:
    the customers of each (R, F) score pair and their sums; data_access.customer_scores
    computes them from arrays)."""
    return f"""
        SELECT {_group_case()} AS rfm_group, sum(customers)::bigint AS customers, sum(sales) AS sales,
               sum(recency_days) / sum(customers) AS avg_recency_days,
               sum(frequency) / sum(customers) AS avg_frequency
        FROM {cells}
        GROUP BY 1"""


def every_group(frame: pd.DataFrame) -> pd.DataFrame:
    """rfm_group, meaning, customers, sales, ... in RFM_GROUPS order, from a frame of the groups
    that have customers: the others get zero customers and zero sales."""
    groups = pd.DataFrame({"rfm_group": RFM_GROUP_NAMES, "meaning": [g[5] for g in RFM_GROUPS]})
    merged = groups.merge(frame, on="rfm_group", how="left")
    merged["customers"] = merged["customers"].fillna(0).astype(int)
    merged["sales"] = [v if isinstance(v, Decimal) else Decimal(0) for v in merged["sales"]]
    return merged
