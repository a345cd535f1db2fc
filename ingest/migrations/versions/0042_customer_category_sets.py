"""Each customer's orders per month, year and whole history by the set of categories they
bought, so the customers page answers two or more categories from periods, not orders.

Why: orders do not add up across categories (an order of Furniture and Office Supplies is one
order), so under two or more categories the customers page read every order of the range from
customer_order_categories (0024) and grouped it per order, then per customer. At 10M lines,
all time for one segment under two categories: 1.66M orders grouped, 7.4-9.5 s for the summary
and as long for new vs returning.

customer_category_sets keys a customer's orders with a purchase by (kind 'm', 'y' or 'a' with
period -infinity as 0026, period, customer, the sorted set of categories the order bought), as
rollup_orders (0007) keys orders by day and dimensions: a customer's orders under any category
filter are the sum over the sets that meet it. The sales, profit, quantity and last purchase
day do add up across categories: they come from customer_category_period_totals (0023, 0026).

The upkeep is rollup_orders': an order's lines are written and deleted together (0007's
invariant; a product's new category moves whole orders), so each order of the delta brings its
whole set with its sign, and cells left at zero orders go.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

YEAR_FROM_MONTH = migration("0041_year_last_bought_from_its_month")
APPLY = YEAR_FROM_MONTH.UPSERTS  # rollup_apply as it is
INSTALL = YEAR_FROM_MONTH.INSTALL

TABLE = """
CREATE TABLE customer_category_sets (
    kind         char(1) NOT NULL CHECK (kind IN ('m', 'y', 'a')),
    period       date NOT NULL,
    customer_key bigint NOT NULL,
    categories   text[] NOT NULL,  -- sorted, the categories of the order's lines with a purchase
    orders       bigint NOT NULL,
    PRIMARY KEY (kind, period, customer_key, categories)
);
CREATE INDEX customer_category_sets_empty ON customer_category_sets (kind) WHERE orders = 0;
"""

KINDS = "(VALUES ('m', 'month'), ('y', 'year'), ('a', NULL)) AS k(kind, unit)"
PERIOD = "CASE WHEN k.unit IS NULL THEN '-infinity' ELSE date_trunc(k.unit, x.day)::date END"

UPSERT = f"""
    INSERT INTO customer_category_sets AS r (kind, period, customer_key, categories, orders)
    SELECT k.kind, {PERIOD}, x.customer_key, x.categories, sum(x.sign)
    FROM (SELECT sign, order_key, day, customer_key,
                 array_agg(DISTINCT category ORDER BY category) FILTER (WHERE quantity > 0) AS categories
          FROM rollup_delta WHERE customer_key IS NOT NULL
          GROUP BY sign, order_key, day, customer_key) x
    CROSS JOIN {KINDS}
    WHERE x.categories IS NOT NULL
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, period, customer_key, categories) DO UPDATE SET orders = r.orders + EXCLUDED.orders;
    DELETE FROM customer_category_sets WHERE orders = 0;
"""

UPSERTS = APPLY + UPSERT  # rollup_apply as this migration leaves it
ROLLUPS = f"{YEAR_FROM_MONTH.ROLLUPS}, customer_category_sets"

# From the orders' rows per category (an order has one date, customer and store: one row per
# category it has lines of).
BACKFILL = f"""
INSERT INTO customer_category_sets (kind, period, customer_key, categories, orders)
SELECT k.kind, {PERIOD}, x.customer_key, x.categories, count(*)
FROM (SELECT order_key, order_date AS day, customer_key,
             array_agg(category ORDER BY category) FILTER (WHERE bought_lines > 0) AS categories
      FROM customer_order_categories
      GROUP BY order_key, order_date, customer_key) x
CROSS JOIN {KINDS}
WHERE x.categories IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
"""


def upgrade() -> None:
    op.execute(TABLE)
    INSTALL(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(BACKFILL)
    op.execute("ANALYZE customer_category_sets")


def downgrade() -> None:
    INSTALL(APPLY, YEAR_FROM_MONTH.ROLLUPS)
    op.execute("DROP TABLE customer_category_sets")
