"""Rollups recomputed from the facts from scratch, and compared with what the triggers keep
(the tests after every kind of write; `manage.py check-rollups` for a shop's database).

Written independently of migrations 0007 to 0052 (no shared SQL): a rebuild by plain GROUP BY over the
fact query, then EXCEPT both ways. Any row in one and not the other is a drift.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text

# Every non-cancelled line with the attributes it is counted under.
FACTS = """
    SELECT o.order_key, o.order_date, o.customer_key, c.segment, c.region, o.store_key, p.category,
           p.sub_category, l.product_key, l.quantity, l.net_amount, l.profit
    FROM order_lines l
    JOIN orders o ON o.order_key = l.order_key
    JOIN products p ON p.product_key = l.product_key
    LEFT JOIN customers c ON c.customer_key = o.customer_key
    WHERE o.status <> 'cancelled'
"""
KINDS = "(VALUES ('d'), ('m')) k(kind)"
# Each customer's months: lines with a purchase and sales (returns included).
CUSTOMER_MONTHS = f"""
    SELECT customer_key, segment, region, date_trunc('month', order_date)::date AS month,
           count(*) FILTER (WHERE quantity > 0) AS bought, sum(net_amount) AS sales
    FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2, 3, 4"""
# Each customer's months per category: lines with a purchase and sales (returns included).
CUSTOMER_CATEGORY_MONTHS = f"""
    SELECT customer_key, category, date_trunc('month', order_date)::date AS month,
           count(*) FILTER (WHERE quantity > 0) AS bought, sum(net_amount) AS sales
    FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2, 3"""
COHORTS = f"""
    SELECT customer_key, min(month) FILTER (WHERE bought > 0) AS cohort, segment, region
    FROM ({CUSTOMER_MONTHS}) m GROUP BY 1, 3, 4"""
BUCKET = "CASE WHEN k.kind = 'd' THEN f.order_date ELSE date_trunc('month', f.order_date)::date END"
# Each customer's days and ISO weeks (Mondays): a purchase in them, sales; and the first purchase day.
CUSTOMER_BUCKETS = f"""
    SELECT f.customer_key, f.segment, f.region, k.kind,
           CASE WHEN k.kind = 'd' THEN f.order_date ELSE date_trunc('week', f.order_date)::date END AS bucket,
           count(*) FILTER (WHERE f.quantity > 0) AS bought, sum(f.net_amount) AS sales
    FROM ({FACTS}) f, (VALUES ('d'), ('w')) k(kind) WHERE f.customer_key IS NOT NULL GROUP BY 1, 2, 3, 4, 5"""
# The customer totals' months, years and whole history ('a', one row: period -infinity).
TOTAL_KINDS = "(VALUES ('m', 'month'), ('y', 'year'), ('a', NULL)) k(kind, unit)"
FIRST_DAYS = f"""
    SELECT customer_key, min(order_date) FILTER (WHERE quantity > 0) AS first_day
    FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1"""

EXPECTED = {
    "rollup_category": f"""
        SELECT k.kind, {BUCKET} AS day, f.segment, f.region, f.store_key, f.category,
               sum(f.net_amount), sum(f.profit), sum(f.quantity),
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*)
        FROM ({FACTS}) f, {KINDS} GROUP BY 1, 2, 3, 4, 5, 6""",
    "rollup_subcategory": f"""
        SELECT k.kind, {BUCKET} AS day, f.segment, f.region, f.store_key, f.category, f.sub_category,
               sum(f.net_amount), sum(f.profit), sum(f.quantity),
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*)
        FROM ({FACTS}) f, {KINDS} GROUP BY 1, 2, 3, 4, 5, 6, 7""",
    "rollup_product": f"""
        SELECT k.kind, {BUCKET} AS day, f.segment, f.region, f.store_key, f.product_key,
               sum(f.net_amount), sum(f.profit), sum(f.quantity),
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*)
        FROM ({FACTS}) f, (VALUES ('m')) k(kind) GROUP BY 1, 2, 3, 4, 5, 6""",
    "rollup_orders": f"""
        SELECT k.kind, {BUCKET} AS day, f.segment, f.region, f.store_key, f.categories, count(*)
        FROM (SELECT order_key, order_date, segment, region, store_key,
                     array_agg(DISTINCT category ORDER BY category) AS categories
              FROM ({FACTS}) x WHERE quantity > 0
              GROUP BY order_key, order_date, segment, region, store_key) f, {KINDS}
        GROUP BY 1, 2, 3, 4, 5, 6""",
    "customer_activity": f"""
        SELECT customer_key, segment, region, range_agg(daterange(order_date, order_date, '[]'))
        FROM ({FACTS}) f WHERE quantity > 0 AND customer_key IS NOT NULL GROUP BY 1, 2, 3""",
    "customer_activity_detail": f"""
        SELECT customer_key, segment, region, store_key, category,
               range_agg(daterange(order_date, order_date, '[]'))
        FROM ({FACTS}) f WHERE quantity > 0 AND customer_key IS NOT NULL GROUP BY 1, 2, 3, 4, 5""",
    "customer_activity_category": f"""
        SELECT customer_key, segment, region, category, range_agg(daterange(order_date, order_date, '[]'))
        FROM ({FACTS}) f WHERE quantity > 0 AND customer_key IS NOT NULL GROUP BY 1, 2, 3, 4""",
    "customer_activity_store": f"""
        SELECT customer_key, segment, region, store_key, range_agg(daterange(order_date, order_date, '[]'))
        FROM ({FACTS}) f WHERE quantity > 0 AND customer_key IS NOT NULL GROUP BY 1, 2, 3, 4""",
    "customer_lifetime": f"""
        SELECT customer_key, sum(net_amount), count(*) FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1""",
    "customer_orders": f"""
        SELECT order_key, order_date, customer_key, store_key, sum(net_amount), sum(profit), sum(quantity),
               count(*), count(*) FILTER (WHERE quantity > 0)
        FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2, 3, 4""",
    "customer_periods": f"""
        SELECT k.kind, date_trunc(k.unit, f.order_date)::date, f.customer_key, f.store_key,
               sum(f.net_amount), sum(f.profit), sum(f.quantity),
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*),
               max(f.order_date) FILTER (WHERE f.quantity > 0)
        FROM ({FACTS}) f, (VALUES ('m', 'month'), ('y', 'year')) k(kind, unit)
        WHERE f.customer_key IS NOT NULL GROUP BY 1, 2, 3, 4""",
    "customer_period_totals": f"""
        SELECT k.kind, CASE WHEN k.unit IS NULL THEN '-infinity' ELSE date_trunc(k.unit, f.order_date)::date END,
               f.customer_key, sum(f.net_amount) * 10000, sum(f.profit) * 10000, sum(f.quantity) * 1000,
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*),
               max(f.order_date) FILTER (WHERE f.quantity > 0)
        FROM ({FACTS}) f, {TOTAL_KINDS}
        WHERE f.customer_key IS NOT NULL GROUP BY 1, 2, 3""",
    "customer_order_categories": f"""
        SELECT category, order_date, order_key, customer_key, store_key, sum(net_amount) * 10000,
               sum(profit) * 10000, sum(quantity) * 1000, count(*), count(*) FILTER (WHERE quantity > 0)
        FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2, 3, 4, 5""",
    "customer_category_period_totals": f"""
        SELECT k.kind, CASE WHEN k.unit IS NULL THEN '-infinity' ELSE date_trunc(k.unit, f.order_date)::date END,
               f.category, f.customer_key, sum(f.net_amount) * 10000, sum(f.profit) * 10000, sum(f.quantity) * 1000,
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*),
               max(f.order_date) FILTER (WHERE f.quantity > 0)
        FROM ({FACTS}) f, {TOTAL_KINDS}
        WHERE f.customer_key IS NOT NULL GROUP BY 1, 2, 3, 4""",
    "customer_category_sets": f"""
        SELECT k.kind, CASE WHEN k.unit IS NULL THEN '-infinity' ELSE date_trunc(k.unit, f.order_date)::date END,
               f.customer_key, f.categories, count(*)
        FROM (SELECT order_key, order_date, customer_key, array_agg(DISTINCT category ORDER BY category) AS categories
              FROM ({FACTS}) x WHERE quantity > 0 AND customer_key IS NOT NULL
              GROUP BY order_key, order_date, customer_key) f, {TOTAL_KINDS}
        GROUP BY 1, 2, 3, 4""",
    "rollup_pairs": f"""
        SELECT x.month, x.segment, x.region, x.store_key, x.product_key, y.product_key, count(DISTINCT x.order_key)
        FROM (SELECT order_key, date_trunc('month', order_date)::date AS month, segment, region, store_key,
                     product_key
              FROM ({FACTS}) f WHERE quantity > 0) x
        JOIN (SELECT order_key, product_key FROM ({FACTS}) f WHERE quantity > 0) y USING (order_key)
        GROUP BY 1, 2, 3, 4, 5, 6""",
    "customer_category_periods": f"""
        SELECT k.kind, date_trunc(k.unit, f.order_date)::date, f.category, f.customer_key, f.store_key,
               sum(f.net_amount), sum(f.profit), sum(f.quantity),
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*),
               max(f.order_date) FILTER (WHERE f.quantity > 0)
        FROM ({FACTS}) f, (VALUES ('m', 'month'), ('y', 'year')) k(kind, unit)
        WHERE f.customer_key IS NOT NULL GROUP BY 1, 2, 3, 4, 5""",
    "customer_store_totals": f"""
        SELECT store_key, customer_key, sum(net_amount) * 10000, sum(profit) * 10000, sum(quantity) * 1000,
               count(DISTINCT order_key) FILTER (WHERE quantity > 0), count(*),
               max(order_date) FILTER (WHERE quantity > 0)
        FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2""",
    "customer_category_store_totals": f"""
        SELECT category, store_key, customer_key, sum(net_amount) * 10000, sum(profit) * 10000, sum(quantity) * 1000,
               count(DISTINCT order_key) FILTER (WHERE quantity > 0), count(*),
               max(order_date) FILTER (WHERE quantity > 0)
        FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2, 3""",
    "rollup_product_totals": f"""
        SELECT k.kind, {BUCKET} AS day, f.product_key, sum(f.net_amount), sum(f.profit), sum(f.quantity),
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*)
        FROM ({FACTS}) f, {KINDS} GROUP BY 1, 2, 3""",
    "rollup_product_stores": f"""
        SELECT k.kind, {BUCKET} AS day, f.store_key, f.product_key, sum(f.net_amount), sum(f.profit), sum(f.quantity),
               count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*)
        FROM ({FACTS}) f, {KINDS} GROUP BY 1, 2, 3, 4""",
    "rollup_product_segments": f"""
        SELECT k.kind, {BUCKET} AS day, f.segment, f.region, f.product_key, sum(f.net_amount), sum(f.profit),
               sum(f.quantity), count(DISTINCT f.order_key) FILTER (WHERE f.quantity > 0), count(*)
        FROM ({FACTS}) f, {KINDS} GROUP BY 1, 2, 3, 4, 5""",
    "customer_cohorts": COHORTS,
    "rollup_cohorts": f"""
        SELECT k.cohort, m.month, m.segment, m.region, count(*) FILTER (WHERE m.bought > 0), sum(m.sales), count(*)
        FROM ({CUSTOMER_MONTHS}) m JOIN ({COHORTS}) k USING (customer_key) GROUP BY 1, 2, 3, 4""",
    "rollup_category_cohorts": f"""
        SELECT m.category, k.cohort, m.month, k.segment, k.region, count(*) FILTER (WHERE m.bought > 0),
               sum(m.sales), count(*)
        FROM ({CUSTOMER_CATEGORY_MONTHS}) m JOIN ({COHORTS}) k USING (customer_key) GROUP BY 1, 2, 3, 4, 5""",
    "rollup_set_cohorts": f"""
        SELECT k.cohort, m.month, k.segment, k.region, m.categories, count(*)
        FROM (SELECT customer_key, date_trunc('month', order_date)::date AS month,
                     array_agg(DISTINCT category ORDER BY category) AS categories
              FROM ({FACTS}) f WHERE quantity > 0 AND customer_key IS NOT NULL GROUP BY 1, 2) m
        JOIN ({COHORTS}) k USING (customer_key) GROUP BY 1, 2, 3, 4, 5""",
    "rollup_store_cohorts": f"""
        SELECT m.store_key, k.cohort, m.month, k.segment, k.region, count(*) FILTER (WHERE m.bought > 0),
               sum(m.sales), count(*)
        FROM (SELECT customer_key, store_key, date_trunc('month', order_date)::date AS month,
                     count(*) FILTER (WHERE quantity > 0) AS bought, sum(net_amount) AS sales
              FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2, 3) m
        JOIN ({COHORTS}) k USING (customer_key) GROUP BY 1, 2, 3, 4, 5""",
    "rollup_store_set_cohorts": f"""
        SELECT k.cohort, m.month, k.segment, k.region, m.stores, count(*)
        FROM (SELECT customer_key, date_trunc('month', order_date)::date AS month,
                     array_agg(DISTINCT store_key ORDER BY store_key) AS stores
              FROM ({FACTS}) f WHERE quantity > 0 AND customer_key IS NOT NULL AND store_key IS NOT NULL
              GROUP BY 1, 2) m
        JOIN ({COHORTS}) k USING (customer_key) GROUP BY 1, 2, 3, 4, 5""",
    "rollup_category_store_cohorts": f"""
        SELECT m.category, m.store_key, k.cohort, m.month, k.segment, k.region, count(*) FILTER (WHERE m.bought > 0),
               sum(m.sales), count(*)
        FROM (SELECT customer_key, category, store_key, date_trunc('month', order_date)::date AS month,
                     count(*) FILTER (WHERE quantity > 0) AS bought, sum(net_amount) AS sales
              FROM ({FACTS}) f WHERE customer_key IS NOT NULL GROUP BY 1, 2, 3, 4) m
        JOIN ({COHORTS}) k USING (customer_key) GROUP BY 1, 2, 3, 4, 5, 6""",
    "rollup_category_store_set_cohorts": f"""
        SELECT m.category, k.cohort, m.month, k.segment, k.region, m.stores, count(*)
        FROM (SELECT customer_key, category, date_trunc('month', order_date)::date AS month,
                     array_agg(DISTINCT store_key ORDER BY store_key) AS stores
              FROM ({FACTS}) f WHERE quantity > 0 AND customer_key IS NOT NULL AND store_key IS NOT NULL
              GROUP BY 1, 2, 3) m
        JOIN ({COHORTS}) k USING (customer_key) GROUP BY 1, 2, 3, 4, 5, 6""",
    "rollup_cohort_buckets": f"""
        SELECT b.kind, b.bucket,
               b.bucket = CASE WHEN b.kind = 'd' THEN d.first_day ELSE date_trunc('week', d.first_day)::date END,
               b.segment, b.region, count(*) FILTER (WHERE b.bought > 0), sum(b.sales), count(*)
        FROM ({CUSTOMER_BUCKETS}) b JOIN ({FIRST_DAYS}) d USING (customer_key) GROUP BY 1, 2, 3, 4, 5""",
}

COLUMNS = {
    "rollup_category": "kind, day, segment, region, store_key, category, sales, profit, quantity, orders, lines",
    "rollup_subcategory": (
        "kind, day, segment, region, store_key, category, sub_category, sales, profit, quantity, orders, lines"
    ),
    "rollup_product": "kind, day, segment, region, store_key, product_key, sales, profit, quantity, orders, lines",
    "rollup_orders": "kind, day, segment, region, store_key, categories, orders",
    "customer_activity": "customer_key, segment, region, active",
    "customer_activity_detail": "customer_key, segment, region, store_key, category, active",
    "customer_activity_category": "customer_key, segment, region, category, active",
    "customer_activity_store": "customer_key, segment, region, store_key, active",
    "customer_lifetime": "customer_key, sales, lines",
    "customer_orders": "order_key, order_date, customer_key, store_key, sales, profit, quantity, lines, bought_lines",
    "customer_periods": "kind, period, customer_key, store_key, sales, profit, quantity, orders, lines, last_bought",
    "customer_period_totals": (
        "kind, period, customer_key, sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"
    ),
    "customer_category_period_totals": (
        "kind, period, category, customer_key, sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"
    ),
    "customer_order_categories": (
        "category, order_date, order_key, customer_key, store_key, sales_x10000, profit_x10000, quantity_x1000, "
        "lines, bought_lines"
    ),
    "customer_category_sets": "kind, period, customer_key, categories, orders",
    "rollup_pairs": "month, segment, region, store_key, product_key, other_key, orders",
    "customer_category_periods": (
        "kind, period, category, customer_key, store_key, sales, profit, quantity, orders, lines, last_bought"
    ),
    "customer_store_totals": (
        "store_key, customer_key, sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"
    ),
    "customer_category_store_totals": (
        "category, store_key, customer_key, sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"
    ),
    "rollup_product_totals": "kind, day, product_key, sales, profit, quantity, orders, lines",
    "rollup_product_stores": "kind, day, store_key, product_key, sales, profit, quantity, orders, lines",
    "rollup_product_segments": "kind, day, segment, region, product_key, sales, profit, quantity, orders, lines",
    "customer_cohorts": "customer_key, cohort, segment, region",
    "rollup_cohorts": "cohort, month, segment, region, customers, sales, cells",
    "rollup_category_cohorts": "category, cohort, month, segment, region, customers, sales, cells",
    "rollup_set_cohorts": "cohort, month, segment, region, categories, customers",
    "rollup_store_cohorts": "store_key, cohort, month, segment, region, customers, sales, cells",
    "rollup_store_set_cohorts": "cohort, month, segment, region, stores, customers",
    "rollup_category_store_cohorts": "category, store_key, cohort, month, segment, region, customers, sales, cells",
    "rollup_category_store_set_cohorts": "category, cohort, month, segment, region, stores, customers",
    "rollup_cohort_buckets": "kind, bucket, new, segment, region, customers, sales, cells",
}


def table_drift(conn: Connection, table: str) -> int:
    """Rows that differ between `table` and its rebuild, both ways; each side is read once."""
    sql = f"""
        WITH kept AS MATERIALIZED (SELECT {COLUMNS[table]} FROM {table}),
             expected AS MATERIALIZED ({EXPECTED[table]})
        SELECT (SELECT count(*) FROM (TABLE kept EXCEPT ALL TABLE expected) a)
             + (SELECT count(*) FROM (TABLE expected EXCEPT ALL TABLE kept) b)"""
    return conn.execute(text(sql)).scalar_one()


def rollup_drift(engine: Engine) -> dict[str, int]:
    """Rows that differ between each rollup and its rebuild (empty dict: all exact)."""
    with engine.connect() as conn:
        counts = {table: table_drift(conn, table) for table in EXPECTED}
    return {table: n for table, n in counts.items() if n}


def assert_rollups_exact(engine: Engine) -> None:
    assert rollup_drift(engine) == {}, "rollups differ from a rebuild from the facts"
