"""Sales per sub-category, kept by the rollup triggers like rollup_category.

The products page shows a category's sub-categories when the filter names that category (or a
click drills into it). Only the lines know a sub-category, so that level read the facts: at 10M
lines, five years of Furniture in two stores took 1.7 s, every line of the range joined with its
order and product. rollup_subcategory is rollup_category one level down: day and month rows
(kind 'd', 'm') per segment, region, store, category and sub-category with sales, profit,
quantity, lines and orders (orders with a purchase in that sub-category; they do not add up
across sub-categories, so a filter reads the rows of one category's sub-categories only).

The delta carries the line's category but not its sub-category, which the upkeep reads from
the product. A product that moves to another category or sub-category therefore needs more
than the delta: after the 0007 trigger has moved its orders (under the old category and the new
sub-category on the way out), a trigger of its own rebuilds from the facts every cell of the
categories and sub-categories involved, old and new. Products rarely move; when they do, an
import pays for the rebuild of a few sub-categories' rows.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

PREVIOUS = migration("0016_rollup_product_totals")
PAIRS = PREVIOUS.PAIRS  # 0011: _install

TABLE = """
CREATE TABLE rollup_subcategory (
    kind         char(1) NOT NULL CHECK (kind IN ('d', 'm')),
    day          date NOT NULL,
    segment      text,
    region       text,
    store_key    integer,
    category     text NOT NULL,
    sub_category text NOT NULL,
    sales        numeric NOT NULL,
    profit       numeric NOT NULL,
    quantity     numeric NOT NULL,
    orders       bigint NOT NULL,
    lines        bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, day, segment, region, store_key, category, sub_category)
);
CREATE INDEX rollup_subcategory_empty ON rollup_subcategory (kind) WHERE lines = 0;
"""


def _added(lines: str) -> str:
    """Upsert of `lines` (sign, order_key, day, segment, region, store_key, category, sub_category,
    quantity, net_amount, profit) into the day and month rows, per order first (an order counts
    once per cell however many of its lines are there)."""
    return f"""
    INSERT INTO rollup_subcategory AS r
        (kind, day, segment, region, store_key, category, sub_category, sales, profit, quantity, orders, lines)
    SELECT k.kind, CASE WHEN k.kind = 'd' THEN x.day ELSE date_trunc('month', x.day)::date END,
           x.segment, x.region, x.store_key, x.category, x.sub_category,
           sum(x.sign * x.sales), sum(x.sign * x.profit), sum(x.sign * x.quantity),
           sum(x.sign * x.bought::int), sum(x.sign * x.lines)
    FROM (SELECT sign, order_key, day, segment, region, store_key, category, sub_category,
                 sum(net_amount) AS sales, sum(profit) AS profit, sum(quantity) AS quantity,
                 bool_or(quantity > 0) AS bought, count(*) AS lines
          FROM {lines} x
          GROUP BY sign, order_key, day, segment, region, store_key, category, sub_category) x
    CROSS JOIN (VALUES ('d'), ('m')) AS k(kind)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 2, 3, 4, 5, 6, 7
    ON CONFLICT (kind, day, segment, region, store_key, category, sub_category) DO UPDATE SET
        sales = r.sales + EXCLUDED.sales, profit = r.profit + EXCLUDED.profit,
        quantity = r.quantity + EXCLUDED.quantity, orders = r.orders + EXCLUDED.orders,
        lines = r.lines + EXCLUDED.lines;
    DELETE FROM rollup_subcategory WHERE lines = 0;
"""


DELTA_LINES = """(SELECT d.sign, d.order_key, d.day, d.segment, d.region, d.store_key, d.category,
                 p.sub_category, d.quantity, d.net_amount, d.profit
          FROM rollup_delta d JOIN products p ON p.product_key = d.product_key)"""
UPSERT = _added(DELTA_LINES)


def _fact_lines(where: str = "") -> str:
    return f"""(SELECT 1 AS sign, o.order_key, o.order_date AS day, c.segment, c.region, o.store_key,
                 p.category, p.sub_category, l.quantity, l.net_amount, l.profit
          FROM order_lines l
          JOIN orders o ON o.order_key = l.order_key
          JOIN products p ON p.product_key = l.product_key
          LEFT JOIN customers c ON c.customer_key = o.customer_key
          WHERE o.status <> 'cancelled' {where})"""


# Every (category, sub-category) a moved product was or is in, crossed: the 0007 trigger's
# delta left the way out under the old category but the new sub-category.
MOVED = """(SELECT c.category, s.sub_category
    FROM new_products n JOIN old_products x USING (product_key)
    CROSS JOIN LATERAL (VALUES (n.category), (x.category)) c(category)
    CROSS JOIN LATERAL (VALUES (n.sub_category), (x.sub_category)) s(sub_category)
    WHERE (n.category, n.sub_category) IS DISTINCT FROM (x.category, x.sub_category))"""

# Named to fire after rollup_products_updated (triggers of one event fire in name order).
MOVED_TRIGGER = f"""
CREATE FUNCTION rollup_subcategory_products_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Every import upserts its products: most updates move nothing, and must cost nothing.
    IF EXISTS (SELECT 1 FROM {MOVED} m) THEN
        DELETE FROM rollup_subcategory r USING {MOVED} m
        WHERE r.category = m.category AND r.sub_category = m.sub_category;
        {_added(_fact_lines(f"AND (p.category, p.sub_category) IN (SELECT category, sub_category FROM {MOVED} m)"))}
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_subcategory_products_updated AFTER UPDATE ON products
    REFERENCING OLD TABLE AS old_products NEW TABLE AS new_products
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_subcategory_products_updated();
"""

UPSERTS_0016 = PREVIOUS.UPSERTS_0015 + PREVIOUS.UPSERT
ROLLUPS = f"{PREVIOUS.ROLLUPS}, rollup_subcategory"


def upgrade() -> None:
    op.execute(TABLE)
    PAIRS._install(UPSERTS_0016 + UPSERT, ROLLUPS)
    op.execute(MOVED_TRIGGER)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(_added(_fact_lines()))


def downgrade() -> None:
    op.execute("DROP TRIGGER rollup_subcategory_products_updated ON products")
    op.execute("DROP FUNCTION rollup_subcategory_products_updated()")
    PAIRS._install(UPSERTS_0016, PREVIOUS.ROLLUPS)
    op.execute("DROP TABLE rollup_subcategory")
