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
"""

from alembic import op
from sqlalchemy import text

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Table -> its date column (rows are copied in (kind, date) order).
TABLES = {
    "rollup_category": "day",
    "rollup_orders": "day",
    "rollup_subcategory": "day",
    "rollup_product_stores": "day",
    "rollup_product_totals": "day",
}
KINDS = ("d", "m")


def _keys_and_indexes(table: str) -> list[str]:
    """The statements that re-create the table's unique keys and other indexes, with their
    names (ON CONFLICT finds a key by its columns, so the key must be there as it was)."""
    conn = op.get_bind()
    keys = conn.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'p') ORDER BY conname"
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
    return [f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for name, definition in keys] + [
        definition.replace(" ON ONLY ", " ON ") for (definition,) in indexes
    ]


def _rebuild(table: str, partitioned: bool) -> None:
    """Copy `table` into a new one, partitioned by kind or not, in (kind, date) order."""
    recreate = _keys_and_indexes(table)
    old = f"{table}_before_0020"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    split = " PARTITION BY LIST (kind)" if partitioned else ""
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS){split}")
    if partitioned:
        for kind in KINDS:
            op.execute(f"CREATE TABLE {table}_{kind} PARTITION OF {table} FOR VALUES IN ('{kind}')")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old} ORDER BY kind, {TABLES[table]}")
    op.execute(f"DROP TABLE {old}")
    for statement in recreate:
        op.execute(statement)
    # Autovacuum analyzes the partitions, never their parent: its statistics are taken now.
    op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    for table in TABLES:
        _rebuild(table, partitioned=True)


def downgrade() -> None:
    for table in TABLES:
        _rebuild(table, partitioned=False)
