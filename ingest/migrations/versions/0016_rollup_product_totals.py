"""Each product's days and months over every customer and store, kept by the rollup triggers.

The products page ranks products (top products, sales by product) from rollup_product, whose
month rows are split by segment, region and store and which has no day rows (per product and
day they would be about as many as the lines). At 10M lines, five years read its 522k month
rows and the ragged days' ~250k lines from the facts: ~950 ms for top products, with no filter
at all, which is how the page opens.

rollup_product_totals holds per day and month (kind 'd', 'm') and product: sales, profit,
quantity, lines and orders (orders with a purchase of the product). Without segment, region and
store there is one row per product and day: ~370k day rows and ~12k month rows for five years
of 200 products, whatever the lines. A filter that names no segment, region or store (and an
asker without row limits) reads whole months and the ragged days from here; the others still
read rollup_product and the facts. A category filter applies through the product.

All of it adds up (an order has one date), so the upkeep is one upsert of the delta. A
customer's new segment or a product's new category reaches the delta as the same lines taken
off and put back under the same product and day: nothing changes here.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PREVIOUS = migration("0015_customer_category_periods")
PAIRS = PREVIOUS.PAIRS  # 0011: _install

TABLE = """
CREATE TABLE rollup_product_totals (
    kind        char(1) NOT NULL CHECK (kind IN ('d', 'm')),
    day         date NOT NULL,
    product_key integer NOT NULL,
    sales       numeric NOT NULL,
    profit      numeric NOT NULL,
    quantity    numeric NOT NULL,
    orders      bigint NOT NULL,
    lines       bigint NOT NULL,
    UNIQUE (kind, day, product_key)
);
CREATE INDEX rollup_product_totals_empty ON rollup_product_totals (kind) WHERE lines = 0;
"""


def _added(lines: str) -> str:
    """Upsert of `lines` (sign, order_key, day, product_key, quantity, net_amount, profit) into
    the day and month rows, per order first (an order counts once per product and day)."""
    return f"""
    INSERT INTO rollup_product_totals AS t (kind, day, product_key, sales, profit, quantity, orders, lines)
    SELECT k.kind, CASE WHEN k.kind = 'd' THEN x.day ELSE date_trunc('month', x.day)::date END, x.product_key,
           sum(x.sign * x.sales), sum(x.sign * x.profit), sum(x.sign * x.quantity),
           sum(x.sign * x.bought::int), sum(x.sign * x.lines)
    FROM (SELECT sign, order_key, day, product_key,
                 sum(net_amount) AS sales, sum(profit) AS profit, sum(quantity) AS quantity,
                 bool_or(quantity > 0) AS bought, count(*) AS lines
          FROM {lines} x
          GROUP BY sign, order_key, day, product_key) x
    CROSS JOIN (VALUES ('d'), ('m')) AS k(kind)
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (kind, day, product_key) DO UPDATE SET
        sales = t.sales + EXCLUDED.sales, profit = t.profit + EXCLUDED.profit,
        quantity = t.quantity + EXCLUDED.quantity, orders = t.orders + EXCLUDED.orders,
        lines = t.lines + EXCLUDED.lines;
    DELETE FROM rollup_product_totals WHERE lines = 0;
"""


UPSERT = _added("rollup_delta")

FACT_LINES = """(SELECT 1 AS sign, o.order_key, o.order_date AS day, l.product_key, l.quantity, l.net_amount, l.profit
         FROM order_lines l JOIN orders o ON o.order_key = l.order_key
         WHERE o.status <> 'cancelled')"""

UPSERTS_0015 = PREVIOUS.UPSERTS_0014 + PREVIOUS.UPSERT
ROLLUPS = f"{PREVIOUS.ROLLUPS}, rollup_product_totals"


def upgrade() -> None:
    op.execute(TABLE)
    PAIRS._install(UPSERTS_0015 + UPSERT, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_added(FACT_LINES))


def downgrade() -> None:
    PAIRS._install(UPSERTS_0015, PREVIOUS.ROLLUPS)
    op.execute("DROP TABLE rollup_product_totals")
