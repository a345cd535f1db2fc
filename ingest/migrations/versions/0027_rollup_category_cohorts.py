"""New and returning customers by month per category, kept by the rollup triggers.

Under one category (and no store) the customers page's "new and returning" chart by month
grouped every customer's months of that category and joined their first-purchase month: at 10M
lines five years of one category for two segments are ~700k customer-months, ~0.6 s.

rollup_category_cohorts holds, per category, cohort (the month of the customer's first purchase
of anything, as customer_cohorts records it; NULL for a customer whose lines are all returns),
month, segment and region: the customers with a purchase in that category that month, their
sales of it that month (returns included) and cells, the (customer, category, month) triples
filed there (a row goes at zero cells). Customers are distinct within a row: a customer has
one cohort, segment and region.

As rollup_cohorts (0012) and rollup_cohort_buckets (0022), whole customers are refiled: a new
first purchase, an undo that takes one away, or a customer's new segment or region moves all
their months. Before the delta is applied, each touched customer's category months (from
customer_category_period_totals, 0023) come off the rows customer_cohorts says they are filed
under; at the end, after both have taken the delta, they go back under the customer's cohort,
segment and region as recorded anew. A new index finds a customer's month rows.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

LATEST = migration("0026_customer_all_time")  # rollup_apply as it is
COHORTS = migration("0012_rollup_cohorts")  # its UNFILE is in rollup_apply once
ROLLUPS = f"{LATEST.LATEST.ROLLUPS}, rollup_category_cohorts"

TABLE = """
CREATE TABLE rollup_category_cohorts (
    category  text NOT NULL,
    cohort    date,
    month     date NOT NULL,
    segment   text NOT NULL,
    region    text NOT NULL,
    customers bigint NOT NULL,  -- with a purchase in the category in the month
    sales     numeric NOT NULL,
    cells     bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (category, cohort, month, segment, region)
);
CREATE INDEX customer_category_period_totals_months ON customer_category_period_totals (customer_key) WHERE kind = 'm';
"""

# Adds (sign "") or takes off (sign "-") the customers' category months, under the cohort,
# segment and region customer_cohorts records for them.
ADD = """
    INSERT INTO rollup_category_cohorts AS t (category, cohort, month, segment, region, customers, sales, cells)
    SELECT m.category, h.cohort, m.period, h.segment, h.region, {sign}count(*) FILTER (WHERE m.orders > 0),
           {sign}sum(m.sales_x10000) * 0.0001, {sign}count(*)
    FROM customer_category_period_totals m JOIN customer_cohorts h USING (customer_key)
    WHERE m.kind = 'm'{customers}
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (category, cohort, month, segment, region) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers, sales = t.sales + EXCLUDED.sales,
        cells = t.cells + EXCLUDED.cells;"""

TOUCHED = f" AND m.customer_key IN ({COHORTS.DELTA_CUSTOMERS})"
UNFILE = ADD.format(sign="-", customers=TOUCHED) + "\n"
REFILE = ADD.format(sign="", customers=TOUCHED) + "\n    DELETE FROM rollup_category_cohorts WHERE cells = 0;\n"
# UNFILE sees both tables before the delta (ahead of 0012's, which is ahead of every upsert),
# REFILE after all of them.
UPSERTS = replace_once(LATEST.UPSERTS, COHORTS.UNFILE, UNFILE + COHORTS.UNFILE) + REFILE
BACKFILL = ADD.format(sign="", customers="")


def upgrade() -> None:
    op.execute(TABLE)
    LATEST.PAIRS._install(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(BACKFILL)
    op.execute("ANALYZE rollup_category_cohorts")


def downgrade() -> None:
    LATEST.PAIRS._install(LATEST.UPSERTS, LATEST.LATEST.ROLLUPS)
    op.execute("DROP TABLE rollup_category_cohorts; DROP INDEX customer_category_period_totals_months;")
