"""The segments table: every measure's change against the previous period, as displayed."""

from decimal import Decimal

import pandas as pd
from dash import html

from components.formatting import NumberFormat
from components.tables import segment_comparison_table

FMT = NumberFormat("USD", "en_US")


def _row(**values) -> dict:
    row = dict(segment="Corporate", sales=None, profit=None, margin=None, orders=None, customers=None, aov=None)
    row |= {f"prev_{k}": None for k in ("sales", "profit", "margin", "orders", "customers", "aov")}
    return row | values


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component] if component else []
    children = getattr(component, "children", None)
    if children is None:
        return []
    if isinstance(children, (list, tuple)):
        return [t for child in children for t in _texts(child)]
    return _texts(children)


def _by_label(row: dict) -> dict[str, list[str]]:
    table = segment_comparison_table(pd.DataFrame([row]), FMT, "t")
    cells = table.children[1].children[0].children[1:]
    return {cell.to_plotly_json()["props"]["data-label"]: _texts(cell) for cell in cells}


def test_profit_and_margin_changes_are_shown_like_the_others():
    # The fixture shop's Corporate row, Jan-Feb 2026 against Nov 3 - Dec 31 2025:
    # Bob's O2 240.00 (profit 40.00) against Erin's O9 300.00 (profit 120.00).
    row = _row(
        sales=Decimal("240.00"), profit=Decimal("40.00"), margin=Decimal(40) / 240, orders=1, customers=1,
        aov=Decimal("240"), prev_sales=Decimal("300.00"), prev_profit=Decimal("120.00"), prev_margin=Decimal("0.4"),
        prev_orders=1, prev_customers=1, prev_aov=Decimal("300"),
    )  # fmt: skip
    cells = _by_label(row)
    assert cells["Sales"] == ["$240.00", "-20.0%"]
    assert cells["Profit"] == ["$40.00", "-66.7%"]  # (40 - 120) / 120
    assert cells["Margin"] == ["16.7%", "-23.3 pp"]  # 16.67 % - 40 %
    assert cells["AOV"] == ["$240.00", "-20.0%"]


def test_a_margin_change_that_rounds_to_nothing_is_grey_and_a_missing_one_says_so():
    flat = _row(margin=Decimal("0.25004"), prev_margin=Decimal("0.25"))
    assert _by_label(flat)["Margin"][1] == "+0.0 pp"
    margin_cell = segment_comparison_table(pd.DataFrame([flat]), FMT, "t").children[1].children[0].children[3]
    assert isinstance(margin_cell.children[1], html.Span) and "text-muted" in margin_cell.children[1].className
    assert _by_label(_row(profit=Decimal("5"), margin=Decimal("0.5")))["Margin"][1] == "n/a"
    assert _by_label(_row(profit=Decimal("5"), prev_profit=Decimal("0")))["Profit"][1] == "n/a"
