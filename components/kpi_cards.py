"""KPI cards: value, change vs the previous period and vs a year earlier, definition on hover."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.formatting import NumberFormat


@dataclass(frozen=True)
class KpiSpec:
    key: str
    title: str
    kind: str  # money | count | ratio | decimal
    help: str  # the words of kpis.md


OVERVIEW_KPIS = (
    KpiSpec(
        "sales",
        "Sales",
        "money",
        "Σ line net amount = quantity × unit price × (1 − discount). Cancelled orders excluded; returns reduce it.",
    ),
    KpiSpec("profit", "Profit", "money", "Σ line profit = net amount − quantity × unit cost."),
    KpiSpec("margin", "Margin", "ratio", "Profit ÷ sales."),
    KpiSpec(
        "orders",
        "Orders",
        "count",
        "Number of distinct orders with at least one line in the filter (returns do not add an order).",
    ),
    KpiSpec("quantity", "Quantity", "count", "Σ quantity of the lines in the filter (returns subtract)."),
    KpiSpec(
        "customers",
        "Customers",
        "count",
        "Number of distinct customers among those orders"
        " (lines without a customer count toward sales but not customers).",
    ),
    KpiSpec("orders_per_customer", "Orders per customer", "decimal", "Orders ÷ customers."),
    KpiSpec("aov", "Avg order value", "money", "Sales ÷ orders."),
)


def _value(totals: Any, key: str):
    return getattr(totals, key)


def format_kpi(value, kind: str, fmt: NumberFormat) -> str:
    if kind == "money":
        return fmt.money(value)
    if kind == "ratio":
        return fmt.percent(value)
    if kind == "decimal":
        return fmt.number(value, decimals=2)
    return fmt.number(value)


DISPLAY_DECIMALS = {"money": 2, "count": 0, "decimal": 2}


def change_text(current, previous, kind: str, fmt: NumberFormat) -> tuple[str, str]:
    """('▲ +$1,200.00 (+5.2%)', css class); ratios change in percentage points.

    Direction and colour follow the change as displayed, so "+0.0 pp" is never green."""
    if current is None or previous is None:
        return "n/a (no data to compare)", "text-muted"
    delta = Decimal(str(current)) - Decimal(str(previous))
    decimals = 1 if kind == "ratio" else DISPLAY_DECIMALS[kind]
    shown = (delta * 100 if kind == "ratio" else delta).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    shown += 0  # -0.00 -> 0.00
    arrow = "▲" if shown > 0 else "▼" if shown < 0 else "■"
    tone = "text-success" if shown > 0 else "text-danger" if shown < 0 else "text-muted"
    if kind == "ratio":
        return f"{arrow} {fmt.signed(shown, decimals=1)} pp", tone
    absolute = fmt.signed_money(shown) if kind == "money" else fmt.signed(shown, decimals=decimals)
    if not previous:
        return f"{arrow} {absolute}", tone
    ratio = delta / abs(Decimal(str(previous)))
    return f"{arrow} {absolute} ({fmt.signed(ratio * 100, decimals=1)}%)", tone


def kpi_card(spec: KpiSpec, comparison: Any, fmt: NumberFormat, id_prefix: str) -> dbc.Card:
    current = _value(comparison.current, spec.key)
    rows = []
    baselines = [("vs prev. period", comparison.previous), ("vs last year", comparison.year_earlier)]
    if comparison.same_dates:  # a whole year: the previous period is last year
        baselines = baselines[1:]
    for label, other in baselines:
        baseline = None if other.is_empty else _value(other, spec.key)
        text, tone = change_text(current, baseline, spec.kind, fmt)
        rows.append(
            html.Div(
                [html.Span(f"{label} ", className="text-muted"), html.Span(text, className=tone)],
                className="kpi-change",
            )
        )
    card_id = f"{id_prefix}-{spec.key}"
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [spec.title, html.Span("i", id=f"{card_id}-help", className="kpi-help", title=spec.help)],
                    className="kpi-title",
                ),
                dbc.Tooltip(spec.help, target=f"{card_id}-help", placement="top"),
                html.Div(format_kpi(current, spec.kind, fmt), className="kpi-value", id=f"{card_id}-value"),
                *rows,
            ]
        ),
        className="kpi-card h-100",
        id=card_id,
    )


def kpi_cards(comparison: Any, fmt: NumberFormat, id_prefix: str, specs=OVERVIEW_KPIS) -> dbc.Row:
    return dbc.Row(
        [dbc.Col(kpi_card(s, comparison, fmt, id_prefix), xs=12, sm=6, lg=3) for s in specs],
        className="g-3",
    )


def stat_card(title: str, value: str, help_text: str, card_id: str, detail: str = "") -> dbc.Card:
    """A KPI card without period comparison (for figures that have none)."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div([title, html.Span("i", className="kpi-help", title=help_text)], className="kpi-title"),
                html.Div(value, className="kpi-value", id=f"{card_id}-value"),
                html.Div(detail, className="kpi-change text-muted"),
            ]
        ),
        className="kpi-card h-100",
        id=card_id,
    )
