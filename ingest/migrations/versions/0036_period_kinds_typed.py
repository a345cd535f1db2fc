"""The customer period totals find the periods an import touched through their whole key.

customer_period_totals (0018) and customer_category_period_totals (0023) are summed again, for
each (kind, period, customer) the delta touches, from the per-store rows of customer_periods
and customer_category_periods, whose keys start with `kind`, a character(1). The delta's kinds
came from `VALUES ('m', 'month'), ...`, which PostgreSQL types as text, so `kind = k.kind`
compared text with text and the index could not use it: each probe skipped through the index's
kinds (PostgreSQL 18's skip scan), ~20 buffers instead of ~5. Typed as character(1), the kind
is part of the index condition. The same for the statements that look for emptied totals and
the last purchase days after lines went away.

Measured at 10M lines, the 42k-line import's periods (40k keys): the category totals' lookup
alone 530-550 -> 310-335 ms; in the import (auto_explain) the category totals' upsert 1.3 ->
0.75 s, the customer totals' 0.48 -> 0.32 s; the import 9.1-9.9 -> 8.5-8.8 s, alternating.
"""

from ingest.migrations.earlier import migration, replace_once

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

COHORTS_LESS = migration("0034_cohorts_refile_less")
APPLY = COHORTS_LESS.UPSERTS  # rollup_apply as it is
INSTALL = COHORTS_LESS.INSTALL
ROLLUPS = COHORTS_LESS.ROLLUPS

KINDS = "FROM rollup_delta d CROSS JOIN (VALUES ('m', 'month'), ('y', 'year')) AS k(kind, unit)"
TYPED_KINDS = "FROM rollup_delta d CROSS JOIN (VALUES ('m'::character(1), 'month'), ('y', 'year')) AS k(kind, unit)"
# customer_periods' last purchase days, then the two totals' upserts and deletes.
UPSERTS = replace_once(APPLY, KINDS, TYPED_KINDS, times=5)


def upgrade() -> None:
    INSTALL(UPSERTS, ROLLUPS)


def downgrade() -> None:
    INSTALL(APPLY, ROLLUPS)
