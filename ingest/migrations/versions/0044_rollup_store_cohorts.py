"""New and returning customers by month under a store filter, kept by the rollup triggers.

Under a store filter (and no category) the customers page's chart by month grouped every month
row of customer_periods (per customer, store and month) of the chosen stores per customer and
month and joined the cohorts: at 10M lines all time in one store 0.5-1.0 s, in two stores
1.1-2.2 s.

Two rollups, as 0027 and 0043 are for categories:
- rollup_store_cohorts: per store, cohort (customer_cohorts'; NULL for a customer whose lines
  are all returns), month, segment and region, the customers with a purchase in that store that
  month, their sales there (returns included) and cells, the (customer, store, month) triples
  filed there (a row goes at zero cells). Sales add up across stores.
- rollup_store_set_cohorts: per cohort, month, segment, region and the set of stores the
  customer bought in that month (sorted; orders without a store are in no set), how many
  customers: a customer of two stores counts once, the sum over the sets that meet a filter's.

Both are kept from customer_periods' month rows as 0043 keeps its rows: before the delta, the
customers refiled whole (0039's WHOLE, which reads alike before and after) and the others'
months the delta touches come off the rows customer_cohorts says they are filed under; after
every upsert they go back under the cohort, segment and region as recorded anew.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

SET_COHORTS = migration("0043_rollup_set_cohorts")
APPLY = SET_COHORTS.UPSERTS  # rollup_apply as it is
INSTALL = SET_COHORTS.INSTALL
ROLLUPS = f"{SET_COHORTS.ROLLUPS}, rollup_store_cohorts, rollup_store_set_cohorts"

TABLES = """
CREATE TABLE rollup_store_cohorts (
    store_key integer,
    cohort    date,
    month     date NOT NULL,
    segment   text NOT NULL,
    region    text NOT NULL,
    customers bigint NOT NULL,  -- with a purchase in the store in the month
    sales     numeric NOT NULL,
    cells     bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (store_key, cohort, month, segment, region)
);
CREATE TABLE rollup_store_set_cohorts (
    cohort    date NOT NULL,
    month     date NOT NULL,
    segment   text NOT NULL,
    region    text NOT NULL,
    stores    integer[] NOT NULL,  -- sorted, the stores the customer bought in during the month
    customers bigint NOT NULL,
    UNIQUE (cohort, month, segment, region, stores)
);
"""

# Adds (sign "") or takes off (sign "-") the customers' store months kept by `customers`.
ADD_STORES = """
    INSERT INTO rollup_store_cohorts AS t (store_key, cohort, month, segment, region, customers, sales, cells)
    SELECT m.store_key, h.cohort, m.period, h.segment, h.region, {sign}count(*) FILTER (WHERE m.orders > 0),
           {sign}sum(m.sales), {sign}count(*)
    FROM customer_periods m JOIN customer_cohorts h USING (customer_key)
    WHERE m.kind = 'm'{customers}
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (store_key, cohort, month, segment, region) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers, sales = t.sales + EXCLUDED.sales,
        cells = t.cells + EXCLUDED.cells;"""
# The same months, each customer's under the set of stores bought in.
ADD_SETS = """
    INSERT INTO rollup_store_set_cohorts AS t (cohort, month, segment, region, stores, customers)
    SELECT h.cohort, m.period, h.segment, h.region, m.stores, {sign}count(*)
    FROM (SELECT m.customer_key, m.period,
                 array_agg(m.store_key ORDER BY m.store_key) FILTER (WHERE m.orders > 0 AND m.store_key IS NOT NULL)
                     AS stores
          FROM customer_periods m
          WHERE m.kind = 'm'{customers}
          GROUP BY 1, 2) m
    JOIN customer_cohorts h USING (customer_key)
    WHERE m.stores IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (cohort, month, segment, region, stores) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers;"""

WHOLE_MONTHS = SET_COHORTS.WHOLE_MONTHS
PART_MONTHS = SET_COHORTS.PART_MONTHS


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
    DELETE FROM rollup_store_cohorts WHERE cells = 0;
    DELETE FROM rollup_store_set_cohorts WHERE customers = 0;
"""
)
# UNFILE sees customer_periods and customer_cohorts before the delta (ahead of every upsert),
# REFILE after all of them.
UPSERTS = UNFILE + APPLY + REFILE


def upgrade() -> None:
    op.execute(TABLES)
    INSTALL(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    for add in (ADD_STORES, ADD_SETS):
        op.execute(add.format(sign="", customers=""))
    op.execute("ANALYZE rollup_store_cohorts, rollup_store_set_cohorts")


def downgrade() -> None:
    INSTALL(APPLY, SET_COHORTS.ROLLUPS)
    op.execute("DROP TABLE rollup_store_cohorts, rollup_store_set_cohorts")
