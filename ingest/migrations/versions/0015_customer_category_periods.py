"""Each customer's months and years per category, kept by the rollup triggers.

Under a category filter the customers page (ranking, repeat rate, new vs returning, RFM) added
up each customer's lines from the facts: at 10M lines, five years of Furniture in two stores
took 2.3–4.3 s per figure, five figures per page. customer_periods cannot answer it: its rows
do not know which categories their sales were in.

customer_category_periods holds, per month and year (kind 'm', 'y'; period = the first day),
category, customer and store, the sums of that category's lines: sales, profit, quantity,
lines, orders (orders with a purchase in the category) and last_bought (the cell's last day
with one). Orders do not add up across categories (a chair and a lamp in one order are one
order under "Furniture or Technology"), so the table answers a filter on one category; two or
more still read the facts. Keyed by the order's set of categories it could answer any filter,
but measured at 10M lines that made 7.7M rows (2 GB), cost 4.7 s per 200k-line import and
read 1.1 s for five years of one category: an order set splits a customer's year ~3 ways.

A maximum is not additive: a month row that loses a purchase gets last_bought again from the
orders of that customer, month and store (found through orders (customer_key, order_date)),
then the year rows from their months. The ragged days of a range come from the facts.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PREVIOUS = migration("0014_upkeep_of_big_deltas")
PAIRS = PREVIOUS.PAIRS  # 0011: _install

# Reads take one category's months or years, so the key leads with them.
TABLE = """
CREATE TABLE customer_category_periods (
    kind         char(1) NOT NULL CHECK (kind IN ('m', 'y')),
    period       date NOT NULL,
    category     text NOT NULL,
    customer_key bigint NOT NULL,
    store_key    integer,
    sales        numeric NOT NULL,
    profit       numeric NOT NULL,
    quantity     numeric NOT NULL,
    orders       bigint NOT NULL,
    lines        bigint NOT NULL,
    last_bought  date,
    UNIQUE NULLS NOT DISTINCT (kind, period, category, customer_key, store_key)
);
CREATE INDEX customer_category_periods_empty ON customer_category_periods (kind) WHERE lines = 0;
"""

KINDS = "(VALUES ('m', 'month'), ('y', 'year')) AS k(kind, unit)"


def _added(lines: str) -> str:
    """Upsert of `lines` (sign, order_key, day, customer_key, store_key, category, quantity,
    net_amount, profit) into the months and years, per order first (it counts once per cell)."""
    return f"""
    INSERT INTO customer_category_periods AS t
        (kind, period, category, customer_key, store_key, sales, profit, quantity, orders, lines, last_bought)
    SELECT k.kind, date_trunc(k.unit, x.day)::date, x.category, x.customer_key, x.store_key,
           sum(x.sign * x.sales), sum(x.sign * x.profit), sum(x.sign * x.quantity),
           sum(x.sign * x.bought::int), sum(x.sign * x.lines),
           max(x.day) FILTER (WHERE x.sign > 0 AND x.bought)
    FROM (SELECT sign, order_key, day, customer_key, store_key, category,
                 sum(net_amount) AS sales, sum(profit) AS profit, sum(quantity) AS quantity,
                 count(*) AS lines, bool_or(quantity > 0) AS bought
          FROM {lines} x WHERE customer_key IS NOT NULL
          GROUP BY sign, order_key, day, customer_key, store_key, category) x
    CROSS JOIN {KINDS}
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (kind, period, category, customer_key, store_key) DO UPDATE SET
        sales = t.sales + EXCLUDED.sales, profit = t.profit + EXCLUDED.profit,
        quantity = t.quantity + EXCLUDED.quantity, orders = t.orders + EXCLUDED.orders,
        lines = t.lines + EXCLUDED.lines, last_bought = greatest(t.last_bought, EXCLUDED.last_bought);
    DELETE FROM customer_category_periods WHERE lines = 0;
"""


# The cells (period of `unit`, category, customer, store) where the delta took a purchase away.
LOST = """
        SELECT date_trunc('{unit}', d.day)::date, d.category, d.customer_key, coalesce(d.store_key, -1)
        FROM rollup_delta d WHERE d.sign < 0 AND d.quantity > 0 AND d.customer_key IS NOT NULL"""
CELL = "(t.period, t.category, t.customer_key, coalesce(t.store_key, -1))"

LAST_BOUGHT_AGAIN = f"""
    UPDATE customer_category_periods t SET last_bought = (
        SELECT max(o.order_date) FROM orders o
        WHERE o.customer_key = t.customer_key
          AND o.order_date >= t.period AND o.order_date < t.period + interval '1 month'
          AND o.store_key IS NOT DISTINCT FROM t.store_key AND o.status <> 'cancelled'
          AND EXISTS (SELECT FROM order_lines l JOIN products p ON p.product_key = l.product_key
                      WHERE l.order_key = o.order_key AND l.quantity > 0 AND p.category = t.category))
    WHERE t.kind = 'm' AND {CELL} IN ({LOST.format(unit="month")});
    UPDATE customer_category_periods t SET last_bought = (
        SELECT max(m.last_bought) FROM customer_category_periods m
        WHERE m.kind = 'm' AND m.period >= t.period AND m.period < t.period + interval '1 year'
          AND m.category = t.category AND m.customer_key = t.customer_key
          AND m.store_key IS NOT DISTINCT FROM t.store_key)
    WHERE t.kind = 'y' AND {CELL} IN ({LOST.format(unit="year")});
"""

UPSERT = _added("rollup_delta") + LAST_BOUGHT_AGAIN

FACT_LINES = """(SELECT 1 AS sign, o.order_key, o.order_date AS day, o.customer_key, o.store_key, p.category,
                l.quantity, l.net_amount, l.profit
         FROM order_lines l
         JOIN orders o ON o.order_key = l.order_key
         JOIN products p ON p.product_key = l.product_key
         WHERE o.status <> 'cancelled')"""

UPSERTS_0014 = PREVIOUS.UPSERTS
ROLLUPS = f"{PREVIOUS.PREVIOUS.ROLLUPS}, customer_category_periods"


def upgrade() -> None:
    op.execute(TABLE)
    PAIRS._install(UPSERTS_0014 + UPSERT, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_added(FACT_LINES))


def downgrade() -> None:
    PAIRS._install(UPSERTS_0014, PREVIOUS.PREVIOUS.ROLLUPS)
    op.execute("DROP TABLE customer_category_periods")
