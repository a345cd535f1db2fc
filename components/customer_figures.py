"""Figures of the Customers page: new vs returning, cohort heatmap, lifetime value, RFM."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from plotly.colors import get_colorscale

from components.figures import (
    bar_labels,
    base_layout,
    figure,
    make_empty_figure,
    partial_buckets,
    partial_marks,
    period_axis,
)
from components.formatting import NumberFormat, counted

NEW_COLOR, RETURNING_COLOR = "#0891b2", "#2563eb"
# plotly.py's Blues, light to dark, spelled out: plotly.js reads the name "Blues" the other way
# round (its named scales run dark to light), and a plain figure dict reaches it as written.
RETENTION_COLORS = get_colorscale("Blues")
RFM_COLORS = {
    "Champions": "#15803d",
    "Loyal": "#22c55e",
    "Potential": "#84cc16",
    "At risk": "#f59e0b",
    "Hibernating": "#94a3b8",
    "Lost": "#dc2626",
}


def make_new_returning_figure(
    df: pd.DataFrame,
    fmt: NumberFormat,
    measure: str = "customers",
    grain: str = "month",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict:
    """Stacked bars per bucket: new and returning customers (or their sales). Buckets the range
    covers only in part are drawn faded and say so on hover, as on the overview's trend."""
    if df.empty:
        return make_empty_figure("No customers bought in this range and filter")
    x, xaxis = period_axis(df["bucket"], grain)
    opacity, note = partial_marks(partial_buckets(df["bucket"], grain, start, end))
    money = measure == "sales"
    value = (fmt.symbol + "%{y:,.2f}") if money else "%{y:,}"
    traces = [
        {
            "type": "bar",
            "x": x,
            "y": df[f"{kind}_{measure}"].astype(float).tolist(),
            "name": f"{kind.title()} customers",
            "marker": {"color": color, "opacity": opacity},
            "customdata": note,
            "hovertemplate": value + "%{customdata}",
        }
        for kind, color in (("returning", RETURNING_COLOR), ("new", NEW_COLOR))
    ]
    axis = {"tickprefix": fmt.symbol, "tickformat": ".3~s"} if money else {"tickformat": ",~s"}
    return figure(traces, base_layout(fmt, yaxis=axis, xaxis=xaxis, barmode="stack"))


def make_cohort_heatmap(df: pd.DataFrame, one_month_until: dt.date | None = None) -> dict:
    """Rows: cohorts (month of first purchase); columns: months since; cells: share retained.
    one_month_until: the range's last day when the range lies in one calendar month (no month
    after it to come back in)."""
    if df.empty:
        return make_empty_figure("No first purchases in this range and filter")
    share = df.pivot(index="cohort", columns="months_since", values="share").astype(float)
    count = df.pivot(index="cohort", columns="months_since", values="customers")
    sizes = df.drop_duplicates("cohort").set_index("cohort")["cohort_size"]
    if one_month_until is not None:  # month 0 alone, 100% by definition: one big cell would say nothing
        (month,) = share.index
        return make_empty_figure(
            f"{counted(sizes[month], 'customer')} bought for the first time in {pd.Timestamp(month):%B %Y} up to"
            f" {one_month_until:%d %b}.<br>Whether they come back shows from the next month on:"
            " choose a range of two months or more."
        )
    # "Dec ’25 (2,896)": the short year leaves the cells a phone's width (the full one took a third).
    labels = [f"{pd.Timestamp(c):%b ’%y} ({sizes[c]:,})" for c in share.index]
    # Plain floats, NaN where a cohort has no such month yet (v != v): pd.isna per cell was
    # most of this figure's ~9 ms for five years' 1,800 cells.
    shares, counts = share.to_numpy(dtype=float).tolist(), count.to_numpy(dtype=float).tolist()
    text = [[("" if v != v else f"{v:.0%}") for v in row] for row in shares]
    custom = [[(0 if v != v else int(v)) for v in row] for row in counts]
    heatmap = {
        "type": "heatmap",
        "z": shares,
        "x": [str(k) for k in share.columns],
        "y": labels,
        "text": text,
        "customdata": custom,
        "colorscale": RETENTION_COLORS,
        "zmin": 0,
        "zmax": max(0.5, float(share.iloc[:, 1:].max().max()) if share.shape[1] > 1 else 0.5),
        # Across the foot rather than at the side, where it took a fifth of a phone's width; the
        # card's hint says what the colour is (a title beside the bar left a phone a stub of it).
        "colorbar": {
            "tickformat": ".0%",
            "tickangle": 0,
            "nticks": 6,
            "orientation": "h",
            "thickness": 10,
            "len": 0.8,
            "x": 0.5,
            "xanchor": "center",
            "y": -0.2,
            "yanchor": "top",
        },
        "hovertemplate": "Cohort %{y}<br>Month +%{x}: %{customdata:,} customers (%{z:.1%})<extra></extra>",
        "hoverongaps": False,
    }
    if share.size <= 400:
        heatmap["texttemplate"] = "%{text}"
    layout = {
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        # Upright month numbers: plotly turns them on their side when a phone squeezes the columns.
        "xaxis": {"title": {"text": "Months since first purchase"}, "type": "category", "tickangle": 0},
        "yaxis": {"autorange": "reversed", "title": None},
    }
    return figure([heatmap], layout)


def make_ltv_histogram(bins: pd.DataFrame, fmt: NumberFormat) -> dict:
    """Customers per lifetime-value band; the last band holds everyone above it."""
    if bins.empty:
        return make_empty_figure("No customers bought in this range and filter")
    starts = bins["bin_start"].astype(float)
    ends = bins["bin_end"].astype(float)
    labels = [f"{fmt.money(s)} – {fmt.money(e)}" for s, e in zip(bins["bin_start"], bins["bin_end"], strict=True)]
    labels[-1] = labels[-1].split(" – ")[0] + " and more" if len(labels) > 1 else labels[-1]
    bars = {
        "type": "bar",
        "x": ((starts + ends) / 2).tolist(),
        "y": bins["customers"].tolist(),
        "width": ((ends - starts) * 0.95).tolist(),
        "marker": {"color": "#7c3aed"},
        "customdata": labels,
        "hovertemplate": "%{customdata}: %{y:,} customers<extra></extra>",
    }
    layout = base_layout(fmt, hovermode="closest", showlegend=False) | {
        "xaxis": {"tickprefix": fmt.symbol, "tickformat": ".3~s", "title": {"text": "Lifetime sales"}},
        "yaxis": {"title": {"text": "Customers"}},
    }
    return figure([bars], layout)


def make_rfm_figure(df: pd.DataFrame, fmt: NumberFormat) -> dict:
    """Customers per RFM group (sales on hover); a click lists the group's customers."""
    if df["customers"].sum() == 0:
        return make_empty_figure("No customers bought in this range and filter")
    ordered = df.iloc[::-1]
    bars = {
        "type": "bar",
        "x": ordered["customers"].tolist(),
        "y": ordered["rfm_group"].tolist(),
        "orientation": "h",
        "marker": {"color": [RFM_COLORS.get(g, "#64748b") for g in ordered["rfm_group"]]},
        "customdata": [
            [g, m, fmt.money(s)]
            for g, m, s in zip(ordered["rfm_group"], ordered["meaning"], ordered["sales"], strict=True)
        ],
        **bar_labels([f"{c:,}" for c in ordered["customers"]], ordered["customers"].tolist()),
        "hovertemplate": "<b>%{y}</b>: %{customdata[1]}<br>%{x:,} customers · %{customdata[2]}<extra></extra>",
    }
    layout = base_layout(fmt, hovermode="closest", xaxis={"title": {"text": "Customers"}}, showlegend=False)
    return figure([bars], layout)
