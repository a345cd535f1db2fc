"""The activity rows of a customer who lost purchases lose the days nothing is bought on any
more; they are no longer rebuilt from the facts.

Why: 0007 deleted every activity detail row of a customer with a purchase taken away and built
them again from all of that customer's orders and lines (0035 then rebuilt the per customer,
category and store rows from those detail rows). Undoing an import into a shop with history
takes lines from customers who bought for years: at 10M lines, undoing three days' import
(42k lines, 10.8k customers) spent 5.2 s rebuilding the detail rows from the facts and ~3 s the
other three tables from them, of a 26 s undo.

A day leaves a row only when a line bought on it went and no purchase of that row's kind is
left on it: the delta's purchase lines taken away give the candidate (row, day) pairs, and the
orders' rollups, already brought up to date by rollup_apply, say which of them still hold a
purchase: customer_order_categories (0024) for the detail and category rows, read by the
(category, day) pairs the delta touched (its key leads with them), and customer_orders (0009)
for the customer and store rows, looked up by (customer, day) (0033's index). Both keep an
order's purchase lines (bought_lines) and rows at zero go. A row left without days goes.

Then every customer's added purchase days are added, as 0035 added those of customers who
only gained some. A customer given another segment or region arrives as all their lines taken
away under the old and put back under the new: every day of theirs is still bought on, none is
taken away, and the lines put back add their days with the new segment and region to every row
of theirs, as a rebuild did. An order moved to another day or customer, cancelled or given a
product of another category leaves its old rows at zero purchase lines, so its old days go
unless another purchase holds them.

Measured (bench.import_into_history at 10M, alternating with 0038 and 0039): the undo 37-43 s
with 0039 -> 30-33 s. The four statements still take 1.9-3.1 s each: the multirange difference
of 10.8k customers' rows and their rewrite (with the day bits of 0030), not finding the days.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

ADDS_DAYS = migration("0035_activity_adds_days")
GRAINS = ADDS_DAYS.UPSERTS  # rollup_apply_grains as it is

# The four activity tables and the columns besides customer_key they are keyed by.
TABLES = {
    "customer_activity_detail": ("store_key", "category"),
    "customer_activity": (),
    "customer_activity_category": ("category",),
    "customer_activity_store": ("store_key",),
}
TAKEN = "rollup_delta WHERE sign < 0 AND quantity > 0 AND customer_key IS NOT NULL"
ADDED = "rollup_delta d WHERE d.sign > 0 AND d.quantity > 0 AND d.customer_key IS NOT NULL"


def _columns(key: tuple[str, ...], alias: str = "") -> str:
    """customer_key and the key's columns, each after `alias.` when given."""
    return ", ".join(f"{alias}.{k}" if alias else k for k in ("customer_key", *key))


def _still_bought(key: tuple[str, ...]) -> str:
    """(customer_key, *key, day) of the `removed` candidates that still hold a purchase."""
    if "category" in key:  # each order's lines per category, by the (category, day) ranges touched
        return f"""
        SELECT DISTINCT {_columns(key, "c")}, c.order_date
        FROM (SELECT DISTINCT category, day FROM removed) p
        JOIN customer_order_categories c ON c.category = p.category AND c.order_date = p.day
        WHERE c.bought_lines > 0"""
    return f"""
        SELECT DISTINCT {_columns(key, "o")}, o.order_date
        FROM (SELECT DISTINCT customer_key, day FROM removed) r
        JOIN customer_orders o ON o.customer_key = r.customer_key AND o.order_date = r.day
        WHERE o.bought_lines > 0"""


def _take_away(table: str, key: tuple[str, ...]) -> str:
    """The statement that takes from `table` the days its rows have nothing bought on any more,
    and deletes the rows left without days (a data-modifying WITH: both read the same `gone`)."""
    columns = _columns(key)
    match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM g.{k}" for k in key)
    match = f"t.customer_key = g.customer_key{f' AND {match}' if match else ''}"
    return f"""
    WITH removed AS (SELECT DISTINCT {columns}, day FROM {TAKEN}),
    gone AS (
        SELECT {columns}, range_agg(daterange(day, day, '[]')) AS days
        FROM (SELECT * FROM removed EXCEPT SELECT * FROM ({_still_bought(key)}) s) x
        GROUP BY {columns}
    ),
    emptied AS (
        DELETE FROM {table} t USING gone g WHERE {match} AND isempty(t.active - g.days)
    )
    UPDATE {table} t SET active = t.active - g.days
    FROM gone g WHERE {match} AND NOT isempty(t.active - g.days);
"""


def _add(table: str, key: tuple[str, ...]) -> str:
    """Every customer's added purchase days into `table` (0035's upsert for all, not gainers only)."""
    columns = _columns(key)
    return f"""
    INSERT INTO {table} AS a ({columns}, segment, region, active)
    SELECT {_columns(key, "d")}, min(d.segment), min(d.region),
           range_agg(daterange(d.day, d.day, '[]'))
    FROM {ADDED}
    GROUP BY {columns}
    ORDER BY {columns}
    ON CONFLICT ({columns}) DO UPDATE SET
        active = a.active + EXCLUDED.active, segment = EXCLUDED.segment, region = EXCLUDED.region;
"""


# 0007's losers' rebuild and gainers' upsert of the detail rows through 0035's four tables.
FIRST, LAST = "    DELETE FROM customer_activity_detail a USING", "    TRUNCATE rollup_delta;"
REBUILT = GRAINS[GRAINS.index(FIRST) : GRAINS.index(LAST)]
KEPT = "".join(_take_away(table, key) for table, key in TABLES.items())
KEPT += "".join(_add(table, key) for table, key in TABLES.items())
UPSERTS = replace_once(GRAINS, REBUILT, KEPT)


def upgrade() -> None:
    op.execute(UPSERTS)


def downgrade() -> None:
    op.execute(GRAINS)
