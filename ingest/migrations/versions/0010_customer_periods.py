"""Each customer's months and years with their totals, kept by the rollup triggers.

At 10M lines (~100k customers buying ~40 orders each) the customers page summed 4.3M
customer_orders rows per customer for an all-time filter: 3.6 s for the ranking, 8.5 s for new
vs returning, 5.7 s for cohorts. Per customer and month there are 5x fewer rows (870k), per
customer and year 23x fewer (180k). customer_periods holds both (kind 'm' and 'y', period = the
first day), per store, with the sums customer_orders has: a date range reads whole years, then
whole months, and only its ragged days from customer_orders.

- orders: orders with a purchase in the cell; lines: all lines (the cell goes at zero);
  last_bought: the cell's last day with a purchase, for recency. A maximum is not additive: a
  cell that loses a purchase gets it recomputed from customer_orders, found through the orders'
  (customer_key, order_date) index.
- customer_orders and customer_periods now share one pass over the delta (per order first).
- rollup_apply gets the larger work_mem that 0008 gave only to the 0007 grains.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


PREVIOUS = migration("0009_customer_orders")

TABLE = """
CREATE TABLE customer_periods (
    kind         char(1) NOT NULL CHECK (kind IN ('m', 'y')),
    period       date NOT NULL,
    customer_key bigint NOT NULL,
    store_key    integer,
    sales        numeric NOT NULL,
    profit       numeric NOT NULL,
    quantity     numeric NOT NULL,
    orders       bigint NOT NULL,
    lines        bigint NOT NULL,
    last_bought  date,
    UNIQUE NULLS NOT DISTINCT (kind, period, customer_key, store_key)
);
CREATE INDEX customer_periods_empty ON customer_periods (kind) WHERE lines = 0;
"""

KINDS = "(VALUES ('m', 'month'), ('y', 'year')) AS k(kind, unit)"

# Per order first (so an order counts once however many of its lines are in the delta), then
# into the orders and the periods; the periods' greatest() keeps the later last purchase.
UPSERTS = f"""
    WITH per_order AS (
        SELECT sign, order_key, day, customer_key, store_key, sum(net_amount) AS sales, sum(profit) AS profit,
               sum(quantity) AS quantity, count(*) AS lines, count(*) FILTER (WHERE quantity > 0) AS bought_lines
        FROM rollup_delta WHERE customer_key IS NOT NULL
        GROUP BY sign, order_key, day, customer_key, store_key
    ), orders_upsert AS (
        INSERT INTO customer_orders AS t
            (order_key, order_date, customer_key, store_key, sales, profit, quantity, lines, bought_lines)
        SELECT order_key, day, customer_key, store_key, sum(sign * sales), sum(sign * profit),
               sum(sign * quantity), sum(sign * lines), sum(sign * bought_lines)
        FROM per_order
        GROUP BY order_key, day, customer_key, store_key
        ON CONFLICT (order_key, order_date, customer_key, store_key) DO UPDATE SET
            sales = t.sales + EXCLUDED.sales, profit = t.profit + EXCLUDED.profit,
            quantity = t.quantity + EXCLUDED.quantity, lines = t.lines + EXCLUDED.lines,
            bought_lines = t.bought_lines + EXCLUDED.bought_lines
    )
    INSERT INTO customer_periods AS t
        (kind, period, customer_key, store_key, sales, profit, quantity, orders, lines, last_bought)
    SELECT k.kind, date_trunc(k.unit, x.day)::date, x.customer_key, x.store_key,
           sum(x.sign * x.sales), sum(x.sign * x.profit), sum(x.sign * x.quantity),
           sum(x.sign * (x.bought_lines > 0)::int), sum(x.sign * x.lines),
           max(x.day) FILTER (WHERE x.sign > 0 AND x.bought_lines > 0)
    FROM per_order x CROSS JOIN {KINDS}
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (kind, period, customer_key, store_key) DO UPDATE SET
        sales = t.sales + EXCLUDED.sales, profit = t.profit + EXCLUDED.profit,
        quantity = t.quantity + EXCLUDED.quantity, orders = t.orders + EXCLUDED.orders,
        lines = t.lines + EXCLUDED.lines, last_bought = greatest(t.last_bought, EXCLUDED.last_bought);
    DELETE FROM customer_orders WHERE lines = 0;
    DELETE FROM customer_periods WHERE lines = 0;

    UPDATE customer_periods t SET last_bought = (
        SELECT max(c.order_date)
        FROM orders o JOIN customer_orders c ON c.order_key = o.order_key AND c.customer_key = o.customer_key
        WHERE o.customer_key = t.customer_key
          AND o.order_date >= t.period
          AND o.order_date < t.period + CASE t.kind WHEN 'm' THEN interval '1 month' ELSE interval '1 year' END
          AND c.store_key IS NOT DISTINCT FROM t.store_key AND c.bought_lines > 0)
    WHERE (t.kind, t.period, t.customer_key, coalesce(t.store_key, -1)) IN (
        SELECT k.kind, date_trunc(k.unit, d.day)::date, d.customer_key, coalesce(d.store_key, -1)
        FROM rollup_delta d CROSS JOIN {KINDS}
        WHERE d.sign < 0 AND d.quantity > 0 AND d.customer_key IS NOT NULL);
"""

BACKFILL = f"""
INSERT INTO customer_periods
    (kind, period, customer_key, store_key, sales, profit, quantity, orders, lines, last_bought)
SELECT k.kind, date_trunc(k.unit, c.order_date)::date, c.customer_key, c.store_key,
       sum(c.sales), sum(c.profit), sum(c.quantity), count(*) FILTER (WHERE c.bought_lines > 0), sum(c.lines),
       max(c.order_date) FILTER (WHERE c.bought_lines > 0)
FROM customer_orders c CROSS JOIN {KINDS}
GROUP BY 1, 2, 3, 4;
"""

ROLLUPS = f"{PREVIOUS.ROLLUPS_0008}, customer_orders, customer_periods"


def upgrade() -> None:
    op.execute(TABLE)
    op.execute(PREVIOUS._functions(PREVIOUS.LIFETIME_UPSERT + UPSERTS, ROLLUPS))
    op.execute("ALTER FUNCTION rollup_apply() SET work_mem = '128MB'")
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("ALTER FUNCTION rollup_apply() RESET work_mem")
    upserts = PREVIOUS.LIFETIME_UPSERT + PREVIOUS.ORDERS_UPSERT
    op.execute(PREVIOUS._functions(upserts, f"{PREVIOUS.ROLLUPS_0008}, customer_orders"))
    op.execute("DROP TABLE customer_periods")
