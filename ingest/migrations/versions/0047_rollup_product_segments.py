"""Each product's days and months per segment and region, kept by the rollup triggers.

Under a segment or region the products ranking (data_access.products) read rollup_product's
month rows and its ragged days from the lines, joined to their orders and customers: at 10M
lines a quarter for one segment ~110-150 ms, of which the eleven days of lines ~135; a week for
two segments read all its days from the lines. rollup_product has month rows only: per product
and day, split by store as well, it would hold about as many rows as there are lines.

rollup_product_segments is rollup_product_totals (0016) per segment and region, without the
store: per day and month (kind 'd', 'm'), segment, region (the customer's; NULL without one)
and product, sales, profit, quantity, lines and orders with a purchase of the product. A day
has ~2.2k such rows at 10M lines, where it has ~5.7k lines. All of it adds up (an order has one
date and one customer), so the upkeep is one upsert of the delta, as 0019's; a customer who
changes segment or region comes through the delta as lines taken off and filed again, as for
every rollup with those columns. Partitioned by kind, as 0020 split the others.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0047"
down_revision = "0046"
branch_labels = None
depends_on = None

STORE_COHORTS = migration("0044_rollup_store_cohorts")
APPLY = STORE_COHORTS.UPSERTS  # rollup_apply as it is
INSTALL = STORE_COHORTS.INSTALL
ROLLUPS = f"{STORE_COHORTS.ROLLUPS}, rollup_product_segments"

TABLE = """
CREATE TABLE rollup_product_segments (
    kind        char(1) NOT NULL CHECK (kind IN ('d', 'm')),
    day         date NOT NULL,
    segment     text,
    region      text,
    product_key integer NOT NULL,
    sales       numeric NOT NULL,
    profit      numeric NOT NULL,
    quantity    numeric NOT NULL,
    orders      bigint NOT NULL,
    lines       bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, day, segment, region, product_key)
) PARTITION BY LIST (kind);
CREATE TABLE rollup_product_segments_d PARTITION OF rollup_product_segments FOR VALUES IN ('d');
CREATE TABLE rollup_product_segments_m PARTITION OF rollup_product_segments FOR VALUES IN ('m');
CREATE INDEX rollup_product_segments_empty ON rollup_product_segments (kind) WHERE lines = 0;
"""


def _added(lines: str) -> str:
    """Upsert of `lines` (sign, order_key, day, segment, region, product_key, quantity,
    net_amount, profit) into the day and month rows, per order first (an order counts once per
    product), in bigint units until the sums are written (as 0032 keeps the others), in key
    order (as 0020 writes the split tables)."""
    return f"""
    INSERT INTO rollup_product_segments AS t
        (kind, day, segment, region, product_key, sales, profit, quantity, orders, lines)
    SELECT k.kind, CASE WHEN k.kind = 'd' THEN x.day ELSE date_trunc('month', x.day)::date END,
           x.segment, x.region, x.product_key,
           bigint_sum(x.sign * x.sales) * 0.0001, bigint_sum(x.sign * x.profit) * 0.0001,
           bigint_sum(x.sign * x.quantity) * 0.001, bigint_sum(x.sign * x.bought::int), bigint_sum(x.sign * x.lines)
    FROM (SELECT sign, order_key, day, segment, region, product_key,
                 bigint_sum((net_amount * 10000)::bigint) AS sales, bigint_sum((profit * 10000)::bigint) AS profit,
                 bigint_sum((quantity * 1000)::bigint) AS quantity, bool_or(quantity > 0) AS bought,
                 count(*) AS lines
          FROM {lines} x
          GROUP BY sign, order_key, day, segment, region, product_key) x
    CROSS JOIN (VALUES ('d'), ('m')) AS k(kind)
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (kind, day, segment, region, product_key) DO UPDATE SET
        sales = t.sales + EXCLUDED.sales, profit = t.profit + EXCLUDED.profit,
        quantity = t.quantity + EXCLUDED.quantity, orders = t.orders + EXCLUDED.orders,
        lines = t.lines + EXCLUDED.lines;
    DELETE FROM rollup_product_segments WHERE lines = 0;
"""


UPSERT = _added("rollup_delta")
UPSERTS = APPLY + UPSERT  # rollup_apply as this migration leaves it

FACT_LINES = """(SELECT 1 AS sign, o.order_key, o.order_date AS day, c.segment, c.region, l.product_key,
                l.quantity, l.net_amount, l.profit
         FROM order_lines l JOIN orders o ON o.order_key = l.order_key
         LEFT JOIN customers c ON c.customer_key = o.customer_key
         WHERE o.status <> 'cancelled')"""


def upgrade() -> None:
    op.execute(TABLE)
    INSTALL(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_added(FACT_LINES))
    # Autovacuum analyzes the partitions, never their parent: its statistics are taken now.
    op.execute("ANALYZE rollup_product_segments")


def downgrade() -> None:
    INSTALL(APPLY, STORE_COHORTS.ROLLUPS)
    op.execute("DROP TABLE rollup_product_segments")
