"""Product KPIs (kpis.md "Products"): by category level, ranked products, also-bought, monthly."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import Connection, text

from data_access.cache import cached_query
from data_access.db import frame, read_connection, read_frame
from data_access.facts import ORDER_COUNT, PROFIT, QUANTITY, SALES, filtered_facts
from data_access.filters import KpiFilter, bucket_sql
from data_access.rollups import (
    IN_CATEGORIES,
    MonthSplit,
    dims_sql,
    in_whole_months,
    names_customer_attributes,
    period_sql,
    ragged_reads,
    rollup_where,
    rollups_enabled,
    sales_days_known,
)

# Drill levels: level -> SQL label column. Only these names ever reach the SQL text.
LEVELS = {"category": "p.category", "sub_category": "p.sub_category", "product": "p.name"}

# Below this many orders containing X, "also bought" would be noise, not signal.
MIN_ORDERS_FOR_AFFINITY = 10


@cached_query
def get_sales_by_product_level(f: KpiFilter, level: str, sub_category: str | None = None) -> pd.DataFrame:
    """label, product_key (product level only), sales, profit, quantity, orders, margin per
    category / sub-category / product.

    orders counts the distinct orders with a line in that group: an order of a chair and paper
    counts once in Furniture and once in Office Supplies (so groups do not add up to the total).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    # Categories from rollup_category; one category's sub-categories from rollup_subcategory
    # (migration 0017): their orders do not add up across categories, and two categories may
    # name a sub-category alike, so only under one.
    if rollups_enabled() and sub_category is None:
        if level == "category":
            return _level_from_rollup(f, "rollup_category", "category")
        if level == "sub_category" and len(f.categories) == 1:
            return _level_from_rollup(f, "rollup_subcategory", "sub_category")
    if level == "product" and _rollups_rank_products(f):
        per_product, params = _per_product_from_rollups(f)
        extra, params = (
            ("AND p.sub_category = :sub_category", params | {"sub_category": sub_category})
            if sub_category is not None
            else ("", params)
        )
        sql = f"""
            SELECT p.name AS label, p.product_key, x.sales, x.profit, x.quantity, x.orders,
                   x.profit / NULLIF(x.sales, 0) AS margin
            FROM ({per_product}) x JOIN products p USING (product_key)
            WHERE true {extra}
            ORDER BY sales DESC, label
        """
        return read_frame(text(sql), params)
    facts, params = filtered_facts(f)
    extra = ""
    if sub_category is not None:
        extra, params = " AND p.sub_category = :sub_category", params | {"sub_category": sub_category}
    group_key = "p.product_key, p.name" if level == "product" else LEVELS[level]
    key = "p.product_key" if level == "product" else "NULL::integer"
    sql = f"""
        SELECT {LEVELS[level]} AS label, {key} AS product_key,
               {SALES} AS sales, {PROFIT} AS profit, {QUANTITY} AS quantity, {ORDER_COUNT} AS orders,
               {PROFIT} / NULLIF({SALES}, 0) AS margin
        {facts}{extra}
        GROUP BY {group_key}
        ORDER BY sales DESC, label
    """
    return read_frame(text(sql), params)


def _level_from_rollup(f: KpiFilter, table: str, column: str) -> pd.DataFrame:
    """get_sales_by_product_level's rows from a rollup with a row per `column` value."""
    where, params = rollup_where(f, "column")
    sql = f"""
        SELECT {column} AS label, NULL::integer AS product_key, sum(sales) AS sales, sum(profit) AS profit,
               sum(quantity) AS quantity, sum(orders)::bigint AS orders,
               sum(profit) / NULLIF(sum(sales), 0) AS margin
        FROM {table} r WHERE {where}
        GROUP BY {column}
        ORDER BY sales DESC, label
    """
    return read_frame(text(sql), params)


@cached_query
def get_top_products(f: KpiFilter, limit: int = 1000) -> pd.DataFrame:
    """rank (dense, by sales), product_key, product_id, product, category, sub_category,
    sales, profit, margin, quantity, orders; best first, at most `limit` rows."""
    if _rollups_rank_products(f):
        with read_connection() as conn, sales_days_known(conn):
            per_product, params = _per_product_from_rollups(in_whole_months(f))
            sql = f"""
                SELECT dense_rank() OVER (ORDER BY x.sales DESC) AS rank,
                       p.product_key, p.product_id, p.name AS product, p.category, p.sub_category,
                       x.sales, x.profit, x.profit / NULLIF(x.sales, 0) AS margin, x.quantity, x.orders
                FROM ({per_product}) x JOIN products p USING (product_key)
                ORDER BY rank, product
                LIMIT :limit
            """
            return frame(conn.execute(text(sql), params | {"limit": limit}))
    facts, params = filtered_facts(f)
    sql = f"""
        SELECT dense_rank() OVER (ORDER BY {SALES} DESC) AS rank,
               p.product_key, p.product_id, p.name AS product, p.category, p.sub_category,
               {SALES} AS sales, {PROFIT} AS profit, {PROFIT} / NULLIF({SALES}, 0) AS margin,
               {QUANTITY} AS quantity, {ORDER_COUNT} AS orders
        {facts}
        GROUP BY p.product_key, p.product_id, p.name, p.category, p.sub_category
        ORDER BY rank, product
        LIMIT :limit
    """
    return read_frame(text(sql), params | {"limit": limit})


def _product_days_table(f: KpiFilter) -> str | None:
    """The rollup with each product's days and months under f's segments, regions and stores
    (and the asker's row limits): rollup_product_totals (migration 0016) without any,
    rollup_product_stores (0019) under stores alone, rollup_product_segments (0047) under
    segments or regions alone; None under both (rollup_product has month rows only)."""
    if not names_customer_attributes(f):
        return "rollup_product_stores" if f.stores else "rollup_product_totals"
    return None if f.stores else "rollup_product_segments"


def _rollups_rank_products(f: KpiFilter) -> bool:
    """Whether _per_product_from_rollups answers f. Not when rollup_product would be read for
    ragged days alone (a segment or region with a store): they come from the facts, and a short
    range is as quick there."""
    return rollups_enabled() and (_product_days_table(f) is not None or MonthSplit.of(f.start, f.end).has_months)


def _per_product_from_rollups(f: KpiFilter) -> tuple[str, dict]:
    """product_key, sales, profit, quantity, orders. From the months and days of
    rollup_product_totals without a segment, region or store; of rollup_product_stores
    (migration 0019) under stores alone; of rollup_product_segments (0047) under segments or
    regions alone (at 10M lines a quarter for one segment ~100 -> ~17 ms); under both, whole
    months from rollup_product (month rows only), the ragged ends from the facts. Orders add up
    across the parts: an order has one date."""
    table = _product_days_table(f)
    if table is not None:
        where, params = rollup_where(f, "product", "p_", stores="keys")
        sql = f"""SELECT product_key, sum(sales) AS sales, sum(profit) AS profit, sum(quantity) AS quantity,
                         sum(orders)::bigint AS orders
                  FROM {table} r WHERE {where}
                  GROUP BY product_key"""
        return sql, params
    # A ragged end that is most of its month is that month's rows less its other days
    # (ragged_reads): at 10M lines, three months for a segment read 30 days of lines where 11
    # now answer.
    reads = ragged_reads(f)
    params = {"p_mfrom": reads.months_from, "p_mto": reads.months_to}
    dims, dim_params = dims_sql(f, "product", "p_")
    parts = [
        f"""SELECT product_key, sales, profit, quantity, orders, lines FROM rollup_product r
            WHERE kind = 'm' AND day >= :p_mfrom AND day < :p_mto AND {dims}"""
    ]
    for number, (days, sign) in enumerate(reads.lines):
        facts, edge_params = filtered_facts(days, prefix=f"e{number}_")
        params |= edge_params
        measures = ", ".join(f"{sign}{m}" for m in (SALES, PROFIT, QUANTITY, ORDER_COUNT, "count(*)"))
        parts.append(f"SELECT l.product_key, {measures} {facts} GROUP BY l.product_key")
    union = " UNION ALL ".join(parts)
    # A product is listed when a line of it is in the range (lines left after the subtraction).
    sql = f"""SELECT product_key, sum(sales) AS sales, sum(profit) AS profit, sum(quantity) AS quantity,
                     sum(orders)::bigint AS orders
              FROM ({union}) parts(product_key, sales, profit, quantity, orders, lines)
              GROUP BY product_key
              HAVING sum(lines) > 0"""
    return sql, params | dim_params


@dataclass(frozen=True)
class AlsoBought:
    product_orders: int  # orders containing X
    total_orders: int
    items: pd.DataFrame  # product_key, product, category, together, support, confidence, lift

    @property
    def enough_data(self) -> bool:
        return self.product_orders >= MIN_ORDERS_FOR_AFFINITY


@cached_query
def get_also_bought(f: KpiFilter, product_key: int, limit: int = 15) -> AlsoBought:
    """Products most often in the same orders as product_key, within the filter.

    support = orders(X and Y) / orders; confidence = orders(X and Y) / orders(X);
    lift = confidence / (orders(Y) / orders). Returns are not purchases: only positive lines.
    """
    with read_connection() as conn:
        if rollups_enabled():
            with sales_days_known(conn):  # all time's ragged ends are whole months: no baskets from the lines
                sql, params = _also_bought_from_rollups(in_whole_months(f), conn)
        else:
            sql, params = _also_bought_from_facts(f)
        rows = frame(conn.execute(text(sql), params | {"x": product_key, "limit": limit}))
    total, product_orders = (int(rows.total_orders.iloc[0]), int(rows.product_orders.iloc[0])) if len(rows) else (0, 0)
    items = rows.dropna(subset=["product_key"]).drop(columns=["total_orders", "product_orders"]).reset_index(drop=True)
    return AlsoBought(product_orders, total, items)


# Both routes end in the same SELECT over totals(n, n_x), pairs(product_key, together) and
# popularity(product_key, n_y); ties in `together` go by lift, then name, then key.
ALSO_BOUGHT_SELECT = """
    SELECT t.n AS total_orders, t.n_x AS product_orders, pr.product_key, p.name AS product, p.category,
           pr.together,
           pr.together::numeric / t.n AS support,
           pr.together::numeric / t.n_x AS confidence,
           (pr.together::numeric / t.n_x) / (po.n_y::numeric / t.n) AS lift
    FROM totals t
    LEFT JOIN pairs pr ON true
    LEFT JOIN popularity po USING (product_key)
    LEFT JOIN products p ON p.product_key = pr.product_key
    ORDER BY pr.together DESC NULLS LAST, lift DESC, product, pr.product_key
    LIMIT :limit
"""


def _also_bought_from_facts(f: KpiFilter) -> tuple[str, dict]:
    facts, params = filtered_facts(f)
    sql = f"""
        WITH baskets AS (
            SELECT DISTINCT o.order_key, l.product_key
            {facts} AND l.quantity > 0
        ),
        totals AS (
            SELECT count(DISTINCT order_key) AS n,
                   count(DISTINCT order_key) FILTER (WHERE product_key = :x) AS n_x
            FROM baskets
        ),
        pairs AS (
            SELECT y.product_key, count(*) AS together
            FROM baskets x JOIN baskets y ON y.order_key = x.order_key AND y.product_key <> x.product_key
            WHERE x.product_key = :x
            GROUP BY y.product_key
        ),
        popularity AS (
            SELECT product_key, count(*) AS n_y FROM baskets
            WHERE product_key IN (SELECT product_key FROM pairs) GROUP BY product_key
        )
        {ALSO_BOUGHT_SELECT}
    """
    return sql, params


def _order_key_bounds(conn: Connection, ranges: list[KpiFilter]) -> list[tuple[int | None, int | None]]:
    """The first and last order key among each range's days' orders (any status, store or
    customer; both None for days without orders). Orders are keyed as they arrive, so the keys
    of a few days lie close together: the lines of those orders are a range of each index that
    leads with order_key. Each day's first and last key is one probe of the orders' (day, key)
    index (migration 0049): at 10M lines, nine days ~1 ms, where reading every order of the
    days took ~8-17 ms. No "+ 0" (session 30's guard, when min() over the whole range walked the
    primary key from its start): with one day's equality the planner reads both ends of the
    day off this index."""
    if not ranges:
        return []
    parts, params = [], {}
    for i, r in enumerate(ranges):
        params |= {f"s{i}": r.start, f"e{i}": r.end}
        parts.append(f"""
            SELECT {i} AS i, min(k.lo) AS lo, max(k.hi) AS hi
            FROM generate_series(0, CAST(:e{i} AS date) - CAST(:s{i} AS date)) AS d(n)
            CROSS JOIN LATERAL (SELECT min(order_key) AS lo, max(order_key) AS hi FROM orders
                                WHERE order_date = CAST(:s{i} AS date) + d.n) k""")
    rows = conn.execute(text(" UNION ALL ".join(parts)), params).all()
    bounds = {row.i: (row.lo, row.hi) for row in rows}
    return [bounds[i] for i in range(len(ranges))]


# A ragged end of the range for also-bought, from the facts: (its CTE, the orders that bought
# X and each Y, the orders that bought each candidate Y or None when the rollups have them).
def _edge_baskets(name: str, facts: str, f: KpiFilter) -> tuple[str, str, str | None]:
    """Every order's products (baskets), paired with themselves."""
    return (
        f"{name} AS MATERIALIZED (SELECT DISTINCT o.order_key, l.product_key {facts} AND l.quantity > 0)",
        f"SELECT y.product_key, count(*) FROM {name} x JOIN {name} y USING (order_key) WHERE x.product_key = :x "
        "GROUP BY 1",
        f"SELECT product_key, count(*) FROM {name} WHERE product_key IN (SELECT product_key FROM pairs) GROUP BY 1",
    )


def _edge_orders_with_x(name: str, facts: str, f: KpiFilter) -> tuple[str, str, str | None]:
    """Only the orders that bought X, expanded to their lines, when _product_days_table's rollup
    has orders(Y): building every basket of a 23-day end at 10M lines took ~0.7 s. X's lines are
    kept within the end's order keys (:<name>_lo, :<name>_hi; _order_key_bounds): with the
    bounds in hand the planner reads X's lines of those days as one range of the (product,
    order) index (migration 0048), where it looked every order of the days up on its own (at
    10M lines, nine days: 58 -> 16 ms). (Every basket of the days measured no faster so.)"""
    y_in_categories = f"AND l.product_key {IN_CATEGORIES.format(p='p_')}" if f.categories else ""
    return (
        f"{name} AS MATERIALIZED (SELECT DISTINCT o.order_key {facts} AND l.quantity > 0 AND l.product_key = :x "
        f"AND l.order_key BETWEEN :{name}_lo AND :{name}_hi)",
        f"SELECT l.product_key, count(DISTINCT l.order_key) FROM order_lines l JOIN {name} USING (order_key) "
        f"WHERE l.quantity > 0 {y_in_categories} GROUP BY 1",
        None,
    )


def _also_bought_from_rollups(f: KpiFilter, conn: Connection) -> tuple[str, dict]:
    """The same answer from rollup_pairs (migration 0011) for the whole months, the baskets of
    the ragged ends from the facts, and the orders from rollup_orders.

    rollup_pairs' pair of a product with itself counts the orders that bought it, so orders(X)
    is a pair too. orders(Y) is read only for the Ys that can make the list: those bought with
    X at least as often as the limit-th one (ties are ordered by lift, which needs it). Without
    a segment, region or store from rollup_product_totals (0016), days and months alike;
    otherwise its whole months from Y's pair with itself, and its ragged ends' days from
    _product_days_table's rollup (rollup_product_stores under stores, rollup_product_segments
    under segments or regions; 0019, 0047) or, under both, from every basket of those days.
    With such a rollup the ends read only the orders that bought X (a quarter for two regions
    at 10M lines, uncached: 194-255 -> 106-114 ms)."""
    # A ragged end that is most of its month is read as that month's pairs less the baskets of
    # its other days (ragged_reads): at 10M lines a 30-day range of no whole month read 31
    # days of lines, now 15.
    reads = ragged_reads(f)
    dims, params = dims_sql(f, "pair", "p_")
    params |= {"p_mfrom": reads.months_from, "p_mto": reads.months_to}
    months = f"month >= :p_mfrom AND month < :p_mto AND {dims}"
    days_table = _product_days_table(f)
    ctes, pair_parts, popularity_parts = [], [], []
    ends = [days for days, _ in reads.lines]
    bounds = _order_key_bounds(conn, ends) if days_table else [(None, None)] * len(ends)
    for number, ((days, sign), (lo, hi)) in enumerate(zip(reads.lines, bounds, strict=True)):
        facts, edge_params = filtered_facts(days, prefix=f"e{number}_")
        name = f"edge{number}"
        params |= edge_params | {f"{name}_lo": lo, f"{name}_hi": hi}
        edge_sql = _edge_orders_with_x if days_table else _edge_baskets
        cte, pairs, popularity = edge_sql(name, facts, f)
        ctes.append(cte)
        pair_parts.append(f"SELECT product_key, {sign}n FROM ({pairs}) {name}_pairs(product_key, n)")
        if popularity:
            popularity_parts.append(f"SELECT product_key, {sign}n FROM ({popularity}) {name}_pop(product_key, n)")
        elif days_table != "rollup_product_totals":
            # The end's days of Y's own orders, whatever Y's category (pairs holds only the Ys
            # the filter keeps); its months come from rollup_pairs below.
            where, where_params = rollup_where(replace(days, categories=()), None, f"{name}_t_", False, "keys")
            params |= where_params
            popularity_parts.append(
                f"SELECT product_key, {sign}orders FROM {days_table} r "
                f"WHERE {where} AND product_key IN (SELECT product_key FROM pairs)"
            )
    if days_table == "rollup_product_totals":
        period, period_params = period_sql(f, "t_")
        params |= period_params
        popularity_parts = [
            "SELECT product_key, orders FROM rollup_product_totals "
            f"WHERE {period} AND product_key IN (SELECT product_key FROM pairs)"
        ]
    else:
        # per Y, so each is its own skip scan for (month, Y, Y) rather than a read of all Y's pairs
        popularity_parts.append(
            "SELECT y.product_key, r.orders FROM pairs y CROSS JOIN LATERAL (SELECT orders FROM rollup_pairs "
            f"WHERE product_key = y.product_key AND other_key = y.product_key AND {months}) r"
        )
    orders, order_params = rollup_where(f, "set", "o_")
    month_pairs = f"SELECT other_key, orders FROM rollup_pairs WHERE product_key = :x AND {months}"
    sql = f"""
        WITH {"".join(b + ", " for b in ctes)}
        with_x AS (
            SELECT product_key, sum(orders)::bigint AS together
            FROM ({" UNION ALL ".join([month_pairs, *pair_parts])}) w(product_key, orders)
            GROUP BY product_key
        ),
        cutoff AS (
            SELECT together FROM with_x WHERE product_key <> :x ORDER BY together DESC OFFSET :limit - 1 LIMIT 1
        ),
        pairs AS (  -- together > 0: a month's pairs less its other days may leave none
            SELECT product_key, together FROM with_x
            WHERE product_key <> :x AND together > 0 AND together >= coalesce((SELECT together FROM cutoff), 0)
        ),
        popularity AS (
            SELECT product_key, sum(orders)::bigint AS n_y
            FROM ({" UNION ALL ".join(popularity_parts)}) p(product_key, orders)
            GROUP BY product_key
        ),
        totals AS MATERIALIZED (  -- else inlined: the final SELECT would sum rollup_orders thrice
            SELECT (SELECT coalesce(sum(orders), 0)::bigint FROM rollup_orders r WHERE {orders}) AS n,
                   coalesce((SELECT together FROM with_x WHERE product_key = :x), 0) AS n_x
        )
        {ALSO_BOUGHT_SELECT}
    """
    return sql, params | order_params


@cached_query
def get_monthly_sales_by_category(f: KpiFilter) -> pd.DataFrame:
    """month, category, sales, and cumulative_sales (all categories, running over the range)."""
    if rollups_enabled():
        where, params = rollup_where(f, "column")
        monthly = f"""SELECT {bucket_sql("day", "month")} AS month, category, sum(sales) AS sales
                      FROM rollup_category r WHERE {where} GROUP BY 1, 2"""
    else:
        facts, params = filtered_facts(f)
        month = bucket_sql("o.order_date", "month")
        monthly = f"SELECT {month} AS month, p.category, {SALES} AS sales {facts} GROUP BY 1, 2"
    sql = f"""
        WITH monthly AS ({monthly})
        SELECT month, category, sales,
               sum(sales) OVER (ORDER BY month RANGE UNBOUNDED PRECEDING) AS cumulative_sales
        FROM monthly
        ORDER BY month, category
    """
    return read_frame(text(sql), params)
