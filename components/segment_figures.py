"""Figures of the Segments page: sales by segment, category mix, segment sales over time."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from components.figures import (
    LEGEND,
    PARTIAL_NOTE,
    base_layout,
    figure,
    make_empty_figure,
    make_ranked_bars_figure,
    partial_buckets,
)
from components.formatting import NumberFormat

SEGMENT_PALETTE = ["#2563eb", "#f59e0b", "#16a34a", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"]
# Categories get other hues than segments, so a colour never means two things on one page.
CATEGORY_PALETTE = ["#0f766e", "#a855f7", "#ea580c", "#64748b", "#ca8a04", "#be123c", "#4f46e5", "#15803d"]


# A chart stacking categories (or drawing a line per segment) shows this many, the biggest by
# sales, and the rest as one grey "(n other categories)": with more, the palette's colors came
# round again, two categories alike.
SHOWN_CATEGORIES = len(CATEGORY_PALETTE) - 1
SHOWN_SEGMENTS = len(SEGMENT_PALETTE) - 1
OTHER_COLOR = "#cbd5e1"


def is_grouping(name) -> bool:
    """A label in parentheses ("(3 other categories)") stands for several values, not one."""
    return str(name).startswith("(")


def color_map(names, palette=SEGMENT_PALETTE) -> dict[str, str]:
    """Stable colors: the same name gets the same color in every chart of a page; a grouping is grey."""
    named = sorted(name for name in set(names) if not is_grouping(name))
    colors = {name: palette[i % len(palette)] for i, name in enumerate(named)}
    return colors | {name: OTHER_COLOR for name in set(names) if is_grouping(name)}


def fold_small(df: pd.DataFrame, column: str, by: list[str], sums: list[str], shown: int, plural: str) -> pd.DataFrame:
    """df's rows of the df[column] values past the `shown` biggest (by total sales) added up per
    `by` as one "(n other <plural>)", listed last; df as it is when they all fit (one more than
    fit is shown too: a grouping of one would hide a name for nothing)."""
    totals = df.groupby(column)["sales"].sum().sort_values(ascending=False, kind="stable")
    if len(totals) <= shown + 1:
        return df
    small = set(totals.index[shown:])
    named = df[~df[column].isin(small)]
    folded = df[df[column].isin(small)].groupby(by, as_index=False, sort=False)[sums].sum()
    return pd.concat([named, folded.assign(**{column: f"({len(small)} other {plural})"})], ignore_index=True)


def fold_small_categories(df: pd.DataFrame, by: list[str], sums: list[str]) -> pd.DataFrame:
    """fold_small of the categories past the SHOWN_CATEGORIES biggest."""
    return fold_small(df, "category", by, sums, SHOWN_CATEGORIES, "categories")


def in_drawing_order(df: pd.DataFrame, column: str) -> list[tuple[str, pd.DataFrame]]:
    """df's rows per df[column] value, in the order their traces stack and their legend lists
    them: by name, a grouping last."""
    rows = dict(tuple(df.groupby(column, sort=False)))
    return [(name, rows[name]) for name in sorted(rows, key=lambda name: (is_grouping(name), name))]


def make_segment_sales_figure(df: pd.DataFrame, fmt: NumberFormat) -> dict:
    """Horizontal bars of sales per segment, biggest on top; a click filters by that segment."""
    return make_ranked_bars_figure(df, "segment", fmt)


def make_category_mix_figure(df: pd.DataFrame, fmt: NumberFormat) -> dict:
    """100 % stacked bars: each category's share of each segment's sales; a click filters."""
    if df.empty:
        return make_empty_figure("No sales in this range and filter")
    df = fold_small_categories(df, by=["segment"], sums=["share", "sales"])
    colors = color_map(df["category"], CATEGORY_PALETTE)
    traces = [
        {
            "type": "bar",
            "x": [float(s) * 100 if s is not None else 0.0 for s in rows["share"]],
            "y": rows["segment"].tolist(),
            "name": category,
            "orientation": "h",
            "marker": {"color": colors[category]},
            "customdata": [[category, fmt.money(v)] for v in rows["sales"]],
            "hovertemplate": "%{y} · %{customdata[0]}: %{x:.1f}% (%{customdata[1]})<extra></extra>",
        }
        for category, rows in in_drawing_order(df, "category")
    ]
    layout = base_layout(fmt, hovermode="closest") | {
        "barmode": "stack",
        "legend": LEGEND | {"traceorder": "normal"},
        "xaxis": {"ticksuffix": "%", "range": [0, 100]},
        "yaxis": {"categoryorder": "category descending"},
    }
    return figure(traces, layout)


def make_segment_trend_figure(
    df: pd.DataFrame, fmt: NumberFormat, grain: str = "month", start: dt.date | None = None, end: dt.date | None = None
) -> dict:
    """One line of sales per segment over the day/week/month buckets. A bucket the range covers
    only in part (this month so far) is an open marker reached by a dotted line, so it does not
    read as a drop in sales."""
    if df.empty:
        return make_empty_figure("No sales in this range and filter")
    df = fold_small(df, "segment", by=["bucket"], sums=["sales"], shown=SHOWN_SEGMENTS, plural="segments")
    colors = color_map(df["segment"])
    money = fmt.symbol + "%{y:,.2f}"
    traces = []
    for segment, rows in in_drawing_order(df, "segment"):
        rows = rows.sort_values("bucket")
        x = pd.to_datetime(rows["bucket"]).tolist()
        y = rows["sales"].astype(float).tolist()
        partial = partial_buckets(rows["bucket"], grain, start, end)
        near_partial = [any(partial[max(0, i - 1) : i + 2]) for i in range(len(partial))]
        common = {"type": "scatter", "x": x, "name": segment, "legendgroup": segment}
        traces.append(
            common
            | {
                "y": [None if p else v for v, p in zip(y, partial, strict=True)],
                "mode": "lines+markers" if len(rows) < 40 else "lines",
                "line": {"color": colors[segment], "width": 2.5},
                "hovertemplate": money,
            }
        )
        if any(partial):
            traces.append(
                common
                | {
                    "y": [v if n else None for v, n in zip(y, near_partial, strict=True)],
                    "mode": "lines",
                    "line": {"color": colors[segment], "width": 2, "dash": "dot"},
                    "showlegend": False,
                    "hoverinfo": "skip",
                }
            )
            traces.append(
                common
                | {
                    "y": [v if p else None for v, p in zip(y, partial, strict=True)],
                    "mode": "markers",
                    "marker": {"color": "white", "size": 8, "line": {"color": colors[segment], "width": 2}},
                    "showlegend": False,
                    "hovertemplate": money + PARTIAL_NOTE,
                }
            )
    axis = {"tickprefix": fmt.symbol, "tickformat": ".3~s", "rangemode": "tozero"}
    return figure(traces, base_layout(fmt, yaxis=axis))
