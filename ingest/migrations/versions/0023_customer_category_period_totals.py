"""Each customer's months and years per category over every store, kept from
customer_category_periods.

Under one category and no store filter the customers page added up customer_category_periods'
rows (per customer, store, category and period) per customer, and new vs returning grouped them
per customer and month before joining the cohorts: at 10M lines five years of one category are
1.28M month rows for ~700k customer-months, and that grouping spilled to disk (new vs returning
for two segments 1.4 s). customer_category_period_totals holds the sums over the stores, as
customer_period_totals (0018) does without categories: per kind ('m', 'y'), period, category
and customer, sales and profit in ten-thousandths and quantity in thousandths (bigint), orders,
lines and the last purchase day.

Everything in it is a sum or maximum of the customer's rows in customer_category_periods for
the same period and category (an order has one store), so after that table's upkeep the cells
the delta touched are recomputed from it, and those with no rows left are deleted.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

LATEST = migration("0022_rollup_cohort_buckets")  # rollup_apply as it is
PAIRS = LATEST.LATEST.STORES.PAIRS  # 0011: _install

TABLE = """
CREATE TABLE customer_category_period_totals (
    kind           char(1) NOT NULL CHECK (kind IN ('m', 'y')),
    period         date NOT NULL,
    category       text NOT NULL,
    customer_key   bigint NOT NULL,
    sales_x10000   bigint NOT NULL,  -- sales in ten-thousandths
    profit_x10000  bigint NOT NULL,
    quantity_x1000 bigint NOT NULL,  -- quantity in thousandths
    orders         bigint NOT NULL,
    lines          bigint NOT NULL,
    last_bought    date,
    PRIMARY KEY (kind, period, category, customer_key)
);
"""

SUMMED = """
    SELECT p.kind, p.period, p.category, p.customer_key, (sum(p.sales) * 10000)::bigint,
           (sum(p.profit) * 10000)::bigint, (sum(p.quantity) * 1000)::bigint, sum(p.orders), sum(p.lines),
           max(p.last_bought)
    FROM customer_category_periods p"""
COLUMNS = (
    "kind, period, category, customer_key, sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"
)

# The (kind, period, category, customer) cells the delta touched (or took lines from: only
# those can be left without rows, and an import only adds).
TOUCHED = """(SELECT DISTINCT k.kind, date_trunc(k.unit, d.day)::date AS period, d.category, d.customer_key
    FROM rollup_delta d CROSS JOIN (VALUES ('m', 'month'), ('y', 'year')) AS k(kind, unit)
    WHERE d.customer_key IS NOT NULL{taken})"""

UPSERT = f"""
    INSERT INTO customer_category_period_totals AS t ({COLUMNS})
    {SUMMED}
    WHERE (p.kind, p.period, p.category, p.customer_key) IN {TOUCHED.format(taken="")}
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (kind, period, category, customer_key) DO UPDATE SET
        sales_x10000 = EXCLUDED.sales_x10000, profit_x10000 = EXCLUDED.profit_x10000,
        quantity_x1000 = EXCLUDED.quantity_x1000, orders = EXCLUDED.orders, lines = EXCLUDED.lines,
        last_bought = EXCLUDED.last_bought;
    DELETE FROM customer_category_period_totals t
    WHERE (t.kind, t.period, t.category, t.customer_key) IN {TOUCHED.format(taken=" AND d.sign < 0")}
      AND NOT EXISTS (SELECT 1 FROM customer_category_periods p
                      WHERE p.kind = t.kind AND p.period = t.period AND p.category = t.category
                        AND p.customer_key = t.customer_key);
"""

UPSERTS = LATEST.UPSERTS + UPSERT  # rollup_apply as this migration leaves it
ROLLUPS = f"{LATEST.ROLLUPS}, customer_category_period_totals"


def upgrade() -> None:
    op.execute(TABLE)
    PAIRS._install(UPSERTS, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(
        f"INSERT INTO customer_category_period_totals ({COLUMNS}) {SUMMED}\n    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
    )
    op.execute("ANALYZE customer_category_period_totals")


def downgrade() -> None:
    PAIRS._install(LATEST.UPSERTS, LATEST.ROLLUPS)
    op.execute("DROP TABLE customer_category_period_totals")
