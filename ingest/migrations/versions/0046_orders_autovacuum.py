"""Autovacuum comes to orders and order_lines after a few thousand deleted rows, not a fifth.

An undo deletes its import's orders and lines, and an import that replaces orders deletes their
old lines; the keys of an undone import are the newest, at the end of both tables' primary
keys. The planner reads the actual end of such an index whenever a join of the lines to their
orders might merge (PostgreSQL's get_actual_variable_range), and walks every dead entry there
until a vacuum removes them. By default autovacuum comes after 50 + 20 % of the rows changed:
at 10M lines, 2M deleted lines. The 10M bench shop, after the imports undone by earlier
sessions' measurements, held 837k dead lines and 359k dead orders at those ends: planning a
join of the lines to the orders read 4.4k buffers (~15 ms, for every query that reads ragged
days from the facts); after a VACUUM (~1.6 s for both tables: it reads only the pages the
deletes touched, and the indexes), ~300 buffers and ~1.6 ms.

Here it comes after 1,000 + 0.2 % of the rows deleted or updated (~21k lines at 10M): an undo
of a few days' imports is cleaned up within autovacuum's minute. Inserted rows leave nothing to
clean, so plain imports and the live feed change nothing here.
"""

from alembic import op

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

TABLES = ("orders", "order_lines")

# Rows deleted or updated before autovacuum is due: the threshold plus the scale factor times
# the table's rows.
SOON = {
    "autovacuum_vacuum_threshold": 1000,
    "autovacuum_vacuum_scale_factor": 0.002,
}


def upgrade() -> None:
    options = ", ".join(f"{name} = {value}" for name, value in SOON.items())
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET ({options})")


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET ({', '.join(SOON)})")
