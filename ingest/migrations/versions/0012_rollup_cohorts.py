"""Customers by first-purchase month and month, kept by the rollup triggers.

Cohort retention and new vs returning by month sorted every customer's months for each
request: at 10M lines (~114k customers, 1.75M customer-months) cohorts took 3.3 s and new vs
returning 6.4 s for five years, with no store or category filter.

rollup_cohorts holds, per cohort (the month of the customer's first purchase; NULL for a
customer whose lines are all returns), month, segment and region: the customers with a purchase
in that month, their sales that month (returns included), and cells, the (customer, month)
pairs filed there (a row goes at zero cells). ~30k rows for five years whatever the lines.
Customers are distinct within a row because a customer has one cohort, segment and region.

The cohort is a property of the customer's whole history: a new first purchase, or an undo
that takes it away, moves all their months to another row. So the upkeep refiles whole
customers, from their month rows in customer_periods (0010):
- before customer_periods takes the delta: each touched customer's months come off the row
  customer_cohorts says they are filed under;
- after: their months go back under their cohort, segment and region as they are now, and
  customer_cohorts records that.
A new index finds a customer's month rows, so one live order reads one customer's ~20 rows.

Also: customer_orders and customer_periods rows are now written in date order, and the tables
as they are get rewritten in that order once (CLUSTER). The demo load, or a first import of
years of history, is one delta whose grouping came out in no order: at 10M lines the 119k
orders of a five-year range's ragged days lay on 40k pages (320 MB) of customer_orders, and
the five-year repeat rate took 1.0 s, 0.5 s once clustered.
"""

from alembic import op

from ingest.migrations.earlier import migration, order_after

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


PREVIOUS = migration("0011_rollup_pairs")

TABLE = """
CREATE TABLE rollup_cohorts (
    cohort    date,
    month     date NOT NULL,
    segment   text NOT NULL,
    region    text NOT NULL,
    customers bigint NOT NULL,  -- with a purchase in the month
    sales     numeric NOT NULL,
    cells     bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (cohort, month, segment, region)
);
CREATE TABLE customer_cohorts (
    customer_key bigint PRIMARY KEY,
    cohort       date,
    segment      text NOT NULL,
    region       text NOT NULL
);
CREATE INDEX customer_periods_months ON customer_periods (customer_key) WHERE kind = 'm';
"""

# Each touched customer's months (over their stores): orders with a purchase and sales.
DELTA_CUSTOMERS = "SELECT DISTINCT customer_key FROM rollup_delta WHERE customer_key IS NOT NULL"


def _months(customers: str) -> str:
    return f"""
    touched AS ({customers}),
    months AS (
        SELECT p.customer_key, p.period AS month, sum(p.orders) AS orders, sum(p.sales) AS sales
        FROM customer_periods p JOIN touched USING (customer_key)
        WHERE p.kind = 'm'
        GROUP BY 1, 2
    )"""


# Adds (sign "") or takes off (sign "-") the rows' customer-months (cohort, month, segment,
# region, orders, sales).
ADD = """
    INSERT INTO rollup_cohorts AS t (cohort, month, segment, region, customers, sales, cells)
    SELECT cohort, month, segment, region, {sign}count(*) FILTER (WHERE orders > 0), {sign}sum(sales), {sign}count(*)
    FROM {rows} x
    GROUP BY 1, 2, 3, 4
    ON CONFLICT (cohort, month, segment, region) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers, sales = t.sales + EXCLUDED.sales,
        cells = t.cells + EXCLUDED.cells;"""

# Before customer_periods changes: the touched customers' months off their filed rows.
FILED_BEFORE = """(
    SELECT h.cohort, m.month, h.segment, h.region, m.orders, m.sales
    FROM months m JOIN customer_cohorts h USING (customer_key))"""
UNFILE = f"WITH {_months(DELTA_CUSTOMERS)}" + ADD.format(sign="-", rows=FILED_BEFORE)


def _refile(customers: str) -> str:
    """The customers' months filed anew under their cohort and current attributes; those left
    without months (their orders went) are forgotten. The cohort is a window, not a join: the
    planner has no row counts for the delta, and a misjudged join of two CTEs took minutes."""
    return f"""
    WITH {_months(customers)},
    filed AS (
        SELECT m.customer_key, m.month, m.orders, m.sales, c.segment, c.region,
               min(m.month) FILTER (WHERE m.orders > 0) OVER (PARTITION BY m.customer_key) AS cohort
        FROM months m JOIN customers c USING (customer_key)
    ),
    recorded AS (
        INSERT INTO customer_cohorts AS t (customer_key, cohort, segment, region)
        SELECT DISTINCT customer_key, cohort, segment, region FROM filed
        ON CONFLICT (customer_key) DO UPDATE SET
            cohort = EXCLUDED.cohort, segment = EXCLUDED.segment, region = EXCLUDED.region
    ),
    forgotten AS (
        DELETE FROM customer_cohorts
        WHERE customer_key IN (SELECT customer_key FROM touched)
          AND customer_key NOT IN (SELECT customer_key FROM months)
    ){ADD.format(sign="", rows="filed")}
    DELETE FROM rollup_cohorts WHERE cells = 0;
"""


# After customer_periods took the delta.
REFILE = _refile(DELTA_CUSTOMERS)

# Every customer filed, as the upkeep files the customers it touches.
BACKFILL = _refile("SELECT customer_key FROM customers")


def _in_date_order(upserts: str) -> str:
    """0010's upserts with their inserts sorted by date (ON CONFLICT follows each GROUP BY)."""
    for group_by, order_by in [
        ("GROUP BY order_key, day, customer_key, store_key", "ORDER BY day"),
        ("GROUP BY 1, 2, 3, 4", "ORDER BY 1, 2"),
    ]:
        upserts = order_after(upserts, group_by, order_by)
    return upserts


UPSERTS_0011 = PREVIOUS.UPSERTS_0010 + PREVIOUS.PAIRS_UPSERT
ORDERED_0011 = _in_date_order(PREVIOUS.UPSERTS_0010) + PREVIOUS.PAIRS_UPSERT
ROLLUPS = f"{PREVIOUS.ROLLUPS}, rollup_cohorts, customer_cohorts"


def upgrade() -> None:
    op.execute(TABLE)
    # UNFILE must see customer_periods before the 0010 upsert, REFILE after it.
    PREVIOUS._install(UNFILE + ORDERED_0011 + REFILE, ROLLUPS)
    op.execute(BACKFILL)
    op.execute("CLUSTER customer_orders USING customer_orders_date")
    op.execute("CLUSTER customer_periods USING customer_periods_kind_period_customer_key_store_key_key")


def downgrade() -> None:
    PREVIOUS._install(UPSERTS_0011, PREVIOUS.ROLLUPS)
    op.execute("DROP TABLE rollup_cohorts, customer_cohorts; DROP INDEX customer_periods_months;")
