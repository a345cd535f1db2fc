"""Products bought together, per month, kept by the rollup triggers.

"Also bought" needs, within a filter, how many orders bought X and Y together, how many bought
X, and how many bought each Y. From the facts that is a self-join of every basket in the range:
at 10M lines the best seller sits on 678k lines, and five years took over 15 s (one year ~10 s).

rollup_pairs holds, per month, segment, region and store (the attributes an order is counted
under, as in the other rollups), for each product bought (a line of positive quantity) and
each product bought in the same order, the number of such orders. The pair of a product with
itself is the number of orders that bought it, so one table answers all three counts. Distinct
orders add up across months and cells: an order has one date, one customer and one store.

Its one index is (month, product, other product, ...) and includes the count:
- reads are index-only: one product's rows are scattered over the heap (a five-year read
  touched 15k heap pages at 1M lines);
- a product's rows in a range of months are one skip scan (PostgreSQL 18: a descent per
  month), 19 ms for the best seller's five years at 1M instead of ~40 ms led by the product;
- an import's new orders go to the index's newest months, not all over it: the upsert of
  200k lines' pairs took 3.7 s instead of 5.1 s (354k new rows).

Measured at 10M lines: one month has 374k (order, product, product) triples that fall into
162k rows, so ~10M rows for five years; the best seller's five years are ~150k of them.
Month rows only: the ragged ends of a range come from the facts (a few weeks at most).

Like rollup_orders, the upkeep relies on the writers' invariant (an order's lines are written
and deleted together): the pairs of an order come from its lines in the delta.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


PREVIOUS = migration("0010_customer_periods")
FUNCTIONS = PREVIOUS.PREVIOUS  # 0009: rollup_apply and rollup_truncated from their parts

TABLE = """
CREATE TABLE rollup_pairs (
    month       date NOT NULL,
    segment     text,
    region      text,
    store_key   integer,
    product_key integer NOT NULL,
    other_key   integer NOT NULL,  -- = product_key: the orders that bought the product
    orders      bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (month, product_key, other_key, segment, region, store_key) INCLUDE (orders)
);
CREATE INDEX rollup_pairs_empty ON rollup_pairs (product_key) WHERE orders = 0;
"""

# Each order's distinct products bought, then every ordered pair of them (itself included).
# Joined on sign too: a replaced order is in the delta twice, old lines -1 and new lines +1.
PAIRS_UPSERT = """
    WITH bought AS (
        SELECT DISTINCT sign, order_key, date_trunc('month', day)::date AS month, segment, region, store_key,
                        product_key
        FROM rollup_delta WHERE quantity > 0
    )
    INSERT INTO rollup_pairs AS t (month, segment, region, store_key, product_key, other_key, orders)
    SELECT x.month, x.segment, x.region, x.store_key, x.product_key, y.product_key, sum(x.sign)
    FROM bought x JOIN bought y ON y.order_key = x.order_key AND y.sign = x.sign
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (month, product_key, other_key, segment, region, store_key) DO UPDATE SET
        orders = t.orders + EXCLUDED.orders;
    DELETE FROM rollup_pairs WHERE orders = 0;
"""

BACKFILL = """
SET LOCAL work_mem = '256MB';
INSERT INTO rollup_pairs (month, segment, region, store_key, product_key, other_key, orders)
WITH bought AS (
    SELECT DISTINCT o.order_key, date_trunc('month', o.order_date)::date AS month, c.segment, c.region,
                    o.store_key, l.product_key
    FROM order_lines l
    JOIN orders o ON o.order_key = l.order_key
    LEFT JOIN customers c ON c.customer_key = o.customer_key
    WHERE o.status <> 'cancelled' AND l.quantity > 0
)
SELECT x.month, x.segment, x.region, x.store_key, x.product_key, y.product_key, count(*)
FROM bought x JOIN bought y ON y.order_key = x.order_key
GROUP BY 1, 2, 3, 4, 5, 6;
"""

UPSERTS_0010 = FUNCTIONS.LIFETIME_UPSERT + PREVIOUS.UPSERTS
ROLLUPS = f"{PREVIOUS.ROLLUPS}, rollup_pairs"


def _install(upserts: str, rollups: str) -> None:
    op.execute(FUNCTIONS._functions(upserts, rollups))
    op.execute("ALTER FUNCTION rollup_apply() SET work_mem = '128MB'")  # a replaced function loses it


def upgrade() -> None:
    op.execute(TABLE)
    _install(UPSERTS_0010 + PAIRS_UPSERT, ROLLUPS)
    op.execute(BACKFILL)


def downgrade() -> None:
    _install(UPSERTS_0010, PREVIOUS.ROLLUPS)
    op.execute("DROP TABLE rollup_pairs")
