"""A customer who lost lines is refiled whole in the cohort rollups only when their first
purchase may move, as one who gained some (0033, 0034).

Why: 0033 refiled whole every customer with a delta row of sign -1. Undoing an import, or a
file that replaces orders it names again (a daily export overlapping the day before), takes
lines away from customers who bought long before: at 10M lines, undoing three days' import
(10.8k customers) spent 6.2 s in the day/week cohort statements and ~2 s in the month ones,
reading every month of those customers.

A line taken away on a day whose week starts in a month after the recorded first purchase
month cannot move the first purchase (that lies before it), so the customer is refiled in part
like one who gained lines; 0033's date test already covers removals, as the delta's earliest
day is taken over both signs. The other removals 0033 named are caught by the same test: a
customer given another segment or region arrives as all their lines taken away under the old
ones and put back under the new, the first purchase among them; an order moved to another day
or customer brings its old and new day.
"""

from ingest.migrations.earlier import migration, replace_once

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

LAST_BOUGHT = migration("0038_last_bought_from_customer_orders")
BUCKETS_LESS = migration("0033_cohort_buckets_refile_less")
APPLY = LAST_BOUGHT.UPSERTS  # rollup_apply as it is
INSTALL = LAST_BOUGHT.INSTALL
ROLLUPS = LAST_BOUGHT.ROLLUPS

WEEK = BUCKETS_LESS.WEEK
WHOLE = f"""
        SELECT c.customer_key
        FROM (SELECT d.customer_key, min(d.day) AS first_day FROM {BUCKETS_LESS.DELTA} GROUP BY 1) c
        LEFT JOIN customer_cohorts h USING (customer_key)
        WHERE h.cohort IS NULL
           OR date_trunc('month', {WEEK.format(day="c.first_day")})::date <= h.cohort"""
# Day/week rows (unfile, refile), month rows (both), per category (whole and part, both).
UPSERTS = replace_once(APPLY, BUCKETS_LESS.WHOLE, WHOLE, times=8)


def upgrade() -> None:
    INSTALL(UPSERTS, ROLLUPS)


def downgrade() -> None:
    INSTALL(APPLY, ROLLUPS)
