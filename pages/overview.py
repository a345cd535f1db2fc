"""Overview: the KPI cards of kpis.md "Sales", sales/profit over time, what changed against the
previous period, and sales by region and store."""

from __future__ import annotations

from functools import partial

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from components import filters as filter_ids
from components.change_figure import CHANGE_MEASURES, change_sentence, make_change_figure, measure_change
from components.figures import (
    make_empty_figure,
    make_ranked_bars_figure,
    make_sales_trend_figure,
)
from components.kpi_cards import kpi_cards
from components.shell import card_title, chart_card, error_state, page_header
from data_access.concurrent import run_concurrently
from data_access.db import QueryTimeout
from data_access.products import get_sales_by_product_level
from data_access.sales import (
    get_sales_by_dimension,
    get_sales_by_dimension_then_and_now,
    get_sales_by_period,
    get_sales_comparison,
)
from pages._cross_filter import CLICKED_VALUE_JS, register_cross_filter
from pages._filter_state import filter_from_state
from pages._filter_sync import STORE as FILTER_STATE
from pages._page_helpers import (
    LAST_YEAR,
    days_phrase,
    export_config,
    no_match_state,
    number_format,
    previous_phrase,
    range_label,
)
from web.answer_cache import cached_answer

dash.register_page(__name__, path="/", name="Overview", title="Overview · Shop Pulse", order=0)

KPIS = "overview-kpis"
TREND = "overview-trend-graph"
GRAIN = "overview-grain"
SUBTITLE = "overview-subtitle"
REGIONS = "overview-region-graph"
STORES = "overview-store-graph"
BREAKDOWNS = {REGIONS: "region", STORES: "store"}
CHANGE, CHANGE_MEASURE, CHANGE_BY = "overview-change-graph", "overview-change-measure", "overview-change-by"
CHANGE_SENTENCE, CHANGE_HINT = "overview-change-sentence", "overview-change-hint"
# The dimensions a change is split by, and the filter a click on one of its steps sets (a
# product's step sets none: the filter bar has no products).
CHANGE_FILTERS = {
    "category": filter_ids.CATEGORY,
    "segment": filter_ids.SEGMENT,
    "region": filter_ids.REGION,
    "store": filter_ids.STORE,
}
CHANGE_SPLITS = [*CHANGE_FILTERS, "product"]


def layout(**_query) -> html.Div:
    return html.Div(
        [
            page_header("Overview", SUBTITLE),
            dcc.Loading(html.Div(id=KPIS, className="kpi-grid"), type="dot", delay_show=150),
            dbc.Card(
                [
                    dbc.CardHeader(
                        dbc.Row(
                            [
                                dbc.Col(card_title("Sales and profit over time"), xs=12, md=True),
                                dbc.Col(
                                    dbc.RadioItems(
                                        id=GRAIN,
                                        options=[
                                            {"label": g.title(), "value": g} for g in ("auto", "day", "week", "month")
                                        ],
                                        value="auto",
                                        inline=True,
                                        className="grain-toggle",
                                    ),
                                    xs=12,
                                    md="auto",
                                ),
                            ],
                            className="align-items-center",
                        )
                    ),
                    dbc.CardBody(
                        dcc.Loading(
                            dcc.Graph(id=TREND, className="trend-graph", figure=make_empty_figure("Loading…")),
                            type="dot",
                            delay_show=150,
                        )
                    ),
                ],
                className="mt-1 mb-3",
            ),
            chart_card(
                "What changed",
                CHANGE,
                controls=_change_controls(),
                hint=[html.Span(id=CHANGE_SENTENCE), " ", html.Span(id=CHANGE_HINT)],
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card("Sales by region", REGIONS, hint="Click a bar to filter by it", fill=True), lg=6
                    ),
                    dbc.Col(chart_card("Sales by store", STORES, hint="Click a bar to filter by it", fill=True), lg=6),
                ]
            ),
        ]
    )


def _change_controls() -> html.Div:
    """Which measure moved, split by what: two native selects (keyboard and phone friendly)."""
    measure = dbc.Select(
        id=CHANGE_MEASURE,
        options=[{"label": label, "value": key} for key, label in CHANGE_MEASURES.items()],
        value="sales",
        size="sm",
        style={"width": "auto"},
    )
    by = dbc.Select(
        id=CHANGE_BY,
        options=[{"label": f"by {key}", "value": key} for key in CHANGE_SPLITS],
        value="category",
        size="sm",
        style={"width": "auto"},
    )
    hidden = "visually-hidden"  # read out by a screen reader, not shown: the options say it
    names = [
        dbc.Label("Measure", html_for=CHANGE_MEASURE, className=hidden),
        dbc.Label("Split", html_for=CHANGE_BY, className=hidden),
    ]
    return html.Div([names[0], measure, names[1], by], className="d-flex gap-2")


@callback(
    Output(KPIS, "children"),
    Output(TREND, "figure"),
    Output(TREND, "config"),
    Output(SUBTITLE, "children"),
    Input(FILTER_STATE, "data"),
    Input(GRAIN, "value"),
)
@cached_answer
def update_overview(state, grain):
    if not state:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state, grain)
    fmt = number_format()
    config = export_config("sales and profit over time", f)
    compared = LAST_YEAR if f.previous_is_year_earlier else f"{days_phrase(f.days)} and with {LAST_YEAR}"
    subtitle = f"{range_label(f.start, f.end)} · compared with {compared}"
    try:
        comparison, trend = run_concurrently(partial(get_sales_comparison, f), partial(get_sales_by_period, f))
    except QueryTimeout as exc:
        return error_state(str(exc)), make_empty_figure(str(exc)), config, subtitle
    if comparison.current.is_empty:
        message = no_match_state("No sales match these filters", state)
        return message, make_empty_figure("No sales in this range and filter"), config, subtitle
    return (
        kpi_cards(comparison, fmt, "overview-kpi"),
        make_sales_trend_figure(trend, fmt, f.grain, f.start, f.end),
        config,
        subtitle,
    )


@callback(
    *[Output(graph_id, "figure") for graph_id in BREAKDOWNS],
    *[Output(graph_id, "config") for graph_id in BREAKDOWNS],
    Input(FILTER_STATE, "data"),
)
@cached_answer
def update_breakdowns(state):
    if not state:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state)
    fmt = number_format()
    configs = [export_config(f"sales by {dim}", f) for dim in BREAKDOWNS.values()]
    try:
        frames = run_concurrently(*[partial(get_sales_by_dimension, f, dim) for dim in BREAKDOWNS.values()])
        figures = [make_ranked_bars_figure(frame, "label", fmt) for frame in frames]
    except QueryTimeout as exc:
        figures = [make_empty_figure(str(exc))] * len(BREAKDOWNS)
    return *figures, *configs


register_cross_filter({REGIONS: (filter_ids.REGION, None), STORES: (filter_ids.STORE, None)})


@callback(
    Output(CHANGE, "figure"),
    Output(CHANGE, "config"),
    Output(CHANGE_SENTENCE, "children"),
    Output(CHANGE_HINT, "children"),
    Input(FILTER_STATE, "data"),
    Input(CHANGE_MEASURE, "value"),
    Input(CHANGE_BY, "value"),
)
@cached_answer
def update_change(state, measure, dimension):
    if not state or measure not in CHANGE_MEASURES or dimension not in CHANGE_SPLITS:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state)
    fmt = number_format()
    config = export_config(f"{measure} change by {dimension}", f)
    try:
        if dimension == "product":  # two products may share a name: told apart by their keys
            periods = (f, f.previous_period())
            now, then = run_concurrently(*[partial(get_sales_by_product_level, p, "product") for p in periods])
            key = "product_key"
        else:
            now, then = get_sales_by_dimension_then_and_now(f, dimension, customers=False)  # none shown
            key = "label"
    except QueryTimeout as exc:
        return make_empty_figure(str(exc)), config, "", ""
    change = measure_change(now, then, measure, key=key)
    against = previous_phrase(f)  # the KPI cards' comparison: "the same dates last year", ...
    period = state.get("period")
    after = "Selected dates" if period == "custom" else filter_ids.PERIOD_PRESETS.get(period, "Selected dates")
    before = against.removeprefix("the ").capitalize()  # "Same dates last year", "Previous 59 days"
    figure = make_change_figure(change, measure, fmt, before, after)
    hint = "Click a step to filter by it." if dimension in CHANGE_FILTERS else ""
    return figure, config, change_sentence(change, measure, fmt, against), hint


# A click on a step filters by its value (not the totals: their customdata is in parentheses).
# In the browser: a server callback writing the filter bar would also run on every page load.
clientside_callback(
    f"""function (click, dimension) {{
        {CLICKED_VALUE_JS}
        const keep = window.dash_clientside.no_update, dimensions = {list(CHANGE_FILTERS)};
        const value = clickedValue(click, null);
        return dimensions.map((d) => (value !== null && d === dimension ? [value] : keep));
    }}""",
    *[Output(control, "value", allow_duplicate=True) for control in CHANGE_FILTERS.values()],
    Input(CHANGE, "clickData"),
    State(CHANGE_BY, "value"),
    prevent_initial_call=True,
)
