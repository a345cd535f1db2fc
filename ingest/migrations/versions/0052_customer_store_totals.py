"""Each customer's whole history per store (and per store and category), kept by the rollup
triggers.

A range holding every customer day without a store filter reads each customer's one row of
their whole history (0026). Under a store filter the customers page grouped each customer's
year rows per store instead: at 10M lines all time in two stores 167k year rows of the 464k
read, for 94k customers; of one category in two stores 141k of 1.18M, for 81k. With one row per
customer and store the two stores are 111k rows, and the summary's two statements (0026's case)
pay off again: all time in two stores ~300 -> ~170 ms, of one category in two stores ~260 ->
~165 ms.

- customer_store_totals: per store (NULL for orders without one) and customer, the sums of the
  customer's year rows in customer_periods (0010) of that store, in UNITS as 0028 keeps them,
  with the last purchase day.
- customer_category_store_totals: the same per category too, from customer_category_periods
  (0015).

New tables rather than kind 'a' rows in customer_periods: the upkeep reads those tables'
rows without a kind test in places (the cohorts', the totals'), where whole-history rows would
count twice. The upkeep adds the delta as 0010 adds it to the year rows (per order first: an
order with a purchase counts once) and drops keys left without lines; the last purchase day is
the key's activity row's (customer_activity_store, customer_activity_detail: the same keys,
kept by then), so it runs in rollup_apply_grains. Summing the touched keys' year rows again
(0026's way) read every year row for a semi-join (~0.9 s of an import of three days into the
10M shop), and reading the last purchase day from the year rows where the delta took a
purchase off was ~1.7 s of undoing them.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0052"
down_revision = "0051"
branch_labels = None
depends_on = None

CATEGORY_STORE_COHORTS = migration("0050_rollup_category_store_cohorts")  # the last to change rollup_apply
APPLY = CATEGORY_STORE_COHORTS.UPSERTS  # rollup_apply as it is (installed again for ROLLUPS)
INSTALL = CATEGORY_STORE_COHORTS.INSTALL
ROLLUPS = f"{CATEGORY_STORE_COHORTS.ROLLUPS}, customer_store_totals, customer_category_store_totals"
# rollup_apply_grains as it is (0040, the last to change it): rollup_apply runs it last, and it
# keeps the activity tables, then empties the delta.
GRAINS = migration("0040_activity_takes_days_away").UPSERTS
EMPTY_DELTA = "    TRUNCATE rollup_delta;\n"

MEASURES = """
    sales_x10000   bigint NOT NULL,
    profit_x10000  bigint NOT NULL,
    quantity_x1000 bigint NOT NULL,
    orders         bigint NOT NULL,  -- with a purchase
    lines          bigint NOT NULL,
    last_bought    date"""
TABLES = f"""
CREATE TABLE customer_store_totals (
    store_key    integer,
    customer_key bigint NOT NULL,{MEASURES},
    UNIQUE NULLS NOT DISTINCT (store_key, customer_key)
);
CREATE TABLE customer_category_store_totals (
    category     text NOT NULL,
    store_key    integer,
    customer_key bigint NOT NULL,{MEASURES},
    UNIQUE NULLS NOT DISTINCT (category, store_key, customer_key)
);
"""

SUMS = """bigint_sum(y.sales_x10000), bigint_sum(y.profit_x10000), bigint_sum(y.quantity_x1000),
           bigint_sum(y.orders), bigint_sum(y.lines), max(y.last_bought)"""
COLUMNS = "sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"

# (table, its source's year rows, the key columns before customer_key, the activity table of
# those keys: 0007's, 0013's)
KEPT = (
    ("customer_store_totals", "customer_periods", ("store_key",), "customer_activity_store"),
    (
        "customer_category_store_totals",
        "customer_category_periods",
        ("category", "store_key"),
        "customer_activity_detail",
    ),
)


def _key(key: tuple[str, ...], alias: str) -> str:
    """alias's key columns and customer_key as a row to compare with =, which a hash join can
    (a NULL store as -1: IS NOT DISTINCT FROM cannot be hashed)."""
    columns = [f"coalesce({alias}.{k}, -1)" if k == "store_key" else f"{alias}.{k}" for k in key]
    return f"({', '.join(columns)}, {alias}.customer_key)"


def _sums(table: str, source: str, key: tuple[str, ...]) -> str:
    """Every key's row of `table` summed from `source`'s year rows (the backfill)."""
    columns = ", ".join(f"y.{k}" for k in (*key, "customer_key"))
    return f"""
    INSERT INTO {table} ({columns.replace("y.", "")}, {COLUMNS})
    SELECT {columns}, {SUMS}
    FROM {source} y
    WHERE y.kind = 'y'
    GROUP BY {columns}
    ORDER BY {columns}"""


def _upkeep(table: str, source: str, key: tuple[str, ...], activity: str) -> str:
    """The delta added to `table` as 0010 adds it to the year rows: per order first (an order
    with a purchase counts once), then per key; keys left without lines go. The last purchase
    day is the key's row's in `activity` (kept by then). Joined rather than looked up per key:
    a year of lines (289k) into the 1M shop 0.7-1.0 + 1.7-2.8 s -> 0.56 + 1.3-1.4 s; a few
    lines' keys are still found by the unique key."""
    columns = ", ".join((*key, "customer_key"))
    taken = f"SELECT {_key(key, 'd')[1:-1]} FROM rollup_delta d WHERE d.customer_key IS NOT NULL AND d.sign < 0"
    same = " AND ".join(f"a.{k} IS NOT DISTINCT FROM x.{k}" if k == "store_key" else f"a.{k} = x.{k}" for k in key)
    keyed = ", ".join(f"x.{k}" for k in (*key, "customer_key"))
    return f"""
    INSERT INTO {table} AS t ({columns}, {COLUMNS})
    SELECT {keyed}, x.sales, x.profit, x.quantity, x.orders, x.lines, a.last_day
    FROM (SELECT {columns}, bigint_sum(sign * sales) AS sales, bigint_sum(sign * profit) AS profit,
                 bigint_sum(sign * quantity) AS quantity, bigint_sum(sign * bought::int) AS orders,
                 bigint_sum(sign * lines) AS lines
          FROM (SELECT sign, order_key, {columns}, bigint_sum((net_amount * 10000)::bigint) AS sales,
                       bigint_sum((profit * 10000)::bigint) AS profit,
                       bigint_sum((quantity * 1000)::bigint) AS quantity, bool_or(quantity > 0) AS bought,
                       count(*) AS lines
                FROM rollup_delta WHERE customer_key IS NOT NULL
                GROUP BY sign, order_key, {columns}) per_order
          GROUP BY {columns}) x
    LEFT JOIN {activity} a ON a.customer_key = x.customer_key AND {same}
    ORDER BY {keyed}
    ON CONFLICT ({columns}) DO UPDATE SET
        sales_x10000 = t.sales_x10000 + EXCLUDED.sales_x10000, profit_x10000 = t.profit_x10000 + EXCLUDED.profit_x10000,
        quantity_x1000 = t.quantity_x1000 + EXCLUDED.quantity_x1000, orders = t.orders + EXCLUDED.orders,
        lines = t.lines + EXCLUDED.lines, last_bought = EXCLUDED.last_bought;
    DELETE FROM {table} t WHERE t.lines = 0 AND {_key(key, "t")} IN ({taken});
"""


# In rollup_apply_grains, after the activity tables' upkeep and before the delta goes.
UPSERTS = replace_once(GRAINS, EMPTY_DELTA, "".join(_upkeep(*kept) for kept in KEPT) + EMPTY_DELTA)


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(UPSERTS)
    INSTALL(APPLY, ROLLUPS)  # the new tables among those a truncate of the lines empties
    op.execute("SET LOCAL work_mem = '256MB'")
    for table, source, key, _ in KEPT:
        op.execute(_sums(table, source, key))
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    op.execute(GRAINS)
    INSTALL(APPLY, CATEGORY_STORE_COHORTS.ROLLUPS)
    op.execute("DROP TABLE customer_store_totals, customer_category_store_totals")
