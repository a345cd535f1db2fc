"""The day and week cohort rows (rollup_cohort_buckets, 0022) refile whole customers only when
their first purchase may move; for the others only the days and weeks the delta touches.

Why: 0022 takes every touched customer's days and weeks off the rows they are filed under
before the delta and puts them back after it, so a first purchase that moves, or an undo, moves
all of them between new and returning. An import into a shop with history touches customers
who bought before: at 10M lines, three days of orders (42k lines, 10.8k customers) refiled
622k orders as 805k cells, twice, 11 s warm (51 s with the cache cold) of the import's 32 s.

Who is refiled whole: a customer with a line taken away (an undo, a replaced order, a new
segment or region: each makes delta rows of sign -1), one without a recorded first purchase
month (new, or returns only), and one whose earliest delta day's week starts in or before the
recorded month. For every other touched customer the first purchase lies in an earlier month
than any week the delta touches, so none of those days or weeks is their first (new = false)
and nothing else of theirs changes: their cells of the delta's days and weeks come off before
and go back after. The test reads the same before and after: the recorded month of such a
customer cannot change, and that of a customer refiled whole becomes one that still passes it.

A (customer_key, order_date) index on customer_orders replaces 0022's (customer_key) one: the
week cells read a customer's orders of one week.
"""

from alembic import op

from ingest.migrations.earlier import migration, replace_once

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

IN_UNITS = migration("0032_rollup_sums_in_units")
BUCKETS = migration("0022_rollup_cohort_buckets")  # its UNFILE and REFILE are in rollup_apply once
APPLY = IN_UNITS.in_units(IN_UNITS.APPLY, 0)  # rollup_apply as it is
INSTALL = IN_UNITS.CATEGORY_COHORTS.LATEST.PAIRS._install
ROLLUPS = IN_UNITS.CATEGORY_COHORTS.ROLLUPS

WEEK = BUCKETS.WEEK
DELTA = "rollup_delta d WHERE d.customer_key IS NOT NULL"
# A delta row (d) of a customer refiled in part: not among those WHOLE chose (`touched`).
IN_PART = "d.customer_key NOT IN (SELECT customer_key FROM touched)"
# Read alike before the delta and after it (see above).
WHOLE = f"""
        SELECT c.customer_key
        FROM (SELECT d.customer_key, bool_or(d.sign < 0) AS removes, min(d.day) AS first_day
              FROM {DELTA} GROUP BY 1) c
        LEFT JOIN customer_cohorts h USING (customer_key)
        WHERE c.removes OR h.cohort IS NULL
           OR date_trunc('month', {WEEK.format(day="c.first_day")})::date <= h.cohort"""

# The other touched customers' cells of the delta's days and weeks, none of them new.
PART_CELLS = f""",
    part_days AS (
        SELECT DISTINCT d.customer_key, d.day FROM {DELTA}
          AND {IN_PART}
    ),
    part_weeks AS (SELECT DISTINCT customer_key, {WEEK.format(day="day")} AS week FROM part_days),
    part_cells AS (
        SELECT o.customer_key, 'd' AS kind, o.order_date AS bucket, false AS new,
               bool_or(o.bought_lines > 0) AS bought, sum(o.sales) AS sales
        FROM customer_orders o JOIN part_days p ON p.customer_key = o.customer_key AND p.day = o.order_date
        GROUP BY 1, 3
        UNION ALL
        SELECT o.customer_key, 'w', w.week, false, bool_or(o.bought_lines > 0), sum(o.sales)
        FROM customer_orders o
        JOIN part_weeks w ON w.customer_key = o.customer_key AND o.order_date >= w.week AND o.order_date < w.week + 7
        GROUP BY 1, 3
    ),
    every_cell AS (SELECT * FROM cells UNION ALL SELECT * FROM part_cells)"""

CELLS = BUCKETS._cells(WHOLE) + PART_CELLS
ADD = replace_once(BUCKETS.ADD, "FROM cells c JOIN", "FROM every_cell c JOIN")
UNFILE = CELLS + ADD.format(sign="-") + "\n"
REFILE = CELLS + ADD.format(sign="") + "\n    DELETE FROM rollup_cohort_buckets WHERE cells = 0;\n"
UPSERTS = replace_once(replace_once(APPLY, BUCKETS.UNFILE, UNFILE), BUCKETS.REFILE, REFILE)


def upgrade() -> None:
    op.execute("CREATE INDEX customer_orders_customer_day ON customer_orders (customer_key, order_date)")
    op.execute("DROP INDEX customer_orders_customer")
    INSTALL(UPSERTS, ROLLUPS)


def downgrade() -> None:
    INSTALL(APPLY, ROLLUPS)
    op.execute("CREATE INDEX customer_orders_customer ON customer_orders (customer_key)")
    op.execute("DROP INDEX customer_orders_customer_day")
