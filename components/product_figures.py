"""Figures of the Products page: the drillable ranking and monthly sales per category."""

from __future__ import annotations

import pandas as pd

from components.figures import (
    CUMULATIVE_COLOR,
    bar_labels,
    base_layout,
    figure,
    make_empty_figure,
    period_axis,
    with_top_note,
)
from components.formatting import NumberFormat
from components.segment_figures import CATEGORY_PALETTE, color_map, fold_small_categories, in_drawing_order

MEASURES = {"sales": "Sales", "profit": "Profit", "quantity": "Quantity", "orders": "Orders"}
MAX_BARS = 25


def make_product_level_figure(df: pd.DataFrame, fmt: NumberFormat, measure: str = "sales") -> dict:
    """Horizontal bars, biggest on top (the top 25 when there are more); customdata is what a
    click selects: the label, or the product key at product level."""
    if df.empty:
        return make_empty_figure("No sales in this range and filter")
    top = df.sort_values(measure, ascending=False, kind="stable").head(MAX_BARS).iloc[::-1]
    money = measure in ("sales", "profit")
    values = top[measure].astype(float)
    text = [fmt.money(v) if money else fmt.number(v) for v in top[measure]]
    keys = top["product_key"] if top["product_key"].notna().all() else top["label"]
    details = [
        f"Sales {fmt.money(r['sales'])}<br>Profit {fmt.money(r['profit'])} ({fmt.percent(r['margin'])})"
        f"<br>Quantity {fmt.number(r['quantity'])} · Orders {fmt.number(r['orders'])}"
        for r in top.to_dict("records")
    ]
    bars = {
        "type": "bar",
        "x": values.tolist(),
        "y": top["label"].tolist(),
        "orientation": "h",
        "marker": {"color": ["#dc2626" if v < 0 else "#2563eb" for v in values]},
        "customdata": [[key, detail] for key, detail in zip(keys, details, strict=True)],
        **bar_labels(text, values.tolist()),
        "hovertemplate": "<b>%{y}</b><br>%{customdata[1]}<extra></extra>",
    }
    axis = {"tickprefix": fmt.symbol, "tickformat": ".3~s"} if money else {"tickformat": ",~s"}
    layout = base_layout(fmt, hovermode="closest", xaxis=axis, yaxis={"automargin": True}, bargap=0.2)
    return figure([bars], with_top_note(layout, len(top), len(df)))


def make_category_monthly_figure(df: pd.DataFrame, fmt: NumberFormat) -> dict:
    """Stacked monthly sales per category and the running total over the range (right axis)."""
    if df.empty:
        return make_empty_figure("No sales in this range and filter")
    running = df.drop_duplicates("month")
    df = fold_small_categories(df, by=["month"], sums=["sales"])
    colors = color_map(df["category"], CATEGORY_PALETTE)
    money = fmt.symbol + "%{y:,.2f}"
    months, xaxis = period_axis(running["month"], "month")
    x_of = dict(zip(running["month"], months, strict=True))
    traces = [
        {
            "type": "bar",
            "x": [x_of[m] for m in rows["month"]],
            "y": rows["sales"].astype(float).tolist(),
            "name": category,
            "marker": {"color": colors[category]},
            "hovertemplate": money,
        }
        for category, rows in in_drawing_order(df, "category")
    ]
    traces.append(
        {
            "type": "scatter",
            "x": months,
            "y": running["cumulative_sales"].astype(float).tolist(),
            "name": "Cumulative sales",
            "yaxis": "y2",
            "mode": "lines+markers",
            "line": {"color": CUMULATIVE_COLOR, "width": 2.5},
            "hovertemplate": money,
        }
    )
    layout = base_layout(fmt) | {
        "barmode": "relative",
        # Every month labelled only for a few (plotly would put ticks between them); a year's 13
        # labels stood on their side on a phone, and plotly spaces them to the width by itself.
        "xaxis": xaxis | ({"dtick": "M1"} if xaxis["type"] == "date" and len(months) <= 6 else {}),
        "yaxis": {"tickprefix": fmt.symbol, "tickformat": ".3~s"},
        "yaxis2": {
            "overlaying": "y",
            "side": "right",
            "tickprefix": fmt.symbol,
            "tickformat": ".3~s",
            "tickmode": "auto",
            "showgrid": False,
            "rangemode": "tozero",
        },
    }
    return figure(traces, layout)
