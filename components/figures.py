"""Figure builders: DataFrame in, figure out; plus the export config every chart shares.

A figure is the plain dict Dash sends to the browser ({"data": [traces], "layout": {...}}),
not a go.Figure: plotly validates and copies every property of a go.Figure on every request,
and update_layout/add_* run its relayout machinery key by key, 5-12 ms a chart (a page's
callback drew three or four, more than some of its queries took). The tests pass every
builder's output through go.Figure, which validates it there instead.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from components.formatting import NumberFormat

SALES_COLOR = "#2563eb"
PROFIT_COLOR = "#16a34a"
CUMULATIVE_COLOR = "#f59e0b"
FONT = "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif"

# plotly_white cut down to what our 2-D bar, line and heatmap charts use. The full template is
# 7 KB of JSON (polar, ternary, geo, 3-D scenes, every trace type) that plotly validates and
# deep-copies whenever a figure names it (~20 ms a chart) and that travels inside every answer.
# As the default template it is attached without validation (~3 ms) and sent as ~1 KB.
_WHITE = pio.templates["plotly_white"]
TEMPLATE = go.layout.Template(
    layout={
        key: _WHITE.layout[key]
        for key in (
            "autotypenumbers",
            "colorway",
            "font",
            "hoverlabel",
            "paper_bgcolor",
            "plot_bgcolor",
            "xaxis",
            "yaxis",
            "coloraxis",
            "annotationdefaults",
            "shapedefaults",
            "title",
        )
    },
    data={"bar": _WHITE.data.bar, "scatter": _WHITE.data.scatter, "heatmap": _WHITE.data.heatmap},
)
pio.templates["shop_pulse"] = TEMPLATE
pio.templates.default = "shop_pulse"
TEMPLATE_JSON = TEMPLATE.to_plotly_json()


def figure(traces: list[dict], layout: dict) -> dict:
    """A figure of plain trace and layout dicts (each trace names its "type"), in our template."""
    return {"data": traces, "layout": {"template": TEMPLATE_JSON} | layout}


def export_filename(chart: str, start: dt.date, end: dt.date) -> str:
    """'sales-over-time_2026-01-01_to_2026-03-31': names the chart and the date range."""
    slug = re.sub(r"[^a-z0-9]+", "-", chart.lower()).strip("-")
    return f"{slug}_{start.isoformat()}_to_{end.isoformat()}"


def graph_config(filename: str, title: str = "", caption: str = "") -> dict:
    """dcc.Graph config: assets/export.js's modebar buttons download PNG at 2x and SVG as
    filename, with the title (and the caption under it) above the chart when given."""
    options = {"format": "png", "scale": 2, "filename": filename}
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": options | ({"title": title, "caption": caption} if title else {}),
        "modeBarButtonsToRemove": [
            "lasso2d",
            "select2d",
            "autoScale2d",
            "toggleSpikelines",
            "hoverClosestCartesian",
            "hoverCompareCartesian",
            "sendChartToCloud",  # self-hosted: charts never leave the building
        ],
    }


LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0}


# A bar at least this share of the longest holds its value label inside (bar_labels).
INSIDE_SHARE = 0.4


def bar_labels(text: list[str], values: list[float]) -> dict:
    """A horizontal bar trace's value labels, always level: inside a bar at least INSIDE_SHARE
    of the longest, past the end of a shorter one (plotly's "auto" put a short, thick bar's label
    inside it, turned on end or shrunk to fit); past the longest bar they spill into the margin
    rather than being cut."""
    peak = max((abs(v) for v in values), default=0)
    where = ["inside" if peak and abs(v) >= INSIDE_SHARE * peak else "outside" for v in values]
    return {"text": text, "textposition": where, "textangle": 0, "cliponaxis": False}


def base_layout(fmt: NumberFormat, **extra) -> dict:
    layout = dict(
        font={"family": FONT, "size": 13},
        separators=fmt.separators,
        # Little at the top: the mode bar has its own strip above the plot (10-style.css), and a
        # legend there makes its own room.
        margin={"l": 10, "r": 10, "t": 12, "b": 10},
        legend=LEGEND,
        hovermode="x unified",
    )
    return layout | extra


# Characters per line of an empty chart's message: plotly does not wrap annotations, and a
# longer line runs out of a phone's card (~340 px at 15 px type).
MESSAGE_WIDTH = 40


def make_empty_figure(message: str) -> dict:
    """A blank chart carrying a sentence, for filters that match nothing; lines broken by <br>
    or every MESSAGE_WIDTH characters."""
    lines = [line for part in message.split("<br>") for line in textwrap.wrap(part, MESSAGE_WIDTH) or [""]]
    return figure(
        [],
        {
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [{"text": "<br>".join(lines), "showarrow": False, "font": {"size": 15, "color": "#6b7280"}}],
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        },
    )


PERIOD_LABEL = {"day": "%d %b %Y", "week": "Week of %d %b %Y", "month": "%B %Y"}


def period_axis(buckets: pd.Series, grain: str) -> tuple[list, dict]:
    """x values and x-axis settings for bars over time. With one or two buckets plotly cannot
    infer a bar width on a date axis (one day becomes a sliver with sub-second ticks), so
    few buckets get a labelled category axis instead."""
    dates = pd.to_datetime(buckets)
    if len(dates) >= 3:
        return list(dates), {"type": "date", "hoverformat": PERIOD_LABEL[grain], "title": None}
    return [d.strftime(PERIOD_LABEL[grain]) for d in dates], {"type": "category", "title": None}


def partial_buckets(buckets: pd.Series, grain: str, start: dt.date | None, end: dt.date | None) -> list[bool]:
    """True for a bucket the date range covers only in part (a range starting mid-month); an
    end given as None cuts no bucket."""
    # Whole columns at once: a date offset added bucket by bucket took ~4 ms of a segments
    # answer (four lines of five years' months).
    starts = pd.DatetimeIndex(pd.to_datetime(buckets))
    step = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(days=7), "month": pd.DateOffset(months=1)}[grain]
    partial = np.zeros(len(starts), dtype=bool)
    if start is not None:
        partial |= starts < pd.Timestamp(start)
    if end is not None:
        partial |= (starts + step - pd.Timedelta(days=1)) > pd.Timestamp(end)
    return partial.tolist()


PARTIAL_NOTE = "<br><i>partial period</i>"  # appended to a partial bucket's hover text


def partial_marks(partial: list[bool]) -> tuple[list[float], list[str]]:
    """Bar opacities (partial buckets faded) and hover notes for partial_buckets' flags."""
    return [0.45 if p else 1.0 for p in partial], [PARTIAL_NOTE if p else "" for p in partial]


def make_sales_trend_figure(
    df: pd.DataFrame, fmt: NumberFormat, grain: str = "month", start: dt.date | None = None, end: dt.date | None = None
) -> dict:
    """Sales and profit bars per period, and the running sales total for each year (right axis).
    Buckets the range covers only in part are drawn faded and say so on hover."""
    if df.empty or ((df["sales"] == 0).all() and (df["profit"] == 0).all()):
        return make_empty_figure("No sales in this range and filter")
    x, xaxis = period_axis(df["bucket"], grain)
    partial = partial_buckets(df["bucket"], grain, start, end)
    opacity, note = partial_marks(partial)
    money = f"{fmt.symbol}%{{y:,.2f}}"
    # Money is exact in the database; floats here only place bars on the screen.
    traces = [
        {
            "type": "bar",
            "x": x,
            "y": df[column].astype(float).tolist(),
            "name": name,
            "marker": {"color": color, "opacity": opacity},
            "customdata": note,
            "hovertemplate": money + "%{customdata}",
        }
        for column, name, color in (("sales", "Sales", SALES_COLOR), ("profit", "Profit", PROFIT_COLOR))
    ]
    traces.append(
        {
            "type": "scatter",
            "x": x,
            "y": df["cumulative_sales"].astype(float).tolist(),
            "name": "Cumulative sales (year to date)",
            "yaxis": "y2",
            "mode": "lines+markers" if len(df) < 60 else "lines",
            "line": {"color": CUMULATIVE_COLOR, "width": 2.5},
            "hovertemplate": money,
        }
    )
    return figure(
        traces,
        base_layout(fmt)
        | {
            "barmode": "group",
            "bargap": 0.25 if len(x) >= 3 else 0.6,  # a lone day should not fill the chart
            "xaxis": xaxis,
            "yaxis": {"title": None, "tickprefix": fmt.symbol, "tickformat": ".3~s", "rangemode": "tozero"},
            "yaxis2": {
                "title": None,
                "overlaying": "y",
                "side": "right",
                "tickprefix": fmt.symbol,
                "tickformat": ".3~s",
                "tickmode": "auto",
                "rangemode": "tozero",
                "showgrid": False,
            },
        },
    )


# A ranking of stores, regions or segments draws this many bars: a shop with 40 stores got 9 px
# bars with labels over each other in the card's 380 px.
MAX_RANKED_BARS = 15


def with_top_note(layout: dict, shown: int, total: int) -> dict:
    """layout with "Top 15 of 40" above the bars' right end when a ranking shows fewer than it
    has, and the top margin for its line."""
    if total <= shown:
        return layout
    note = {"text": f"Top {shown} of {total:,}", "xref": "paper", "yref": "paper", "x": 1, "y": 1}
    note |= {"showarrow": False, "xanchor": "right", "yanchor": "bottom"}
    return layout | {"annotations": [note], "margin": layout["margin"] | {"t": 30}}


def make_ranked_bars_figure(df: pd.DataFrame, label: str, fmt: NumberFormat, color: str = SALES_COLOR) -> dict:
    """Horizontal bars of df.sales per df[label] (biggest first), biggest on top, at most
    MAX_RANKED_BARS of them; customdata is the label, so a click can set that filter."""
    if df.empty:
        return make_empty_figure("No sales in this range and filter")
    ordered = df.head(MAX_RANKED_BARS).iloc[::-1]
    bars = {
        "type": "bar",
        "x": ordered["sales"].astype(float).tolist(),
        "y": ordered[label].tolist(),
        "orientation": "h",
        "marker": {"color": color},
        "customdata": ordered[label].tolist(),
        **bar_labels([fmt.money(v) for v in ordered["sales"]], ordered["sales"].astype(float).tolist()),
        "hovertemplate": "%{y}: " + fmt.symbol + "%{x:,.2f}<extra></extra>",
    }
    axis = {"tickprefix": fmt.symbol, "tickformat": ".3~s"}
    layout = base_layout(fmt, hovermode="closest", xaxis=axis, yaxis={"automargin": True}, showlegend=False)
    return figure([bars], with_top_note(layout, len(ordered), len(df)))
