"""A customer's last purchase day per category in a year that lost lines is read from the month
it lay in, and only when that month has no purchase left from the months before it.

Why: 0015 took the year's last purchase day as the latest over all its month rows, found per
row through the (kind, period, category, customer_key, store_key) key with the period a range:
a skip scan, ~24 index searches a row. At 10M lines, undoing a 42k-line import (23k year rows)
spent 4.8 s in this statement, the undo's largest.

Before this statement the year row holds the latest day of its months as they were, or later
(rows the delta added to took the greatest of both) and the months have their own last days
again (the statement before). No month after that day's month holds a purchase (its day would be
later), so the year's day is that month's if it kept one; otherwise the latest of the months
before it, each looked up by its whole key (an array of months, not a range). A year without a
purchase keeps none: no month is looked at.

Measured (auto_explain, the same undo): the statement 3.8-4.8 s -> 1.6 s. The whole undo,
alternating with 0040: 24.6 / 26.7 s against 24.8 / 27.8 / 20.6 s, inside the machine's noise.
The test's S0 is the case of a month before the last one holding the year's last purchase.
"""

from ingest.migrations.earlier import migration, replace_once

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

REFILE_LESS = migration("0039_removals_refile_less")
APPLY = REFILE_LESS.UPSERTS  # rollup_apply as it is
INSTALL = REFILE_LESS.INSTALL
ROLLUPS = REFILE_LESS.ROLLUPS

SAME_ROW = """m.category = t.category AND m.customer_key = t.customer_key
          AND m.store_key IS NOT DISTINCT FROM t.store_key"""
EVERY_MONTH = f"""last_bought = (
        SELECT max(m.last_bought) FROM customer_category_periods m
        WHERE m.kind = 'm' AND m.period >= t.period AND m.period < t.period + interval '1 year'
          AND {SAME_ROW})"""
LAST_MONTH = "date_trunc('month', t.last_bought::timestamp)"
MONTHS_BEFORE = f"generate_series(t.period::timestamp, {LAST_MONTH} - interval '1 month', interval '1 month')::date"
ITS_MONTH = f"""last_bought = coalesce(
        (SELECT m.last_bought FROM customer_category_periods m
         WHERE m.kind = 'm' AND m.period = {LAST_MONTH}::date
          AND {SAME_ROW}),
        (SELECT max(m.last_bought) FROM customer_category_periods m
         WHERE m.kind = 'm' AND m.period = ANY (ARRAY(SELECT {MONTHS_BEFORE}))
          AND {SAME_ROW}))"""
UPSERTS = replace_once(APPLY, EVERY_MONTH, ITS_MONTH)


def upgrade() -> None:
    INSTALL(UPSERTS, ROLLUPS)


def downgrade() -> None:
    INSTALL(APPLY, ROLLUPS)
