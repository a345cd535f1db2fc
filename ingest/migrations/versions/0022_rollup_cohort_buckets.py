"""New and returning customers by day and by week, kept by the rollup triggers.

The customers page's "new and returning" chart by day or week (ranges up to ~6 months) grouped
every order of the range per customer and bucket and joined each customer's first purchase
day: at 10M lines a quarter by week took 0.6-0.75 s, a month by day 0.17-0.42 s, without any
store or category filter.

rollup_cohort_buckets holds, per kind ('d' day, 'w' ISO week), bucket (its first day), new
(whether the bucket holds the customer's first-ever purchase; NULL for a customer whose lines
are all returns), segment and region: the customers with a purchase in the bucket, their
sales in it (returns included) and cells, the (customer, bucket) pairs filed there (a row goes
at zero cells). Customers are distinct within a row: a customer has one first purchase,
segment and region. A few rows per day whatever the lines.

As rollup_cohorts (0012), whole customers are refiled: a new first purchase, or an undo that
takes one away, moves the customer's buckets between new and returning. Before
customer_orders takes the delta, each touched customer's buckets come off the rows they were
filed under (under the segment and region customer_cohorts recorded); after it and after 0012
has recorded the customer anew, they go back as they are now. A new index finds a customer's
orders, so one live order reads that customer's ~40 orders.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

LATEST = migration("0021_customer_periods_in_key_order")  # rollup_apply as it is
COHORTS = migration("0012_rollup_cohorts")  # its UNFILE and REFILE are in rollup_apply once
UPSERTS_0021 = replace_once(LATEST.UPSERTS, LATEST.BY_PERIOD, LATEST.BY_KEY)
ROLLUPS = f"{LATEST.STORES.ROLLUPS}, rollup_cohort_buckets"

TABLE = """
CREATE TABLE rollup_cohort_buckets (
    kind      char(1) NOT NULL CHECK (kind IN ('d', 'w')),
    bucket    date NOT NULL,
    new       boolean,
    segment   text NOT NULL,
    region    text NOT NULL,
    customers bigint NOT NULL,  -- with a purchase in the bucket
    sales     numeric NOT NULL,
    cells     bigint NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, bucket, new, segment, region)
);
CREATE INDEX customer_orders_customer ON customer_orders (customer_key);
"""

# An ISO week's Monday, as data_access.filters.bucket_sql writes it.
WEEK = "({day} - ({day} - DATE '0001-01-01') % 7)"


def _cells(customers: str) -> str:
    """WITH ...cells(customer_key, kind, bucket, new, bought, sales): the customers' days and
    weeks from customer_orders. The first purchase is a window, not a join (see 0012)."""
    week, first_week = WEEK.format(day="day"), WEEK.format(day="first_day")
    return f"""
    WITH touched AS ({customers}),
    days AS (
        SELECT o.customer_key, o.order_date AS day, bool_or(o.bought_lines > 0) AS bought, sum(o.sales) AS sales
        FROM customer_orders o JOIN touched USING (customer_key)
        GROUP BY 1, 2
    ),
    firsts AS (
        SELECT d.*, min(d.day) FILTER (WHERE d.bought) OVER (PARTITION BY d.customer_key) AS first_day
        FROM days d
    ),
    cells AS (
        SELECT customer_key, 'd' AS kind, day AS bucket, day = first_day AS new, bought, sales FROM firsts
        UNION ALL
        SELECT customer_key, 'w', {week}, {week} = {first_week}, bool_or(bought), sum(sales)
        FROM firsts GROUP BY 1, 2, 3, 4
    )"""


# Adds (sign "") or takes off (sign "-") the cells, under the customers' recorded attributes.
ADD = """
    INSERT INTO rollup_cohort_buckets AS t (kind, bucket, new, segment, region, customers, sales, cells)
    SELECT c.kind, c.bucket, c.new, h.segment, h.region,
           {sign}count(*) FILTER (WHERE c.bought), {sign}sum(c.sales), {sign}count(*)
    FROM cells c JOIN customer_cohorts h USING (customer_key)
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (kind, bucket, new, segment, region) DO UPDATE SET
        customers = t.customers + EXCLUDED.customers, sales = t.sales + EXCLUDED.sales,
        cells = t.cells + EXCLUDED.cells;"""

UNFILE = _cells(COHORTS.DELTA_CUSTOMERS) + ADD.format(sign="-") + "\n"
REFILE = (
    _cells(COHORTS.DELTA_CUSTOMERS) + ADD.format(sign="") + "\n    DELETE FROM rollup_cohort_buckets WHERE cells = 0;\n"
)
UPSERTS = replace_once(
    replace_once(UPSERTS_0021, COHORTS.UNFILE, UNFILE + COHORTS.UNFILE),
    COHORTS.REFILE,
    COHORTS.REFILE + REFILE,
)
BACKFILL = _cells("SELECT customer_key FROM customer_cohorts") + ADD.format(sign="")


def upgrade() -> None:
    op.execute(TABLE)
    LATEST.STORES.PAIRS._install(UPSERTS, ROLLUPS)
    op.execute(BACKFILL)
    op.execute("ANALYZE rollup_cohort_buckets")


def downgrade() -> None:
    LATEST.STORES.PAIRS._install(UPSERTS_0021, LATEST.STORES.ROLLUPS)
    op.execute("DROP TABLE rollup_cohort_buckets; DROP INDEX customer_orders_customer;")
