"""The KPI report behind `manage.py kpis`: every figure of kpis.md for one filter, as plain data.

Money stays Decimal here; the command line writes it as exact decimal strings.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from data_access.customers import get_repeat_customer_rate, get_top_customers
from data_access.dimensions import get_filter_options
from data_access.filters import KpiFilter
from data_access.products import get_top_products
from data_access.sales import get_sales_by_dimension, get_sales_by_period, get_sales_totals

BREAKDOWN_FIELDS = ("sales", "profit", "orders", "quantity", "customers")
MONEY = {"sales", "profit", "aov"}
RATIOS = {"margin", "repeat_customer_rate", "avg_orders_per_customer"}


def _tidy(key: str, value: Any) -> Any:
    """Money to the cent (half-up), ratios to 6 places, whole quantities without decimals."""
    if not isinstance(value, Decimal):
        return value
    if key in MONEY:
        return value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if key in RATIOS:
        return value.quantize(Decimal("0.000001"), ROUND_HALF_UP)
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def _tidy_all(node: Any, key: str = "") -> Any:
    if isinstance(node, dict):
        return {k: _tidy_all(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_tidy_all(v, key) for v in node]
    return _tidy(key, node)


def report_json(report: dict[str, Any]) -> str:
    """JSON with every Decimal as an exact decimal string ("1234.50")."""
    return json.dumps(report, default=str, indent=2, ensure_ascii=False)


def all_time_filter(**dimensions: Any) -> KpiFilter:
    """From the first to the last order date in the data (today-free, so reproducible)."""
    options = get_filter_options()
    if options.first_date is None:
        raise ValueError("the database holds no orders yet")
    return KpiFilter(start=options.first_date, end=options.last_date, **dimensions)


def kpi_report(f: KpiFilter) -> dict[str, Any]:
    totals = get_sales_totals(f)
    repeat = get_repeat_customer_rate(f)
    report: dict[str, Any] = {
        "from": f.start.isoformat(),
        "to": f.end.isoformat(),
        "sales": totals.sales,
        "profit": totals.profit,
        "margin": totals.margin,
        "orders": totals.orders,
        "quantity": totals.quantity,
        "customers": totals.customers,
        "avg_orders_per_customer": totals.orders_per_customer,
        "aov": totals.aov,
        "repeat_customer_rate": repeat.rate,
    }
    for key, dimension in (("by_category", "category"), ("by_segment", "segment")):
        frame = get_sales_by_dimension(f, dimension)
        report[key] = {row["label"]: {k: row[k] for k in BREAKDOWN_FIELDS} for row in frame.to_dict("records")}
    customers = get_top_customers(f, limit=10)
    report["top_customers"] = [
        {"id": r["customer_id"], "name": r["customer"], "sales": r["sales"]} for r in customers.to_dict("records")
    ]
    products = get_top_products(f, limit=10)
    report["top_products"] = [
        {"id": r["product_id"], "name": r["product"], "sales": r["sales"]} for r in products.to_dict("records")
    ]
    monthly = get_sales_by_period(replace(f, grain="month"))
    report["monthly"] = [
        {"month": r["bucket"].strftime("%Y-%m"), "sales": r["sales"], "orders": r["orders"]}
        for r in monthly.to_dict("records")
    ]
    return _tidy_all(report)
