"""Each customer order's sums per category, kept by the rollup triggers.

Under a category filter the customers page read the ragged days of a range (and every day of a
chart by day or week, and everything under two categories) from the lines: the orders of the
days, each order's lines through the order_lines key, the products for their category. At 10M
lines one month of Furniture took ~230 ms that way for its 49k order-category rows.

customer_order_categories holds one row per order with a customer and category of its lines:
date, customer, store, sales and profit in ten-thousandths and quantity in thousandths (bigint,
as customer_period_totals), lines and lines with a purchase. Its key leads with category and
date, so one category's days are one index range, and a customer's orders in two categories are
told apart by order_key (an order of both counts once). Like customer_orders (0009), a change of
date, customer or store takes the lines off the old row, which goes at zero lines; everything
else adds up.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

LATEST = migration("0023_customer_category_period_totals")
UPSERTS_0023 = LATEST.UPSERTS
PAIRS = LATEST.PAIRS  # 0011: _install

TABLE = """
CREATE TABLE customer_order_categories (
    category       text NOT NULL,
    order_date     date NOT NULL,
    order_key      bigint NOT NULL,
    customer_key   bigint NOT NULL,
    store_key      integer,
    sales_x10000   bigint NOT NULL,  -- sales in ten-thousandths
    profit_x10000  bigint NOT NULL,
    quantity_x1000 bigint NOT NULL,  -- quantity in thousandths
    lines          bigint NOT NULL,
    bought_lines   bigint NOT NULL,  -- lines of positive quantity: > 0 means the order counts
    UNIQUE NULLS NOT DISTINCT (category, order_date, order_key, customer_key, store_key)
);
CREATE INDEX customer_order_categories_empty ON customer_order_categories (order_key) WHERE lines = 0;
"""

COLUMNS = (
    "category, order_date, order_key, customer_key, store_key, sales_x10000, profit_x10000, quantity_x1000, "
    "lines, bought_lines"
)

UPSERT = f"""
    INSERT INTO customer_order_categories AS t ({COLUMNS})
    SELECT category, day, order_key, customer_key, store_key, (sum(sign * net_amount) * 10000)::bigint,
           (sum(sign * profit) * 10000)::bigint, (sum(sign * quantity) * 1000)::bigint, sum(sign),
           coalesce(sum(sign) FILTER (WHERE quantity > 0), 0)
    FROM rollup_delta WHERE customer_key IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (category, order_date, order_key, customer_key, store_key) DO UPDATE SET
        sales_x10000 = t.sales_x10000 + EXCLUDED.sales_x10000,
        profit_x10000 = t.profit_x10000 + EXCLUDED.profit_x10000,
        quantity_x1000 = t.quantity_x1000 + EXCLUDED.quantity_x1000,
        lines = t.lines + EXCLUDED.lines, bought_lines = t.bought_lines + EXCLUDED.bought_lines;
    DELETE FROM customer_order_categories WHERE lines = 0;
"""

UPSERTS = UPSERTS_0023 + UPSERT
ROLLUPS = f"{LATEST.ROLLUPS}, customer_order_categories"

BACKFILL = f"""
INSERT INTO customer_order_categories ({COLUMNS})
SELECT p.category, o.order_date, o.order_key, o.customer_key, o.store_key, (sum(l.net_amount) * 10000)::bigint,
       (sum(l.profit) * 10000)::bigint, (sum(l.quantity) * 1000)::bigint, count(*),
       count(*) FILTER (WHERE l.quantity > 0)
FROM order_lines l
JOIN orders o ON o.order_key = l.order_key
JOIN products p ON p.product_key = l.product_key
WHERE o.status <> 'cancelled' AND o.customer_key IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
"""


def upgrade() -> None:
    op.execute(TABLE)
    PAIRS._install(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(BACKFILL)
    op.execute("ANALYZE customer_order_categories")


def downgrade() -> None:
    PAIRS._install(UPSERTS_0023, LATEST.ROLLUPS)
    op.execute("DROP TABLE customer_order_categories")
