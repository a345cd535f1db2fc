"""New and returning customers by month under two or more categories, kept by the rollup
triggers.

Under two or more categories (and no store) the chart by month counted each month's customers
from customer_category_sets (0042) made distinct per customer and month: at 10M lines five
years for one segment read 2.2M month rows for 426k customer-months, ~1.1-2.2 s. The sales add up
across categories (rollup_category_cohorts, 0027); the customers do not, a customer of two
counting once.

rollup_set_cohorts holds, per cohort (the month of the customer's first purchase, as
customer_cohorts records it), month, segment, region and the set of categories the customer
bought that month (sorted), how many customers: those with a purchase under any category
filter in a month are the sum over the sets that meet it.

As rollup_category_cohorts (0027, 0034, 0039): before the delta is applied, the customers
refiled whole (WHOLE: their first purchase may move; every month of theirs) and the others'
months the delta touches come off the rows customer_cohorts says they are filed under, each
month's set read from customer_category_sets; at the end, after every rollup has taken the
delta, they go back under the cohort, segment and region as recorded anew. WHOLE reads alike
before and after (0033, 0039). A new index finds a customer's month rows of
customer_category_sets.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

SETS = migration("0042_customer_category_sets")
REFILE_LESS = migration("0039_removals_refile_less")  # WHOLE as rollup_apply reads it
APPLY = SETS.UPSERTS  # rollup_apply as it is
INSTALL = SETS.INSTALL
ROLLUPS = f"{SETS.ROLLUPS}, rollup_set_cohorts"

TABLE = """
CREATE TABLE rollup_set_cohorts (
    cohort     date NOT NULL,
    month      date NOT NULL,
    segment    text NOT NULL,
    region     text NOT NULL,
    categories text[] NOT NULL,  -- sorted, the categories the customer bought in the month
    customers  bigint NOT NULL,
    UNIQUE (cohort, month, segment, region, categories)
);
CREATE INDEX customer_category_sets_months ON customer_category_sets (customer_key) WHERE kind = 'm';
"""

# Adds (sign "") or takes off (sign "-") the customers' months kept by `customers`, each under
# the set of categories bought in it and the cohort, segment and region customer_cohorts records.
ADD = """
    INSERT INTO rollup_set_cohorts AS t (cohort, month, segment, region, categories, customers)
    SELECT h.cohort, m.period, h.segment, h.region, m.categories, {sign}count(*)
    FROM (SELECT m.customer_key, m.period, array_agg(DISTINCT c ORDER BY c) AS categories
          FROM customer_category_sets m CROSS JOIN unnest(m.categories) c
          WHERE m.kind = 'm'{customers}
          GROUP BY 1, 2) m
    JOIN customer_cohorts h USING (customer_key)
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (cohort, month, segment, region, categories) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers;"""

WHOLE = REFILE_LESS.WHOLE
# Every month of the customers refiled whole, then the others' months the delta touches (an OR
# of the two took every month row of the table).
WHOLE_MONTHS = f" AND m.customer_key IN ({WHOLE})"
PART_MONTHS = f""" AND (m.period, m.customer_key) IN (
        SELECT date_trunc('month', d.day)::date, d.customer_key
        FROM rollup_delta d
        WHERE d.customer_key IS NOT NULL AND d.customer_key NOT IN ({WHOLE}))"""


def _months(sign: str) -> str:
    return ADD.format(sign=sign, customers=WHOLE_MONTHS) + ADD.format(sign=sign, customers=PART_MONTHS)


UNFILE = _months("-") + "\n"
REFILE = _months("") + "\n    DELETE FROM rollup_set_cohorts WHERE customers = 0;\n"
# UNFILE sees customer_category_sets and customer_cohorts before the delta (ahead of every
# upsert), REFILE after all of them.
UPSERTS = UNFILE + APPLY + REFILE
BACKFILL = ADD.format(sign="", customers="")


def upgrade() -> None:
    op.execute(TABLE)
    INSTALL(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(BACKFILL)
    op.execute("ANALYZE rollup_set_cohorts")


def downgrade() -> None:
    INSTALL(APPLY, SETS.ROLLUPS)
    op.execute("DROP TABLE rollup_set_cohorts; DROP INDEX customer_category_sets_months;")
