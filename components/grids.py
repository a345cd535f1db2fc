"""Data grids (dash-ag-grid): sortable, searchable, paginated, downloadable as CSV."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.formatting import NumberFormat


# The formatters live in assets/dashAgGridFunctions.js; locale and currency are settings.
def _js_money(fmt: NumberFormat) -> dict:
    return {"function": f"formatMoney(params.value, '{fmt.locale.replace('_', '-')}', '{fmt.currency}')"}


def _js_number(fmt: NumberFormat, style: str = "decimal", digits: int = 0) -> dict:
    return {"function": f"formatNumber(params.value, '{fmt.locale.replace('_', '-')}', '{style}', {digits})"}


def money_column(field: str, header: str, fmt: NumberFormat) -> dict:
    return {
        "field": field,
        "headerName": header,
        "type": "rightAligned",
        "valueFormatter": _js_money(fmt),
        "minWidth": 136,  # "$967,134.54" whole; at 120 a six-figure sum with cents ended in "…"
        "maxWidth": 180,  # "$12,345,678.90" whole; wider, it took the width a long name needs
    }


def _to_cent(value: object) -> float | None:
    return None if value is None else float(Decimal(value).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _to_float(value: object) -> float | None:
    return None if value is None else float(value)


def _to_iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def grid_rows(df: pd.DataFrame, money: tuple[str, ...], ratios: tuple[str, ...] = ()) -> list[dict]:
    """Records for the grid. Money is rounded half-up to the cent first; the grid needs numbers
    to sort, and a 2-decimal value survives the float round trip exactly as written. Dates go
    as ISO text (it sorts as dates and reads everywhere). Built from each column's plain values
    (tolist) rather than a converted copy of the frame: ~3x faster for the customers page's
    1,000 top customers, which it sends on every filter change."""
    columns = list(df.columns)
    values = []
    for column in columns:
        cells = df[column].tolist()
        convert = _to_cent if column in money else _to_float if column in ratios else None
        if convert is None and df[column].dtype == object and cells:
            first = cells[0]
            convert = _to_float if isinstance(first, Decimal) else _to_iso if isinstance(first, dt.date) else None
        values.append([convert(v) for v in cells] if convert else cells)
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _number_column(field: str, header: str, fmt: NumberFormat, style: str = "decimal", digits: int = 0) -> dict:
    formatter = _js_number(fmt, style, digits)
    return {
        "field": field,
        "headerName": header,
        "type": "rightAligned",
        "valueFormatter": formatter,
        "minWidth": 95,  # "Quantity" whole; a longer header wraps (wrapHeaderText) rather than ending in "…"
        "maxWidth": 120,
    }


def data_grid(grid_id: str, columns: list[dict], row_id: str, no_rows: str) -> dag.AgGrid:
    """Sortable, paginated, single-row-selectable grid; the page feeds rowData and search."""
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=[],
        # CSV gets raw numbers (a spreadsheet can sum them), the screen the formatted text.
        defaultColDef={
            "sortable": True,
            "resizable": True,
            "useValueFormatterForExport": False,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        columnSize="responsiveSizeToFit",
        getRowId=f"'' + params.data.{row_id}",  # a string; String() is not in scope here
        dashGridOptions={
            "pagination": True,
            "paginationPageSize": 15,
            "paginationPageSizeSelector": [15, 50, 100],
            "rowSelection": {"mode": "singleRow", "checkboxes": False, "enableClickSelection": True},
            "quickFilterText": "",
            "localeText": {"noRowsToShow": no_rows},
        },
        style={"height": "560px"},
    )


# A name is the one column whose text has no bound (a shop's product names run past 40
# characters): it wraps onto a second line rather than ending in "…", and the columns beside it
# are capped so the spare width goes to it.
def _name_column(field: str, header: str, min_width: int) -> dict:
    wrapped = {"wrapText": True, "autoHeight": True}
    return {"field": field, "headerName": header, "flex": 2, "minWidth": min_width} | wrapped


def _label_column(field: str, header: str, min_width: int) -> dict:
    return {"field": field, "headerName": header, "minWidth": min_width, "maxWidth": 170}


RANK = {
    "field": "rank",
    "headerName": "#",
    "type": "rightAligned",
    "minWidth": 64,  # "1,000" whole: sized to fit a phone, the column was squeezed to "1.."
    "maxWidth": 80,
    "headerTooltip": "Dense rank by sales",
}


# The rank's measure, sales, comes right after the name: a phone shows about three columns, and
# showed the rank, the name and a category or segment, the sales out of sight to the right.
def top_products_grid(grid_id: str, fmt: NumberFormat) -> dag.AgGrid:
    columns = [
        RANK,
        _name_column("product", "Product", 220),
        money_column("sales", "Sales", fmt),
        _label_column("category", "Category", 130),
        _label_column("sub_category", "Sub-category", 130),
        money_column("profit", "Profit", fmt),
        _number_column("margin", "Margin", fmt, "percent", 1),
        _number_column("quantity", "Quantity", fmt),
        _number_column("orders", "Orders", fmt),
    ]
    return data_grid(grid_id, columns, "product_key", "No products sold in this range and filter")


def top_customers_grid(grid_id: str, fmt: NumberFormat) -> dag.AgGrid:
    columns = [
        RANK,
        _name_column("customer", "Customer", 140),
        money_column("sales", "Sales", fmt),
        _label_column("segment", "Segment", 120),
        _label_column("region", "Region", 90),
        _number_column("orders", "Orders", fmt),
        _number_column("quantity", "Quantity", fmt),
        money_column("profit", "Profit", fmt),
        {"field": "first_order", "headerName": "First order", "minWidth": 115, "headerTooltip": "Whole history"},
        {"field": "last_order", "headerName": "Last order", "minWidth": 115, "headerTooltip": "Whole history"},
        _number_column("recency_days", "Recency (days)", fmt)
        | {"headerTooltip": "Days from the last order in the range to its end"},
    ]
    return data_grid(grid_id, columns, "customer_key", "No customers bought in this range and filter")


# Cells of the columns a phone (below 576 px) does without, so the others fit its width: also
# bought's support (a share of all orders, tiny for any one pair), an RFM group's segments and scores.
WIDE_ONLY_TEXT = "d-none d-sm-table-cell"
WIDE_ONLY = f"text-end {WIDE_ONLY_TEXT}"


def also_bought_table(items: pd.DataFrame, fmt: NumberFormat, table_id: str) -> dbc.Table:
    header = html.Thead(
        html.Tr(
            [html.Th("Bought with it")]
            + [
                html.Th(h, className=WIDE_ONLY if h == "Support" else "text-end", title=t)
                for h, t in (
                    ("Orders together", "orders containing both products"),
                    ("Support", "orders with both ÷ all orders"),
                    ("Confidence", "orders with both ÷ orders with the chosen product"),
                    (
                        "Lift",
                        "confidence ÷ share of orders with this product; above 1 = bought together more than by chance",
                    ),
                )
            ]
        )
    )
    rows = [
        html.Tr(
            [
                html.Td(r["product"]),
                html.Td(fmt.number(r["together"]), className="text-end"),
                html.Td(fmt.percent(r["support"], decimals=2), className=WIDE_ONLY),
                html.Td(fmt.percent(r["confidence"]), className="text-end"),
                html.Td(fmt.number(r["lift"], decimals=2), className="text-end"),
            ]
        )
        for r in items.to_dict("records")
    ]
    return dbc.Table(
        [header, html.Tbody(rows)],
        size="sm",
        hover=True,
        responsive=True,
        className="kpi-table compact-table mb-0",
        id=table_id,
    )
