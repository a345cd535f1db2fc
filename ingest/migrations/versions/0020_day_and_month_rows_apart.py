"""The date-keyed rollups keep their day rows and their month rows in partitions of their own.

A range reads whole months from the month rows (kind 'm') and only its ragged ends from the
day rows ('d'). Rows arrive day by day, so a month's row was written among that month's ~30
days of day rows: one row in ~30 of every page. At 10M lines, the 19k month rows of
rollup_orders over five years were spread over 8.6k pages and took 47-60 ms to read; the same
rows packed together took 10 ms. The overview's sales by month over five years took 36-48 ms,
15-20 ms with its tables split so; its totals of the last 12 months and the two periods they
are compared with 90 -> 63 ms. The page replay at 10M (16 filters, in-process, alternating
with a copy of the database as it was): the overview's KPIs p50 125-135 -> 101-105 ms, the
segments page 112-132 -> 109-116 ms, the others unchanged (products only once the store filter
of its ranking became an array of keys: data_access.rollups.STORE_TESTS).

Each table becomes LIST-partitioned by kind (`<table>_d`, `<table>_m`): every kind stays packed
however its rows arrive, with no upkeep of its own. The table keeps its name, columns, keys
and ON CONFLICT targets, so no writer or reader changes; a query reading one kind reads one
partition. The customers' period tables (kinds 'm' and 'y') are left as they are: they are
read per customer, were rewritten in period order by 0012, and measured no faster split.

rollup_product holds month rows only, so its key, which led with `kind`, told the planner its
rows lay in key order (the statistics of a column with one value say "in order"): five years
of two segments were read by that index, row by row across the table (at 10M lines 440 ms,
347k page visits), where reading the whole table takes 138 ms. Its key now leads with `day`,
whose statistics say how the rows lie. The split tables keep `kind` first: a range's month
and day rows are one OR of (kind, day) ranges, which such a key finds in each partition. So
their rows must lie in key order, and the upserts of rollup_category, rollup_product and
rollup_orders (0007) now write them sorted, as 0016-0019's do: a new shop's load is one
statement, and those three tables came out of it in hash order (correlation of `day` ~0).
"""

from alembic import op
from sqlalchemy import text

from ingest.migrations.earlier import migration, order_after

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# The tables split by kind; rollup_product (month rows only) is rewritten with `day` leading its key.
PARTITIONED = (
    "rollup_category",
    "rollup_orders",
    "rollup_subcategory",
    "rollup_product_stores",
    "rollup_product_totals",
)
DAY_FIRST = "rollup_product"
KINDS = ("d", "m")

# rollup_apply_grains as 0013 left it: 0007's upserts of rollup_category, rollup_product and
# rollup_orders, which wrote their rows in the order they came out of a hash aggregate.
ACTIVITY = migration("0013_activity_by_category_and_store")
GRAINS = ACTIVITY._grains(ACTIVITY._rebuild(ACTIVITY.TOUCHED))


def _in_key_order(grains: str) -> str:
    """The three upserts with their rows sorted by (kind, day, ...), as 0016-0019 write theirs.
    A load is one statement, so a new shop's tables came out in no order at all: the split
    tables' `kind` is one value, whose statistics say "in order", and the planner would read
    a range through the key row by row across the table, as it did rollup_product's."""
    return order_after(grains, "GROUP BY 1, 2, 3, 4, 5, 6", "ORDER BY 1, 2, 3, 4, 5, 6", times=3)


def _keys_and_indexes(table: str, day_first: bool) -> list[str]:
    """The statements that re-create the table's unique keys (leading with `day` when day_first,
    else with `kind`) and its other indexes. ON CONFLICT finds a key by its set of columns,
    whatever their order; PostgreSQL names an unnamed key after its columns, as it did these."""
    conn = op.get_bind()
    keys = conn.execute(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype = 'u' ORDER BY conname"
        ),
        {"t": table},
    ).all()
    indexes = conn.execute(
        text(
            "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = CAST(:t AS regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
            "ORDER BY 1"
        ),
        {"t": table},
    ).all()
    old, new = ("(kind, day, ", "(day, kind, ") if day_first else ("(day, kind, ", "(kind, day, ")
    return [f"ALTER TABLE {table} ADD {key.replace(old, new)}" for (key,) in keys] + [
        definition.replace(" ON ONLY ", " ON ") for (definition,) in indexes
    ]


def _rebuild(table: str, partitioned: bool, day_first: bool) -> None:
    """Copy `table` into a new one, partitioned by kind or not, in (kind, day) order."""
    recreate = _keys_and_indexes(table, day_first)
    old = f"{table}_before_0020"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    split = " PARTITION BY LIST (kind)" if partitioned else ""
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){split}")
    if partitioned:
        for kind in KINDS:
            op.execute(f"CREATE TABLE {table}_{kind} PARTITION OF {table} FOR VALUES IN ('{kind}')")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old} ORDER BY kind, day")
    op.execute(f"DROP TABLE {old}")
    for statement in recreate:
        op.execute(statement)
    # Autovacuum analyzes the partitions, never their parent: its statistics are taken now.
    op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    for table in PARTITIONED:
        _rebuild(table, partitioned=True, day_first=False)
    _rebuild(DAY_FIRST, partitioned=False, day_first=True)
    op.execute(_in_key_order(GRAINS))


def downgrade() -> None:
    op.execute(GRAINS)
    for table in PARTITIONED:
        _rebuild(table, partitioned=False, day_first=False)
    _rebuild(DAY_FIRST, partitioned=False, day_first=False)
