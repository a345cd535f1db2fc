"""Autovacuum comes to the activity tables after a few hundred changed rows, not a fifth.

The pages count distinct customers from the activity tables' covering indexes alone (0029,
0030), which holds only for heap pages marked all-visible. Every row an import, undo or live
event writes clears that mark on its page (two, when the new version lands elsewhere), and a
customer's rows are spread over the table: at 10M lines, rewriting 5 % of customer_activity's
rows (~5.7k customers, a few days of orders) left three pages in four unmarked, and a quarter's
customers took 110-126 ms instead of 12 (84k heap fetches). A VACUUM marks them again (~0.16 s
there). By default autovacuum comes after 50 + 20 % of the rows changed (~23k for
customer_activity, ~160k for customer_activity_detail): a live feed would leave the pages slow
for days.

Here it comes after 200 + 0.2 % of the rows, changed or inserted: a customer's row on one page
in ~20 to ~40, that is at most a few per cent of the pages unmarked (~430 rows of
customer_activity at 10M lines, ~1.8k of customer_activity_detail), within autovacuum's minute.
Each such vacuum reads only the unmarked pages and the indexes (~0.1-0.3 s at 10M lines).
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

ACTIVITY_TABLES = tuple(migration("0029_activity_covering_indexes").INDEXES)

# Rows changed (updated or deleted) and rows inserted before autovacuum is due: the threshold
# plus the scale factor times the table's rows.
SOON = {
    "autovacuum_vacuum_threshold": 200,
    "autovacuum_vacuum_scale_factor": 0.002,
    "autovacuum_vacuum_insert_threshold": 200,
    "autovacuum_vacuum_insert_scale_factor": 0.002,
}


def upgrade() -> None:
    options = ", ".join(f"{name} = {value}" for name, value in SOON.items())
    for table in ACTIVITY_TABLES:
        op.execute(f"ALTER TABLE {table} SET ({options})")


def downgrade() -> None:
    for table in ACTIVITY_TABLES:
        op.execute(f"ALTER TABLE {table} RESET ({', '.join(SOON)})")
