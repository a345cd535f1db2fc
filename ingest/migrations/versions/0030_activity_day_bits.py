"""Each activity row's purchase days as a bit string too, in its covering index: who bought in
a range inside the data is answered from the index.

Distinct buyers in a range (overview, segments, products) count the activity rows whose days
(a datemultirange, 0007, 0013) meet it. A row whose first or last day lies inside the range is
decided by those (0013, 0029: index-only); a customer whose days span the whole range needs
the day set read, from the heap: every row's page, and for long-lived customers the TOASTed
value (~900 of 114k customers at 10M lines, the very ones spanning most ranges). At 10M lines
one quarter's customers took ~30 ms this way, ~7 ms of it the index.

`days` is bit i (from 1) set when the customer bought on first_day + i - 1: 33 bytes on average
against the multirange's 344 (a range takes two dates, a day one bit), small enough for the
covering index to carry. The test for a spanning customer is a substring of it
(data_access.rollups._bought_between): the quarter ~30 -> ~9 ms.

A stored generated column, so every function that writes these tables stays as it is and the
bits can never disagree with the days. Computing them costs ~8-17 us per row written (plpgsql;
the SQL variants measured were slower): ~15 s for the 1.5M rows of a 10M-line database; a
200k-line import into an empty database ran ~8 % slower.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

# The tables and their covering indexes' keys.
INDEXES = migration("0029_activity_covering_indexes").INDEXES

DAY_BITS = """
CREATE FUNCTION purchase_day_bits(days datemultirange) RETURNS varbit
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    r daterange;
    parts text[] := '{}';
    previous_end date;
BEGIN
    -- The ranges come in order and apart: a gap of zeros before each one's run of ones.
    FOR r IN SELECT unnest(days) LOOP
        IF previous_end IS NOT NULL THEN
            parts := parts || repeat('0', lower(r) - previous_end);
        END IF;
        parts := parts || repeat('1', upper(r) - lower(r));
        previous_end := upper(r);
    END LOOP;
    RETURN array_to_string(parts, '')::varbit;
END $$;
"""


def upgrade() -> None:
    op.execute(DAY_BITS)
    for table, columns in INDEXES.items():
        # Dropped first: the rewrite that adds the column would rebuild it only to be replaced.
        op.execute(f"DROP INDEX {table}_covering")
        op.execute(f"ALTER TABLE {table} ADD COLUMN days varbit GENERATED ALWAYS AS (purchase_day_bits(active)) STORED")
        op.execute(f"CREATE INDEX {table}_covering ON {table} ({columns}) INCLUDE (first_day, last_day, days)")
        # The rewritten table has no statistics for the new column until autovacuum comes by.
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    for table, columns in INDEXES.items():
        op.execute(f"ALTER TABLE {table} DROP COLUMN days")  # drops the index that includes it
        op.execute(f"CREATE INDEX {table}_covering ON {table} ({columns}) INCLUDE (first_day, last_day)")
        op.execute(f"ANALYZE {table}")
    op.execute("DROP FUNCTION purchase_day_bits(datemultirange)")
