"""Rollups: the fact table pre-aggregated at the grains the pages read, kept exact by triggers.

Why triggers: every writer (file import, undo, live feed, demo load, a DBA's psql) changes the
facts inside some transaction, and a statement-level trigger with transition tables updates the
rollups in that same transaction, once per statement, whatever the writer. No writer can forget
to, and there is no stale window or nightly rebuild.

Each rollup holds day rows (kind 'd') and month rows (kind 'm', day = the 1st): a date range
reads whole months from the month rows and only its ragged ends from the day rows.

- rollup_category: (day, segment, region, store, category) -> sales, profit, quantity, lines,
  orders = orders with a purchase (a line of positive quantity) in that category.
- rollup_product: the same per product, month rows only: per product and day there are about
  as many rows as lines (measured: 858k day rows for 1M lines), so ragged ends come from the facts.
- rollup_orders: (day, segment, region, store, the set of categories the order bought) -> orders.
  Distinct orders are additive across days and customers (an order has one date and one
  customer) but not across categories; keyed by the set, any category filter is a sum.
- customer_activity(_detail): for each customer (and store, category) the days they bought, as
  a datemultirange: "customers in a range" is a count of rows whose days overlap it.

Invariant the writers keep (bulk.delete_orders, load_lines, undo): an order's lines are written
and deleted together, lines after their order is inserted and before it is deleted.
Segment and region come from the customer (NULL without one); stores are keyed by store_key,
so renaming a store changes nothing here; a customer's new segment or region, or a product's
new category, moves that customer's or those orders' contributions (triggers below).
Needs PostgreSQL 15+ (UNIQUE NULLS NOT DISTINCT).
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = """
CREATE TABLE rollup_category (
    kind      char(1) NOT NULL CHECK (kind IN ('d', 'm')),
    day       date NOT NULL,
    segment   text,
    region    text,
    store_key integer,
    category  text NOT NULL,
    sales     numeric NOT NULL,
    profit    numeric NOT NULL,
    quantity  numeric NOT NULL,
    orders    bigint NOT NULL,
    lines     bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, day, segment, region, store_key, category)
);
CREATE INDEX rollup_category_empty ON rollup_category (kind) WHERE lines = 0;

CREATE TABLE rollup_product (
    kind        char(1) NOT NULL CHECK (kind IN ('d', 'm')),
    day         date NOT NULL,
    segment     text,
    region      text,
    store_key   integer,
    product_key integer NOT NULL,
    sales       numeric NOT NULL,
    profit      numeric NOT NULL,
    quantity    numeric NOT NULL,
    orders      bigint NOT NULL,
    lines       bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, day, segment, region, store_key, product_key)
);
CREATE INDEX rollup_product_empty ON rollup_product (kind) WHERE lines = 0;

CREATE TABLE rollup_orders (
    kind       char(1) NOT NULL CHECK (kind IN ('d', 'm')),
    day        date NOT NULL,
    segment    text,
    region     text,
    store_key  integer,
    categories text[] NOT NULL,
    orders     bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, day, segment, region, store_key, categories)
);
CREATE INDEX rollup_orders_empty ON rollup_orders (kind) WHERE orders = 0;

CREATE TABLE customer_activity (
    customer_key bigint PRIMARY KEY,
    segment      text NOT NULL,
    region       text NOT NULL,
    active       datemultirange NOT NULL
);

CREATE TABLE customer_activity_detail (
    customer_key bigint NOT NULL,
    segment      text NOT NULL,
    region       text NOT NULL,
    store_key    integer,
    category     text NOT NULL,
    active       datemultirange NOT NULL,
    UNIQUE NULLS NOT DISTINCT (customer_key, store_key, category)
);
"""

# The signed lines a statement added (+1) or took away (-1), with the attributes they are
# counted under. A temp table, so one apply function serves every trigger.
PREPARE = """
CREATE FUNCTION rollup_prepare() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('pg_temp.rollup_delta') IS NULL THEN
        CREATE TEMP TABLE rollup_delta (
            sign         smallint NOT NULL,
            order_key    bigint NOT NULL,
            day          date NOT NULL,
            segment      text,
            region       text,
            store_key    integer,
            customer_key bigint,
            category     text NOT NULL,
            product_key  integer NOT NULL,
            quantity     numeric NOT NULL,
            net_amount   numeric NOT NULL,
            profit       numeric NOT NULL
        ) ON COMMIT DELETE ROWS;
    END IF;
END $$;
"""


# A delta row's day, or the first of its month for the month rows.
BUCKET = "CASE WHEN k.kind = 'd' THEN x.day ELSE date_trunc('month', x.day)::date END"


def _measures_upsert(table: str, key: str, kinds: str = "('d'), ('m')") -> str:
    """Sales, profit, quantity, lines and orders of the delta into a rollup keyed by `key`.
    Per order first, so an order counts once per cell however many of its lines are there."""
    return f"""
    INSERT INTO {table} AS r (kind, day, segment, region, store_key, {key}, sales, profit, quantity, orders, lines)
    SELECT k.kind, {BUCKET},
           x.segment, x.region, x.store_key, x.{key},
           sum(x.sign * x.sales), sum(x.sign * x.profit), sum(x.sign * x.quantity),
           sum(x.sign * x.bought::int), sum(x.sign * x.lines)
    FROM (SELECT sign, order_key, day, segment, region, store_key, {key},
                 sum(net_amount) AS sales, sum(profit) AS profit, sum(quantity) AS quantity,
                 bool_or(quantity > 0) AS bought, count(*) AS lines
          FROM rollup_delta
          GROUP BY sign, order_key, day, segment, region, store_key, {key}) x
    CROSS JOIN (VALUES {kinds}) AS k(kind)
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (kind, day, segment, region, store_key, {key}) DO UPDATE SET
        sales = r.sales + EXCLUDED.sales, profit = r.profit + EXCLUDED.profit,
        quantity = r.quantity + EXCLUDED.quantity, orders = r.orders + EXCLUDED.orders,
        lines = r.lines + EXCLUDED.lines;
    DELETE FROM {table} WHERE lines = 0;
    """


# Customers who lost purchases are recomputed from the facts as they now are (a day stays
# active while any purchase is left on it); customers who only gained some get their days added.
LOSERS = "SELECT DISTINCT customer_key FROM rollup_delta WHERE sign < 0 AND quantity > 0 AND customer_key IS NOT NULL"

APPLY = f"""
CREATE FUNCTION rollup_apply() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    {_measures_upsert("rollup_category", "category")}
    {_measures_upsert("rollup_product", "product_key", kinds="('m')")}

    INSERT INTO rollup_orders AS r (kind, day, segment, region, store_key, categories, orders)
    SELECT k.kind, {BUCKET},
           x.segment, x.region, x.store_key, x.categories, sum(x.sign)
    FROM (SELECT sign, order_key, day, segment, region, store_key,
                 array_agg(DISTINCT category ORDER BY category) FILTER (WHERE quantity > 0) AS categories
          FROM rollup_delta
          GROUP BY sign, order_key, day, segment, region, store_key) x
    CROSS JOIN (VALUES ('d'), ('m')) AS k(kind)
    WHERE x.categories IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (kind, day, segment, region, store_key, categories) DO UPDATE SET
        orders = r.orders + EXCLUDED.orders;
    DELETE FROM rollup_orders WHERE orders = 0;

    DELETE FROM customer_activity_detail a USING ({LOSERS}) g WHERE a.customer_key = g.customer_key;
    DELETE FROM customer_activity a USING ({LOSERS}) g WHERE a.customer_key = g.customer_key;
    INSERT INTO customer_activity_detail (customer_key, segment, region, store_key, category, active)
    SELECT o.customer_key, c.segment, c.region, o.store_key, p.category,
           range_agg(daterange(o.order_date, o.order_date, '[]'))
    FROM ({LOSERS}) g
    JOIN orders o ON o.customer_key = g.customer_key
    JOIN order_lines l ON l.order_key = o.order_key
    JOIN products p ON p.product_key = l.product_key
    JOIN customers c ON c.customer_key = o.customer_key
    WHERE o.status <> 'cancelled' AND l.quantity > 0
    GROUP BY 1, 2, 3, 4, 5;

    INSERT INTO customer_activity_detail AS a (customer_key, segment, region, store_key, category, active)
    SELECT d.customer_key, d.segment, d.region, d.store_key, d.category, range_agg(daterange(d.day, d.day, '[]'))
    FROM rollup_delta d
    WHERE d.sign > 0 AND d.quantity > 0 AND d.customer_key IS NOT NULL
      AND d.customer_key NOT IN ({LOSERS})
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (customer_key, store_key, category) DO UPDATE SET
        active = a.active + EXCLUDED.active, segment = EXCLUDED.segment, region = EXCLUDED.region;

    INSERT INTO customer_activity AS a (customer_key, segment, region, active)
    SELECT d.customer_key, min(d.segment), min(d.region), range_agg(d.active)
    FROM customer_activity_detail d
    WHERE d.customer_key IN (SELECT customer_key FROM rollup_delta WHERE quantity > 0)
    GROUP BY d.customer_key
    ON CONFLICT (customer_key) DO UPDATE SET
        active = EXCLUDED.active, segment = EXCLUDED.segment, region = EXCLUDED.region;

    TRUNCATE rollup_delta;
END $$;
"""

# One delta row per line, counted under its order's (or the given) attributes.
DELTA_COLUMNS = (
    "o.order_key, o.order_date, c.segment, c.region, o.store_key, o.customer_key, "
    "{category}, l.product_key, l.quantity, l.net_amount, l.profit"
)


def _delta(
    sign: int,
    lines: str,
    orders: str = "orders",
    customers: str = "customers",
    where: str = "",
    category: str = "p.category",
    join: str = "",
) -> str:
    columns = DELTA_COLUMNS.format(category=category)
    return f"""
        INSERT INTO rollup_delta
        SELECT {sign}, {columns}
        FROM {lines} l
        JOIN {orders} o ON o.order_key = l.order_key
        JOIN products p ON p.product_key = l.product_key {join}
        LEFT JOIN {customers} c ON c.customer_key = o.customer_key
        WHERE o.status <> 'cancelled' {where};
    """


def _trigger(name: str, table: str, event: str, referencing: str, body: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM rollup_prepare();
    {body}
    PERFORM rollup_apply();
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


CHANGED_ORDERS = """(SELECT n.* FROM {side}_orders n JOIN {other}_orders x USING (order_key)
    WHERE (n.customer_key, n.store_key, n.order_date, n.status)
          IS DISTINCT FROM (x.customer_key, x.store_key, x.order_date, x.status))"""
CHANGED_CUSTOMERS = """(SELECT n.* FROM {side}_customers n JOIN {other}_customers x USING (customer_key)
    WHERE (n.segment, n.region) IS DISTINCT FROM (x.segment, x.region))"""

TRIGGERS = (
    _trigger("rollup_lines_inserted", "order_lines", "INSERT", "NEW TABLE AS new_lines", _delta(1, "new_lines"))
    + _trigger("rollup_lines_deleted", "order_lines", "DELETE", "OLD TABLE AS old_lines", _delta(-1, "old_lines"))
    + _trigger(
        "rollup_lines_updated",
        "order_lines",
        "UPDATE",
        "OLD TABLE AS old_lines NEW TABLE AS new_lines",
        _delta(-1, "old_lines") + _delta(1, "new_lines"),
    )
    + _trigger(
        "rollup_orders_updated",
        "orders",
        "UPDATE",
        "OLD TABLE AS old_orders NEW TABLE AS new_orders",
        _delta(-1, "order_lines", orders=CHANGED_ORDERS.format(side="old", other="new"))
        + _delta(1, "order_lines", orders=CHANGED_ORDERS.format(side="new", other="old")),
    )
    + _trigger(
        "rollup_customers_updated",
        "customers",
        "UPDATE",
        "OLD TABLE AS old_customers NEW TABLE AS new_customers",
        _delta(
            -1,
            "order_lines",
            customers=CHANGED_CUSTOMERS.format(side="old", other="new"),
            where="AND c.customer_key IS NOT NULL",
        )
        + _delta(
            1,
            "order_lines",
            customers=CHANGED_CUSTOMERS.format(side="new", other="old"),
            where="AND c.customer_key IS NOT NULL",
        ),
    )
)

# A product's new category moves whole orders (the -1 side with the old category, the +1 side
# with the new), because an order's counts depend on all of its lines' categories.
RECATEGORIZED = """(SELECT n.product_key FROM new_products n JOIN old_products x USING (product_key)
    WHERE n.category IS DISTINCT FROM x.category)"""
LINES_OF_RECATEGORIZED = f"""(SELECT * FROM order_lines WHERE order_key IN
    (SELECT order_key FROM order_lines WHERE product_key IN {RECATEGORIZED}))"""
TRIGGERS += _trigger(
    "rollup_products_updated",
    "products",
    "UPDATE",
    "OLD TABLE AS old_products NEW TABLE AS new_products",
    _delta(
        -1,
        LINES_OF_RECATEGORIZED,
        category="coalesce(op.category, p.category)",
        join="LEFT JOIN old_products op ON op.product_key = l.product_key",
    )
    + _delta(1, LINES_OF_RECATEGORIZED),
)

TRUNCATE = """
CREATE FUNCTION rollup_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE rollup_category, rollup_product, rollup_orders, customer_activity, customer_activity_detail;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_truncated AFTER TRUNCATE ON order_lines FOR EACH STATEMENT EXECUTE FUNCTION rollup_truncated();
"""

# The facts already there, through the same apply as every later change.
BACKFILL = "SELECT rollup_prepare();" + _delta(1, "order_lines") + "SELECT rollup_apply();"


def upgrade() -> None:
    for statement in (TABLES, PREPARE, APPLY, TRIGGERS, TRUNCATE, BACKFILL):
        op.execute(statement)


def downgrade() -> None:
    op.execute(
        """
        DROP TRIGGER rollup_lines_inserted ON order_lines;
        DROP TRIGGER rollup_lines_deleted ON order_lines;
        DROP TRIGGER rollup_lines_updated ON order_lines;
        DROP TRIGGER rollup_truncated ON order_lines;
        DROP TRIGGER rollup_orders_updated ON orders;
        DROP TRIGGER rollup_customers_updated ON customers;
        DROP TRIGGER rollup_products_updated ON products;
        DROP FUNCTION rollup_lines_inserted(), rollup_lines_deleted(), rollup_lines_updated(),
            rollup_orders_updated(), rollup_customers_updated(), rollup_products_updated(),
            rollup_truncated(), rollup_apply(), rollup_prepare();
        DROP TABLE rollup_category, rollup_product, rollup_orders, customer_activity, customer_activity_detail;
        """
    )
