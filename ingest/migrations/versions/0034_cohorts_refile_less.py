"""The month cohort rows (rollup_cohorts, 0012; rollup_category_cohorts, 0027) and the recorded
cohorts (customer_cohorts) refile whole customers only when their first purchase may move, as
the day and week rows do since 0033.

At 10M lines, three days of orders (42k lines, 10.8k customers, under EXPLAIN ANALYZE): the two
statements of rollup_cohorts and customer_cohorts 1.1 + 1.4 s, those of rollup_category_cohorts
1.4 + 1.5 s, each reading every month of every touched customer. The customers refiled whole
are 0033's (WHOLE: a line taken away, no recorded first purchase month, or a delta week that
starts in or before it). For every other touched customer the recorded month, segment and
region stay as they are, so only their months (per category: their category months) that the
delta touches come off before and go back after, under the recorded cohort, and
customer_cohorts keeps their row untouched.
"""

from ingest.migrations.earlier import migration, replace_once

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

BUCKETS_LESS = migration("0033_cohort_buckets_refile_less")
COHORTS = migration("0012_rollup_cohorts")  # its UNFILE and REFILE are in rollup_apply once
CATEGORY_COHORTS = migration("0027_rollup_category_cohorts")  # so are its UNFILE and REFILE
APPLY = BUCKETS_LESS.UPSERTS  # rollup_apply as it is

WHOLE = BUCKETS_LESS.WHOLE
# The delta's months of the customers not refiled whole.
PART_MONTHS = f"""
        SELECT DISTINCT d.customer_key, date_trunc('month', d.day)::date AS month
        FROM rollup_delta d
        WHERE d.customer_key IS NOT NULL AND {BUCKETS_LESS.IN_PART}"""
PART = f""",
    part_months AS (
        SELECT p.customer_key, p.period AS month, sum(p.orders) AS orders, sum(p.sales) AS sales
        FROM customer_periods p JOIN ({PART_MONTHS}) x
          ON p.kind = 'm' AND p.period = x.month AND p.customer_key = x.customer_key
        GROUP BY 1, 2
    ),
    part_filed AS (
        SELECT h.cohort, m.month, h.segment, h.region, m.orders, m.sales
        FROM part_months m JOIN customer_cohorts h USING (customer_key)
    )"""
UNFILE = f"WITH {COHORTS._months(WHOLE)}{PART}" + COHORTS.ADD.format(
    sign="-", rows=f"(SELECT * FROM {COHORTS.FILED_BEFORE} w UNION ALL SELECT * FROM part_filed)"
)
REFILE = replace_once(
    COHORTS._refile(WHOLE),
    COHORTS.ADD.format(sign="", rows="filed"),
    PART
    + COHORTS.ADD.format(
        sign="",
        rows="(SELECT cohort, month, segment, region, orders, sales FROM filed UNION ALL SELECT * FROM part_filed)",
    ),
)

# rollup_category_cohorts: the whole customers' category months, then the others' category
# months the delta touches (an OR of the two took every month row of the table).
WHOLE_CATEGORY_MONTHS = f" AND m.customer_key IN ({WHOLE})"
PART_CATEGORY_MONTHS = f""" AND (m.period, m.category, m.customer_key) IN (
        SELECT date_trunc('month', d.day)::date, d.category, d.customer_key
        FROM rollup_delta d
        WHERE d.customer_key IS NOT NULL AND d.customer_key NOT IN ({WHOLE}))"""


def _category_months(sign: str) -> str:
    add = CATEGORY_COHORTS.ADD
    return add.format(sign=sign, customers=WHOLE_CATEGORY_MONTHS) + add.format(
        sign=sign, customers=PART_CATEGORY_MONTHS
    )


CATEGORY_UNFILE = _category_months("-") + "\n"
CATEGORY_REFILE = _category_months("") + "\n    DELETE FROM rollup_category_cohorts WHERE cells = 0;\n"

UPSERTS = APPLY
for old, new in [
    (COHORTS.UNFILE, UNFILE),
    (COHORTS.REFILE, REFILE),
    (CATEGORY_COHORTS.UNFILE, CATEGORY_UNFILE),
    (CATEGORY_COHORTS.REFILE, CATEGORY_REFILE),
]:
    UPSERTS = replace_once(UPSERTS, old, new)

INSTALL = BUCKETS_LESS.INSTALL
ROLLUPS = BUCKETS_LESS.ROLLUPS


def upgrade() -> None:
    INSTALL(UPSERTS, ROLLUPS)


def downgrade() -> None:
    INSTALL(APPLY, ROLLUPS)
