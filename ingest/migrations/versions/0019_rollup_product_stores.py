"""Each product's days and months per store, over every customer, kept by the rollup triggers.

rollup_product_totals (0016) ranks products fast when the filter names no segment, region or
store. With a store (a manager looking at one shop) the ranking still read rollup_product's
month rows, which are split by segment and region too (at 10M lines, two stores over five
years: 200k rows found through an index that leads with the day), and the ragged days from
the facts: ~250 ms, and three times that beside the page's other queries.

rollup_product_stores is rollup_product_totals per store: per day and month (kind 'd', 'm'),
store and product, sales, profit, quantity, lines and orders with a purchase of the product.
All of it adds up (an order has one date and one store), so the upkeep is one upsert of the
delta, like 0016's; a customer's new segment or a product's new category leaves it as it was.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

PREVIOUS = migration("0018_customer_period_totals")
PAIRS = PREVIOUS.PAIRS  # 0011: _install

TABLE = """
CREATE TABLE rollup_product_stores (
    kind        char(1) NOT NULL CHECK (kind IN ('d', 'm')),
    day         date NOT NULL,
    store_key   integer,
    product_key integer NOT NULL,
    sales       numeric NOT NULL,
    profit      numeric NOT NULL,
    quantity    numeric NOT NULL,
    orders      bigint NOT NULL,
    lines       bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, day, store_key, product_key)
);
CREATE INDEX rollup_product_stores_empty ON rollup_product_stores (kind) WHERE lines = 0;
"""


def _added(lines: str) -> str:
    """Upsert of `lines` (sign, order_key, day, store_key, product_key, quantity, net_amount,
    profit) into the day and month rows, per order first (an order counts once per product)."""
    return f"""
    INSERT INTO rollup_product_stores AS t (kind, day, store_key, product_key, sales, profit, quantity, orders, lines)
    SELECT k.kind, CASE WHEN k.kind = 'd' THEN x.day ELSE date_trunc('month', x.day)::date END, x.store_key,
           x.product_key, sum(x.sign * x.sales), sum(x.sign * x.profit), sum(x.sign * x.quantity),
           sum(x.sign * x.bought::int), sum(x.sign * x.lines)
    FROM (SELECT sign, order_key, day, store_key, product_key,
                 sum(net_amount) AS sales, sum(profit) AS profit, sum(quantity) AS quantity,
                 bool_or(quantity > 0) AS bought, count(*) AS lines
          FROM {lines} x
          GROUP BY sign, order_key, day, store_key, product_key) x
    CROSS JOIN (VALUES ('d'), ('m')) AS k(kind)
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, day, store_key, product_key) DO UPDATE SET
        sales = t.sales + EXCLUDED.sales, profit = t.profit + EXCLUDED.profit,
        quantity = t.quantity + EXCLUDED.quantity, orders = t.orders + EXCLUDED.orders,
        lines = t.lines + EXCLUDED.lines;
    DELETE FROM rollup_product_stores WHERE lines = 0;
"""


UPSERT = _added("rollup_delta")

FACT_LINES = """(SELECT 1 AS sign, o.order_key, o.order_date AS day, o.store_key, l.product_key, l.quantity,
                l.net_amount, l.profit
         FROM order_lines l JOIN orders o ON o.order_key = l.order_key
         WHERE o.status <> 'cancelled')"""

UPSERTS_0018 = PREVIOUS.UPSERTS_0017 + PREVIOUS.UPSERT
ROLLUPS = f"{PREVIOUS.ROLLUPS}, rollup_product_stores"


def upgrade() -> None:
    op.execute(TABLE)
    PAIRS._install(UPSERTS_0018 + UPSERT, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_added(FACT_LINES))


def downgrade() -> None:
    PAIRS._install(UPSERTS_0018, PREVIOUS.ROLLUPS)
    op.execute("DROP TABLE rollup_product_stores")
