"""Small HTML tables with formatted money and changes (the big sortable ones use dash-ag-grid)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.formatting import NumberFormat


def _change(current, previous, fmt: NumberFormat) -> html.Span:
    if current is None or previous in (None, 0):
        return html.Span("n/a", className="text-muted small")
    ratio = (Decimal(str(current)) - Decimal(str(previous))) / abs(Decimal(str(previous)))
    tone = "text-success" if ratio > 0 else "text-danger" if ratio < 0 else "text-muted"
    return html.Span(f"{fmt.signed(ratio * 100, decimals=1)}%", className=f"{tone} small")


def _point_change(current, previous, fmt: NumberFormat) -> html.Span:
    """A ratio's change in percentage points ('+0.3 pp'), toned as displayed: '+0.0 pp' is grey."""
    if current is None or previous is None:
        return html.Span("n/a", className="text-muted small")
    points = ((Decimal(str(current)) - Decimal(str(previous))) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) + 0
    tone = "text-success" if points > 0 else "text-danger" if points < 0 else "text-muted"
    return html.Span(f"{fmt.signed(points, decimals=1)} pp", className=f"{tone} small")


def segment_comparison_table(df: pd.DataFrame, fmt: NumberFormat, table_id: str) -> dbc.Table:
    """Segments as rows; sales, profit, margin, orders, customers, AOV, each change vs previous."""
    header = html.Thead(
        html.Tr(
            [html.Th("Segment")]
            + [html.Th(h, className="text-end") for h in ("Sales", "Profit", "Margin", "Orders", "Customers", "AOV")]
        )
    )

    def cell(label, text, change=None):
        # data-label: on a phone each row stacks into a card that names its values (10-style.css).
        return html.Td([html.Div(text), change or ""], className="text-end", **{"data-label": label})

    rows = [
        html.Tr(
            [
                html.Th(r["segment"], scope="row"),
                cell("Sales", fmt.money(r["sales"]), _change(r["sales"], r["prev_sales"], fmt)),
                cell("Profit", fmt.money(r["profit"]), _change(r["profit"], r["prev_profit"], fmt)),
                cell("Margin", fmt.percent(r["margin"]), _point_change(r["margin"], r["prev_margin"], fmt)),
                cell("Orders", fmt.number(r["orders"]), _change(r["orders"], r["prev_orders"], fmt)),
                cell("Customers", fmt.number(r["customers"]), _change(r["customers"], r["prev_customers"], fmt)),
                cell("AOV", fmt.money(r["aov"]), _change(r["aov"], r["prev_aov"], fmt)),
            ]
        )
        for r in df.to_dict("records")
    ]
    return dbc.Table(
        [header, html.Tbody(rows)], hover=True, responsive=True, className="mb-0 kpi-table stacked-table", id=table_id
    )
