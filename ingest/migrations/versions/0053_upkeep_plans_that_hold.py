"""Rollup upkeep whose plans hold when the planner's row counts are out of date (the undo of a
big import).

Undoing a 200k-line import (into an empty database, then analyzed, as autovacuum does within a
minute) ran one statement for more than four minutes before it was cancelled; unanalyzed, the
same undo took 36 s. The statistics describe the tables as they were before the transaction.
0026's delete of the 'a' rows left without year rows expected one such row (until then every
'a' row has its years) and joined it to the delta by a nested loop over a sequential scan of
the delta's 196k lines, once per row: 30k customers lost their years, so 30k scans. Now the
'a' rows are found in the primary key from an array of the delta's distinct customers (an
InitPlan, computed once), and a row the planner did not expect costs one index probe: 0.3 s
and 0.6 s for the two tables with 30k and 63k such rows. Every 'a' row of those customers
without a year row goes, not only those of the delta's categories: an 'a' row is the sum of
its year rows, so one without any is stale whichever category it is under.

The delta is analyzed before every statement again. 0014 put the ANALYZE first, and 0043, 0044
and 0050 put their cohort statements ahead of it: those were planned for a delta of ~300 rows.
"""

from ingest.migrations.earlier import migration, replace_once

revision = "0053"
down_revision = "0052"
branch_labels = None
depends_on = None

CATEGORY_STORE_COHORTS = migration("0050_rollup_category_store_cohorts")  # the last to change rollup_apply
APPLY = CATEGORY_STORE_COHORTS.UPSERTS  # rollup_apply as it is
INSTALL = CATEGORY_STORE_COHORTS.INSTALL
ROLLUPS = migration("0052_customer_store_totals").ROLLUPS
ALL_TIME = migration("0026_customer_all_time")
ANALYZE_BIG_DELTA = migration("0014_upkeep_of_big_deltas").ANALYZE_BIG_DELTA

REMOVED_FROM = (
    "t.kind = 'a' AND t.period = '-infinity' AND t.customer_key = ANY (ARRAY("
    "SELECT DISTINCT customer_key FROM rollup_delta WHERE customer_key IS NOT NULL AND sign < 0))"
)
CUSTOMERS_JOINED = f"t.kind = 'a' AND t.customer_key IN ({ALL_TIME.DELTA_CUSTOMERS} AND sign < 0)"
CATEGORIES_JOINED = f"t.kind = 'a' AND (t.category, t.customer_key) IN ({ALL_TIME.DELTA_CATEGORIES} AND sign < 0)"

UPSERTS = ANALYZE_BIG_DELTA + replace_once(
    replace_once(replace_once(APPLY, ANALYZE_BIG_DELTA, ""), CUSTOMERS_JOINED, REMOVED_FROM),
    CATEGORIES_JOINED,
    REMOVED_FROM,
)


def upgrade() -> None:
    INSTALL(UPSERTS, ROLLUPS)


def downgrade() -> None:
    INSTALL(APPLY, ROLLUPS)
