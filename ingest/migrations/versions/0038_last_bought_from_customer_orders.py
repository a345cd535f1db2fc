"""A customer's last purchase day in a period that lost lines is read from their own orders in
customer_orders, not from orders joined to customer_orders.

Why: 0010 found it by reading the customer's orders in the period through orders' (customer_key,
order_date) index and joining each to customer_orders on the order. Since 0033 the only index
of customer_orders by customer is (customer_key, order_date), and the planner joined each order
to all of the customer's rows there: at 10M lines, undoing a 42k-line import (10.8k customers,
28k periods) spent 21 s in this statement, 100M buffer reads. customer_orders holds exactly the
orders with counted lines, with their customer, day and store, so the period is one range of
that index. Measured (bench.import_into_history at 10M): the statement 21 s -> 0.75 s, the
undo 47-62 s -> 26 s. The test adds a return-only order after the last purchase (no purchase:
the day must not become the last one), which dropping `bought_lines > 0` now fails.
"""

from ingest.migrations.earlier import migration, replace_once

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

KINDS_TYPED = migration("0036_period_kinds_typed")
APPLY = KINDS_TYPED.UPSERTS  # rollup_apply as it is
INSTALL = KINDS_TYPED.INSTALL
ROLLUPS = KINDS_TYPED.ROLLUPS

THROUGH_ORDERS = """
        SELECT max(c.order_date)
        FROM orders o JOIN customer_orders c ON c.order_key = o.order_key AND c.customer_key = o.customer_key
        WHERE o.customer_key = t.customer_key
          AND o.order_date >= t.period
          AND o.order_date < t.period + CASE t.kind WHEN 'm' THEN interval '1 month' ELSE interval '1 year' END
          AND c.store_key IS NOT DISTINCT FROM t.store_key AND c.bought_lines > 0)"""
OWN_ORDERS = """
        SELECT max(c.order_date)
        FROM customer_orders c
        WHERE c.customer_key = t.customer_key
          AND c.order_date >= t.period
          AND c.order_date < t.period + CASE t.kind WHEN 'm' THEN interval '1 month' ELSE interval '1 year' END
          AND c.store_key IS NOT DISTINCT FROM t.store_key AND c.bought_lines > 0)"""
UPSERTS = replace_once(APPLY, THROUGH_ORDERS, OWN_ORDERS)


def upgrade() -> None:
    INSTALL(UPSERTS, ROLLUPS)


def downgrade() -> None:
    INSTALL(APPLY, ROLLUPS)
