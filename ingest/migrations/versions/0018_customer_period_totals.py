"""Each customer's months and years over every store, kept from customer_periods.

The customers page adds up every customer's whole years and months in the filter's dates (top
customers, RFM, repeat rate, new vs returning). customer_periods keeps them per store, and the
demo shop's loyal customers buy in several: at 10M lines one year is 107k customer-and-store
rows for 41k customers, one month 35k rows for 17k. Without a store filter, which is most
filters, those rows were added up per customer anyway; customer_period_totals holds the sum:
per customer, kind ('m', 'y') and period, sales, profit, quantity, orders, lines and the last
purchase day.

Money is kept in whole ten-thousandths and quantities in thousandths, as bigint (the facts' own
scales, numeric(16,4) and numeric(14,3), so nothing is rounded): PostgreSQL adds up bigints
1.6-2x faster than numerics, and adding up every customer's rows is what these reads do.

Everything in it is a sum or a maximum of the customer's rows in customer_periods for the same
period (an order has one store), so the upkeep does not repeat customer_periods' own: after it,
the customer periods the delta touched are recomputed from their customer_periods rows, and
those that have none left are deleted.
"""

from alembic import op

from ingest.migrations.earlier import migration

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

PREVIOUS = migration("0017_rollup_subcategory")
PAIRS = PREVIOUS.PAIRS  # 0011: _install

TABLE = """
CREATE TABLE customer_period_totals (
    kind         char(1) NOT NULL CHECK (kind IN ('m', 'y')),
    period       date NOT NULL,
    customer_key bigint NOT NULL,
    sales_x10000    bigint NOT NULL,  -- sales in ten-thousandths
    profit_x10000   bigint NOT NULL,
    quantity_x1000  bigint NOT NULL,  -- quantity in thousandths
    orders          bigint NOT NULL,
    lines           bigint NOT NULL,
    last_bought     date,
    PRIMARY KEY (kind, period, customer_key)
);
"""

SUMMED = """
    SELECT p.kind, p.period, p.customer_key, (sum(p.sales) * 10000)::bigint, (sum(p.profit) * 10000)::bigint,
           (sum(p.quantity) * 1000)::bigint, sum(p.orders), sum(p.lines), max(p.last_bought)
    FROM customer_periods p"""
COLUMNS = "kind, period, customer_key, sales_x10000, profit_x10000, quantity_x1000, orders, lines, last_bought"

# The (kind, period, customer) cells the delta touched.
TOUCHED = """(SELECT DISTINCT k.kind, date_trunc(k.unit, d.day)::date AS period, d.customer_key
    FROM rollup_delta d CROSS JOIN (VALUES ('m', 'month'), ('y', 'year')) AS k(kind, unit)
    WHERE d.customer_key IS NOT NULL)"""

UPSERT = f"""
    INSERT INTO customer_period_totals AS t ({COLUMNS})
    {SUMMED}
    WHERE (p.kind, p.period, p.customer_key) IN {TOUCHED}
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (kind, period, customer_key) DO UPDATE SET
        sales_x10000 = EXCLUDED.sales_x10000, profit_x10000 = EXCLUDED.profit_x10000,
        quantity_x1000 = EXCLUDED.quantity_x1000, orders = EXCLUDED.orders, lines = EXCLUDED.lines,
        last_bought = EXCLUDED.last_bought;
    DELETE FROM customer_period_totals t
    WHERE (t.kind, t.period, t.customer_key) IN {TOUCHED}
      AND NOT EXISTS (SELECT 1 FROM customer_periods p
                      WHERE p.kind = t.kind AND p.period = t.period AND p.customer_key = t.customer_key);
"""

UPSERTS_0017 = PREVIOUS.UPSERTS_0016 + PREVIOUS.UPSERT
ROLLUPS = f"{PREVIOUS.ROLLUPS}, customer_period_totals"


def upgrade() -> None:
    op.execute(TABLE)
    PAIRS._install(UPSERTS_0017 + UPSERT, ROLLUPS)
    op.execute("SET LOCAL work_mem = '256MB'")
    op.execute(f"INSERT INTO customer_period_totals ({COLUMNS}) {SUMMED} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")


def downgrade() -> None:
    PAIRS._install(UPSERTS_0017, PREVIOUS.ROLLUPS)
    op.execute("DROP TABLE customer_period_totals")
