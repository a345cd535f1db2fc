"""Rollup upkeep of big deltas (imports): row counts for the planner, pairs in index order.

Measured on a 200k-line import (a fresh database, the demo CSV):
- rollup_pairs took 6.4 s for 353k new rows. Its rows came out of the aggregate sorted by
  month, segment, region, store and products while its index leads with month, product and
  other product: every insert landed somewhere else in the index. Sorted in the index's order
  the same upsert takes 4.1 s.
- rollup_delta is a temp table: autovacuum never analyzes it, so the planner took a 200k-row
  delta for ~300 rows and chose sorts and nested loops sized for that (in session 8 a join of
  two of its CTEs ran for minutes). A delta of 10k rows or more is now analyzed first
  (~0.2 s at 200k rows); a live event's few rows are not, and estimates follow the table's
  current size anyway.
"""

from ingest.migrations.earlier import migration, order_after

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

PREVIOUS = migration("0013_activity_by_category_and_store")
COHORTS = PREVIOUS.PREVIOUS  # 0012: UNFILE, REFILE and the date-ordered 0010 upserts
PAIRS = COHORTS.PREVIOUS  # 0011

ANALYZE_BIG_DELTA = """
    IF (SELECT count(*) FROM rollup_delta) >= 10000 THEN
        ANALYZE rollup_delta;
    END IF;
"""


def _in_index_order(pairs_upsert: str) -> str:
    """0011's pairs upsert with its rows sorted as the unique index is (month, product_key,
    other_key, segment, region, store_key)."""
    return order_after(pairs_upsert, "GROUP BY 1, 2, 3, 4, 5, 6", "ORDER BY 1, 5, 6, 2, 3, 4")


UPSERTS_0013 = PREVIOUS.UPSERTS_0012
UPSERTS = (
    ANALYZE_BIG_DELTA
    + COHORTS.UNFILE
    + COHORTS._in_date_order(PAIRS.UPSERTS_0010)
    + _in_index_order(PAIRS.PAIRS_UPSERT)
    + COHORTS.REFILE
)


def upgrade() -> None:
    PAIRS._install(UPSERTS, PREVIOUS.ROLLUPS)


def downgrade() -> None:
    PAIRS._install(UPSERTS_0013, PREVIOUS.ROLLUPS)
