"""The fact query every KPI reads: order lines joined to their order and dimensions."""

from __future__ import annotations

from typing import Any

from data_access.filters import KpiFilter, where_sql

# Aliases are part of the contract with filters.DIMENSION_COLUMNS.
FACT_FROM = """
    FROM order_lines l
    JOIN orders o ON o.order_key = l.order_key
    JOIN products p ON p.product_key = l.product_key
    LEFT JOIN customers c ON c.customer_key = o.customer_key
    LEFT JOIN stores s ON s.store_key = o.store_key
"""

# Breakdowns keep lines without a customer (no segment, no region) or without a store under
# labels of their own, so the bars add up to the total.
NO_CUSTOMER = "(no customer)"
NO_STORE = "(no store)"

# kpis.md: a return (negative quantity) reduces sales but does not add an order or a customer.
ORDER_COUNT = "count(DISTINCT o.order_key) FILTER (WHERE l.quantity > 0)"
CUSTOMER_COUNT = "count(DISTINCT o.customer_key) FILTER (WHERE l.quantity > 0)"
SALES = "coalesce(sum(l.net_amount), 0)"
PROFIT = "coalesce(sum(l.profit), 0)"
QUANTITY = "coalesce(sum(l.quantity), 0)"
# A customer's first and last purchase: days with a line of positive quantity (a return is not one).
FIRST_PURCHASE = "min(o.order_date) FILTER (WHERE l.quantity > 0)"
LAST_PURCHASE = "max(o.order_date) FILTER (WHERE l.quantity > 0)"


def filtered_facts(f: KpiFilter, prefix: str = "f_") -> tuple[str, dict[str, Any]]:
    """'FROM ... WHERE ...' for the lines passing f, and its bound parameters."""
    where, params = where_sql(f, prefix)
    return f"{FACT_FROM} WHERE {where}", params
