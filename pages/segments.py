"""Segments: per-segment KPIs with change, category mix and top category, sales over time."""

from __future__ import annotations

from functools import partial

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from components import filters as filter_ids
from components.figures import make_empty_figure
from components.segment_figures import make_category_mix_figure, make_segment_sales_figure, make_segment_trend_figure
from components.shell import chart_card, error_state, page_header
from components.tables import segment_comparison_table
from data_access.concurrent import run_concurrently
from data_access.db import QueryTimeout
from data_access.segments import (
    get_category_mix_by_segment,
    get_sales_by_segment_and_period,
    get_segment_comparison,
)
from pages._cross_filter import register_cross_filter
from pages._filter_state import filter_from_state
from pages._filter_sync import STORE as FILTER_STATE
from pages._page_helpers import export_config, no_match_state, number_format, previous_phrase, range_label
from web.answer_cache import cached_answer

dash.register_page(__name__, path="/segments", name="Segments", title="Segments · Shop Pulse", order=3)

TABLE = "segments-table"
SALES = "segments-sales-graph"
MIX = "segments-mix-graph"
TREND = "segments-trend-graph"
TOPS = "segments-top-categories"
SUBTITLE = "segments-subtitle"
GRAPHS = {SALES: "sales by segment", MIX: "category mix by segment", TREND: "sales by segment over time"}


def layout(**_query) -> html.Div:
    return html.Div(
        [
            page_header("Segments", SUBTITLE),
            dbc.Card(dbc.CardBody(html.Div(id=TABLE)), className="mb-3"),
            dbc.Row(
                [
                    # Side by side, the two cards end level whichever header wraps (chart_card fill).
                    dbc.Col(chart_card("Sales by segment", SALES, hint="Click a bar to filter by it", fill=True), lg=5),
                    dbc.Col(
                        chart_card(
                            "Category mix", MIX, hint="Share of each segment's sales; click to filter", fill=True
                        ),
                        lg=7,
                    ),
                ]
            ),
            html.Div(id=TOPS, className="mb-3"),
            chart_card("Segment sales over time", TREND),
        ],
        id="segments-page",
    )


@callback(
    Output(TABLE, "children"),
    Output(SALES, "figure"),
    Output(MIX, "figure"),
    Output(TREND, "figure"),
    Output(TOPS, "children"),
    Output(SUBTITLE, "children"),
    *[Output(graph_id, "config") for graph_id in GRAPHS],
    Input(FILTER_STATE, "data"),
)
@cached_answer
def update_segments(state):
    if not state:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state)
    fmt = number_format()
    configs = [export_config(name, f) for name in GRAPHS.values()]
    subtitle = f"{range_label(f.start, f.end)} · changes against {previous_phrase(f)}"
    try:
        summary, mix, trend = run_concurrently(
            partial(get_segment_comparison, f),
            partial(get_category_mix_by_segment, f),
            partial(get_sales_by_segment_and_period, f),
        )
    except QueryTimeout as exc:
        blank = make_empty_figure(str(exc))
        return error_state(str(exc)), blank, blank, blank, "", subtitle, *configs
    if summary.empty:
        blank = make_empty_figure("No sales in this range and filter")
        message = no_match_state("No sales match these filters", state)
        return message, blank, blank, blank, "", subtitle, *configs
    return (
        segment_comparison_table(summary, fmt, "segments-kpi-table"),
        make_segment_sales_figure(summary, fmt),
        make_category_mix_figure(mix, fmt),
        make_segment_trend_figure(trend, fmt, f.grain, f.start, f.end),
        _top_categories(mix),
        subtitle,
        *configs,
    )


def _top_categories(mix) -> html.Div:
    tops = mix[mix.is_top.astype(bool)]
    badges = [
        dbc.Badge(f"{row['segment']}: {row['category']}", color="light", text_color="dark", className="me-2 border")
        for row in tops.to_dict("records")
    ]
    return html.Div([html.Span("Top category per segment: ", className="text-muted me-1"), *badges])


register_cross_filter({SALES: (filter_ids.SEGMENT, None), MIX: (filter_ids.CATEGORY, 0)})
