"""Each customer's whole history as one row: kind 'a' (period -infinity) in customer_period_totals
and, per category, in customer_category_period_totals.

"All time" is one filter in five of the benchmark and the customers page's slowest: each
customer's years were added up per customer first (at 10M lines 182k year rows for 114k
customers, ~170 ms with bigint_sum) before the ranks, scores and lifetime values. With one row
per customer (and category) the summary reads the rows as they are, without grouping them.

The 'a' row holds the sums of the customer's 'y' rows in the same table (and the last purchase
day of all): after the years' upkeep, the customers (and categories) the delta touched are
summed again from their year rows, and the 'a' rows of those left without any are deleted.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

LATEST = migration("0024_customer_order_categories")  # rollup_apply as it is (0025 adds no upkeep)
PAIRS = LATEST.PAIRS  # 0011: _install

SUMS = """bigint_sum(y.sales_x10000), bigint_sum(y.profit_x10000), bigint_sum(y.quantity_x1000),
           bigint_sum(y.orders), bigint_sum(y.lines), max(y.last_bought)"""
MEASURES = "sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"
UPDATED = """
        sales_x10000 = EXCLUDED.sales_x10000, profit_x10000 = EXCLUDED.profit_x10000,
        quantity_x1000 = EXCLUDED.quantity_x1000, orders = EXCLUDED.orders, lines = EXCLUDED.lines,
        last_bought = EXCLUDED.last_bought"""

# Every customer's (and customer and category's) 'a' row from its year rows, for the keys `touched`.
CUSTOMERS = """
    INSERT INTO customer_period_totals AS t (kind, period, customer_key, {measures})
    SELECT 'a', '-infinity'::date, y.customer_key, {sums}
    FROM customer_period_totals y
    WHERE y.kind = 'y'{touched}
    GROUP BY y.customer_key
    ORDER BY y.customer_key"""
CATEGORIES = """
    INSERT INTO customer_category_period_totals AS t (kind, period, category, customer_key, {measures})
    SELECT 'a', '-infinity'::date, y.category, y.customer_key, {sums}
    FROM customer_category_period_totals y
    WHERE y.kind = 'y'{touched}
    GROUP BY y.category, y.customer_key
    ORDER BY y.category, y.customer_key"""

DELTA_CUSTOMERS = "SELECT customer_key FROM rollup_delta WHERE customer_key IS NOT NULL"
DELTA_CATEGORIES = "SELECT category, customer_key FROM rollup_delta WHERE customer_key IS NOT NULL"

UPSERT = f"""
{CUSTOMERS.format(measures=MEASURES, sums=SUMS, touched=f" AND y.customer_key IN ({DELTA_CUSTOMERS})")}
    ON CONFLICT (kind, period, customer_key) DO UPDATE SET{UPDATED};
    DELETE FROM customer_period_totals t
    WHERE t.kind = 'a' AND t.customer_key IN ({DELTA_CUSTOMERS} AND sign < 0)
      AND NOT EXISTS (SELECT 1 FROM customer_period_totals y WHERE y.kind = 'y' AND y.customer_key = t.customer_key);
{CATEGORIES.format(measures=MEASURES, sums=SUMS, touched=f" AND (y.category, y.customer_key) IN ({DELTA_CATEGORIES})")}
    ON CONFLICT (kind, period, category, customer_key) DO UPDATE SET{UPDATED};
    DELETE FROM customer_category_period_totals t
    WHERE t.kind = 'a' AND (t.category, t.customer_key) IN ({DELTA_CATEGORIES} AND sign < 0)
      AND NOT EXISTS (SELECT 1 FROM customer_category_period_totals y
                      WHERE y.kind = 'y' AND y.category = t.category AND y.customer_key = t.customer_key);
"""

UPSERTS = LATEST.UPSERTS + UPSERT  # rollup_apply as this migration leaves it
TABLES = ("customer_period_totals", "customer_category_period_totals")


def _kinds(kinds: str) -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_kind_check")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_kind_check CHECK (kind IN ({kinds}))")


def upgrade() -> None:
    _kinds("'m', 'y', 'a'")
    PAIRS._install(UPSERTS, LATEST.ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(CUSTOMERS.format(measures=MEASURES, sums=SUMS, touched=""))
    op.execute(CATEGORIES.format(measures=MEASURES, sums=SUMS, touched=""))
    for table in TABLES:
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    PAIRS._install(LATEST.UPSERTS, LATEST.ROLLUPS)
    for table in TABLES:
        op.execute(f"DELETE FROM {table} WHERE kind = 'a'")
    _kinds("'m', 'y'")
