"""Covering indexes on the activity tables: who bought in a range that starts at the customers'
first day or ends at their last, without reading the rows.

Distinct buyers per label (overview, segments) come from the activity tables (0007, 0013): a
row per customer (and store, category) with its purchase days as a multirange, and its first
and last day. A range from the first day on ("all time", five years) or up to the last
("last 30 days") is decided by the first or last day alone (data_access.rollups
_bought_between); the rows themselves are wide (the day sets) and were read whole: at 10M
lines, five years of one category's buyers per store read 18k pages of
customer_activity_detail, ~180 ms. Each index holds the columns such a count reads (the
filter's dimensions, the customer, the first and last day), so an index-only scan answers it:
~25 ms.

The day sets stay out of them: an import that extends a customer's days changes the row, and
its index entries only when the first or last day moves.
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# table: the key columns (equality tests first: the filter's category, segment, region, store)
INDEXES = {
    "customer_activity": "segment, region, customer_key",
    "customer_activity_store": "segment, region, store_key, customer_key",
    "customer_activity_category": "category, segment, region, customer_key",
    "customer_activity_detail": "category, segment, region, store_key, customer_key",
}


def upgrade() -> None:
    for table, columns in INDEXES.items():
        op.execute(f"CREATE INDEX {table}_covering ON {table} ({columns}) INCLUDE (first_day, last_day)")


def downgrade() -> None:
    for table in INDEXES:
        op.execute(f"DROP INDEX {table}_covering")
