"""New and returning customers by month under one category and a store filter, kept by the
rollup triggers.

Under a category and stores together the customers page's chart by month grouped every month
row of customer_category_periods (per customer, category, store and month) of the category in
the chosen stores per customer and month and joined the cohorts: at 10M lines all time of one
category in two stores read 1.17M month rows for 310k customer-months, ~0.5-0.6 s. 0027 keeps
the categories' cohorts over every store and 0044 the stores' over every category; this keeps
the two together, for one category:

- rollup_category_store_cohorts: per category, store, cohort (customer_cohorts'; NULL for a
  customer whose lines are all returns), month, segment and region, the customers with a
  purchase of the category in that store that month, their sales there (returns included) and
  cells, the (customer, category, store, month) rows filed there (a row goes at zero cells).
  Sales add up across stores.
- rollup_category_store_set_cohorts: per category, cohort, month, segment, region and the set of
  stores the customer bought the category in that month (sorted; orders without a store are in
  no set), how many customers: a customer of two stores counts once, the sum over the sets that
  meet a filter's.

Both are kept from customer_category_periods' month rows as 0044 keeps its rows from
customer_periods': before the delta, the customers refiled whole (0039's WHOLE, which reads
alike before and after) and the others' category months the delta touches come off the rows
customer_cohorts says they are filed under; after every upsert they go back under the cohort,
segment and region as recorded anew. A new index finds a customer's month rows.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

PRODUCT_SEGMENTS = migration("0047_rollup_product_segments")  # the last to change rollup_apply
REFILE_LESS = migration("0039_removals_refile_less")  # WHOLE as rollup_apply reads it
APPLY = PRODUCT_SEGMENTS.UPSERTS  # rollup_apply as it is
INSTALL = PRODUCT_SEGMENTS.INSTALL
ROLLUPS = f"{PRODUCT_SEGMENTS.ROLLUPS}, rollup_category_store_cohorts, rollup_category_store_set_cohorts"

TABLES = """
CREATE TABLE rollup_category_store_cohorts (
    category  text NOT NULL,
    store_key integer,
    cohort    date,
    month     date NOT NULL,
    segment   text NOT NULL,
    region    text NOT NULL,
    customers bigint NOT NULL,  -- with a purchase of the category in the store in the month
    sales     numeric NOT NULL,
    cells     bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (category, store_key, cohort, month, segment, region)
);
CREATE TABLE rollup_category_store_set_cohorts (
    category  text NOT NULL,
    cohort    date NOT NULL,
    month     date NOT NULL,
    segment   text NOT NULL,
    region    text NOT NULL,
    stores    integer[] NOT NULL,  -- sorted, the stores the customer bought the category in that month
    customers bigint NOT NULL,
    UNIQUE (category, cohort, month, segment, region, stores)
);
CREATE INDEX customer_category_periods_months ON customer_category_periods (customer_key) WHERE kind = 'm';
"""

# Adds (sign "") or takes off (sign "-") the customers' category months kept by `customers`.
ADD_STORES = """
    INSERT INTO rollup_category_store_cohorts AS t
        (category, store_key, cohort, month, segment, region, customers, sales, cells)
    SELECT m.category, m.store_key, h.cohort, m.period, h.segment, h.region,
           {sign}count(*) FILTER (WHERE m.orders > 0), {sign}sum(m.sales), {sign}count(*)
    FROM customer_category_periods m JOIN customer_cohorts h USING (customer_key)
    WHERE m.kind = 'm'{customers}
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (category, store_key, cohort, month, segment, region) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers, sales = t.sales + EXCLUDED.sales,
        cells = t.cells + EXCLUDED.cells;"""
# The same months, each customer's under the set of stores the category was bought in.
ADD_SETS = """
    INSERT INTO rollup_category_store_set_cohorts AS t (category, cohort, month, segment, region, stores, customers)
    SELECT m.category, h.cohort, m.period, h.segment, h.region, m.stores, {sign}count(*)
    FROM (SELECT m.customer_key, m.category, m.period,
                 array_agg(m.store_key ORDER BY m.store_key) FILTER (WHERE m.orders > 0 AND m.store_key IS NOT NULL)
                     AS stores
          FROM customer_category_periods m
          WHERE m.kind = 'm'{customers}
          GROUP BY 1, 2, 3) m
    JOIN customer_cohorts h USING (customer_key)
    WHERE m.stores IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (category, cohort, month, segment, region, stores) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers;"""

WHOLE = REFILE_LESS.WHOLE
# Every category month of the customers refiled whole (by the new index), then the others'
# category months the delta touches (by the table's key; an OR of the two read every month row).
WHOLE_MONTHS = f" AND m.customer_key IN ({WHOLE})"
PART_MONTHS = f""" AND (m.period, m.category, m.customer_key) IN (
        SELECT date_trunc('month', d.day)::date, d.category, d.customer_key
        FROM rollup_delta d
        WHERE d.customer_key IS NOT NULL AND d.customer_key NOT IN ({WHOLE}))"""


def _months(sign: str) -> str:
    return "".join(
        add.format(sign=sign, customers=customers)
        for add in (ADD_STORES, ADD_SETS)
        for customers in (WHOLE_MONTHS, PART_MONTHS)
    )


UNFILE = _months("-") + "\n"
REFILE = (
    _months("")
    + """
    DELETE FROM rollup_category_store_cohorts WHERE cells = 0;
    DELETE FROM rollup_category_store_set_cohorts WHERE customers = 0;
"""
)
# UNFILE sees customer_category_periods and customer_cohorts before the delta (ahead of every
# upsert), REFILE after all of them.
UPSERTS = UNFILE + APPLY + REFILE


def upgrade() -> None:
    op.execute(TABLES)
    INSTALL(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    for add in (ADD_STORES, ADD_SETS):
        op.execute(add.format(sign="", customers=""))
    op.execute("ANALYZE rollup_category_store_cohorts, rollup_category_store_set_cohorts")


def downgrade() -> None:
    INSTALL(APPLY, PRODUCT_SEGMENTS.ROLLUPS)
    op.execute(
        "DROP TABLE rollup_category_store_cohorts, rollup_category_store_set_cohorts; "
        "DROP INDEX customer_category_periods_months;"
    )
