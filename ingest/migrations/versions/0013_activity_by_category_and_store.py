"""The days each customer bought on, per category and per store, kept by the rollup triggers.

Distinct customers per store (the Overview's sales by store) or per category (manage.py kpis),
and any count under a category or store filter, read customer_activity_detail, one row per customer, store and
category: 794k rows at 10M lines, hashed twice to make (label, customer) distinct. Five years
by category took ~500 ms and by store ~650 ms. Two narrower tables hold each customer's days
per category (322k rows at 10M) and per store (302k): a breakdown by one of them, or a filter
on one of them, counts their rows as they are (~70 ms). The detail stays for filters on both.

The upkeep rebuilds the touched customers' rows of both from their detail rows, after the 0007
statements have brought those up to date (range_agg of the detail's day sets), like
customer_activity.

Also: each activity table gets its first and last day as stored columns. A customer whose days
all lie inside a range counts without the day set being read (the multirange test is most of
a scan's cost): 38 -> 23 ms over customer_activity at 10M.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PREVIOUS = migration("0012_rollup_cohorts")
GRAINS = migration("0007_rollups")  # rollup_apply_grains is 0007's apply, renamed by 0008

BOUNDS = """
    ADD COLUMN first_day date GENERATED ALWAYS AS (lower(active)) STORED,
    ADD COLUMN last_day  date GENERATED ALWAYS AS (upper(active) - 1) STORED"""
TABLES = f"""
CREATE TABLE customer_activity_category (
    customer_key bigint NOT NULL,
    segment      text NOT NULL,
    region       text NOT NULL,
    category     text NOT NULL,
    active       datemultirange NOT NULL,
    PRIMARY KEY (customer_key, category)
);
CREATE TABLE customer_activity_store (
    customer_key bigint NOT NULL,
    segment      text NOT NULL,
    region       text NOT NULL,
    store_key    integer,
    active       datemultirange NOT NULL,
    UNIQUE NULLS NOT DISTINCT (customer_key, store_key)
);
ALTER TABLE customer_activity {BOUNDS};
ALTER TABLE customer_activity_detail {BOUNDS};
ALTER TABLE customer_activity_category {BOUNDS};
ALTER TABLE customer_activity_store {BOUNDS};
"""


def _rebuild(customers: str) -> str:
    """The customers' rows of both tables, again from their detail rows."""
    statements = ""
    for table, column in (("customer_activity_category", "category"), ("customer_activity_store", "store_key")):
        statements += f"""
    DELETE FROM {table} WHERE customer_key IN ({customers});
    INSERT INTO {table} (customer_key, segment, region, {column}, active)
    SELECT customer_key, min(segment), min(region), {column}, range_agg(active)
    FROM customer_activity_detail
    WHERE customer_key IN ({customers})
    GROUP BY customer_key, {column};
"""
    return statements


# The customers whose detail rows the delta changed (customer_activity's own test in 0007).
TOUCHED = "SELECT customer_key FROM rollup_delta WHERE quantity > 0"
EMPTY_DELTA = "    TRUNCATE rollup_delta;\n"


def _grains(extra: str) -> str:
    """0007's apply as rollup_apply_grains, with `extra` run just before it empties the delta."""
    renamed = "CREATE OR REPLACE FUNCTION rollup_apply_grains()"
    apply = replace_once(GRAINS.APPLY, "CREATE FUNCTION rollup_apply()", renamed)
    apply = replace_once(apply, EMPTY_DELTA, extra + EMPTY_DELTA)
    # A replaced function loses its settings (0008 gave this one its work_mem).
    return apply + "\nALTER FUNCTION rollup_apply_grains() SET work_mem = '128MB';\n"


UPSERTS_0012 = PREVIOUS.UNFILE + PREVIOUS.ORDERED_0011 + PREVIOUS.REFILE
ROLLUPS = f"{PREVIOUS.ROLLUPS}, customer_activity_category, customer_activity_store"
BACKFILL = _rebuild("SELECT customer_key FROM customer_activity")


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(_grains(_rebuild(TOUCHED)))
    PREVIOUS.PREVIOUS._install(UPSERTS_0012, ROLLUPS)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute(_grains(""))
    PREVIOUS.PREVIOUS._install(UPSERTS_0012, PREVIOUS.ROLLUPS)
    op.execute(
        "DROP TABLE customer_activity_category, customer_activity_store;"
        "ALTER TABLE customer_activity DROP COLUMN first_day, DROP COLUMN last_day;"
        "ALTER TABLE customer_activity_detail DROP COLUMN first_day, DROP COLUMN last_day;"
    )
