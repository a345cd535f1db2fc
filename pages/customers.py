"""Customers: who buys, who comes back (cohorts, new vs returning), what they are worth (LTV, RFM)."""

from __future__ import annotations

from functools import partial

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, ctx, dcc, html

from components.customer_figures import (
    make_cohort_heatmap,
    make_ltv_histogram,
    make_new_returning_figure,
    make_rfm_figure,
)
from components.figures import export_filename, make_empty_figure
from components.formatting import counted
from components.grids import WIDE_ONLY, WIDE_ONLY_TEXT, grid_rows, top_customers_grid
from components.kpi_cards import stat_card
from components.shell import card_title, chart_card, error_state, page_header
from data_access.concurrent import run_concurrently
from data_access.customer_value import get_rfm_customers
from data_access.customers import get_cohort_retention, get_customer_summary, get_new_vs_returning_by_period
from data_access.db import QueryTimeout
from data_access.filters import KpiFilter
from data_access.rfm import RFM_GROUP_NAMES
from pages._filter_state import filter_from_state
from pages._filter_sync import STORE as FILTER_STATE
from pages._grid_controls import register_grid_controls
from pages._page_helpers import clicked_value, export_config, no_match_state, number_format, range_label
from web.answer_cache import cached_answer

dash.register_page(__name__, path="/customers", name="Customers", title="Customers · Shop Pulse", order=2)

SUBTITLE, STATS = "customers-subtitle", "customers-stats"
NEW_RETURNING, NR_MEASURE = "customers-new-returning-graph", "customers-nr-measure"
COHORTS, LTV, RFM = "customers-cohort-graph", "customers-ltv-graph", "customers-rfm-graph"
RFM_LIST, RFM_PICK = "customers-rfm-list", "customers-rfm-pick"
NO_GROUP = "none"  # not "": dbc.Select keeps a hidden placeholder option of that value
GRID, SEARCH, CSV = "customers-grid", "customers-search", "customers-csv"
# Each chart's config is returned by the callback that draws it: a config arriving from
# another callback while the figure is being drawn is lost.
GRAPHS = {
    COHORTS: "cohort retention",
    LTV: "lifetime value distribution",
    RFM: "RFM groups",
}


def layout(**_query) -> html.Div:
    measure = dbc.RadioItems(
        id=NR_MEASURE,
        options=[{"label": "Customers", "value": "customers"}, {"label": "Sales", "value": "sales"}],
        value="customers",
        inline=True,
    )
    # The same choice as a click on a bar, for a keyboard (Tab, arrows) and for a thumb.
    rfm_pick = html.Div(
        [
            html.Label("RFM group whose customers to list", htmlFor=RFM_PICK, className="visually-hidden"),
            dbc.Select(
                id=RFM_PICK,
                options=[{"label": "List a group's customers…", "value": NO_GROUP}]
                + [{"label": name, "value": name} for name in RFM_GROUP_NAMES],
                value=NO_GROUP,
                size="sm",
            ),
        ]
    )
    grid_header = dbc.Row(
        [
            dbc.Col(card_title("Top customers"), xs=12, md=True),
            dbc.Col(dbc.Input(id=SEARCH, placeholder="Search customers…", type="search", size="sm"), xs=8, md=3),
            dbc.Col(dbc.Button("Download CSV", id=CSV, size="sm", color="secondary", outline=True), xs="auto"),
        ],
        className="align-items-center g-2",
    )
    return html.Div(
        [
            page_header("Customers", SUBTITLE),
            dcc.Loading(html.Div(id=STATS, className="mb-3"), type="dot", delay_show=150),
            chart_card("New and returning customers", NEW_RETURNING, controls=measure),
            chart_card(
                "Cohort retention",
                COHORTS,
                graph_class="cohort-graph",
                hint="Share of each month's new customers who bought again k months later (segment and region apply)",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card("Lifetime value", LTV, hint="Sales over each customer's whole history", fill=True),
                        lg=6,
                    ),
                    dbc.Col(
                        chart_card(
                            "RFM groups",
                            RFM,
                            controls=rfm_pick,
                            hint="Recency and frequency scores 1–5; click a group or choose it",
                            fill=True,
                        ),
                        lg=6,
                    ),
                ]
            ),
            # A group's customers under both charts, the page's width (in the RFM chart's column
            # it made that column the taller, so the two cards could not end level).
            dcc.Loading(html.Div(id=RFM_LIST, className="mb-3"), type="dot", delay_show=150),
            dbc.Card(
                [dbc.CardHeader(grid_header), dbc.CardBody(top_customers_grid(GRID, number_format()))], className="mb-3"
            ),
        ],
        id="customers-page",
    )


@callback(
    Output(STATS, "children"),
    Output(COHORTS, "figure"),
    Output(LTV, "figure"),
    Output(RFM, "figure"),
    Output(GRID, "rowData"),
    Output(GRID, "csvExportParams"),
    Output(SUBTITLE, "children"),
    *[Output(graph_id, "config") for graph_id in GRAPHS],
    Input(FILTER_STATE, "data"),
)
@cached_answer
def update_customers(state):
    if not state:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state)
    fmt = number_format()
    configs = [export_config(name, f) for name in GRAPHS.values()]
    subtitle = f"{range_label(f.start, f.end)} · customers with at least one order in the range"
    csv = {"fileName": export_filename("top customers", f.start, f.end) + ".csv"}
    try:
        # The repeat rate, RFM groups, top customers and lifetime value come from one summary
        # (one pass over the customers' sums): asked for apart, each would compute it again.
        summary, new_returning, cohorts = run_concurrently(
            *[
                partial(query, f)
                for query in (get_customer_summary, get_new_vs_returning_by_period, get_cohort_retention)
            ]
        )
        repeat, rfm, top, ltv = summary.repeat, summary.rfm, summary.top, summary.ltv
    except QueryTimeout as exc:
        blank = make_empty_figure(str(exc))
        return error_state(str(exc)), blank, blank, blank, [], csv, subtitle, *configs
    if repeat.customers == 0:
        blank = make_empty_figure("No customers bought in this range and filter")
        message = no_match_state("No customers match these filters", state)
        return message, blank, blank, blank, [], csv, subtitle, *configs
    cards = [
        ("Customers", fmt.number(repeat.customers), "Distinct customers with an order in the filter.", "customers", ""),
        (
            "Repeat-customer rate",
            fmt.percent(repeat.rate),
            "Customers with ≥ 2 distinct orders in the filter ÷ customers in the filter.",
            "repeat",
            f"{repeat.repeat_customers:,} came back",
        ),
        (
            "New customers",
            fmt.number(int(new_returning["new_customers"].sum())),
            "Customers whose first-ever order falls in the range.",
            "new",
            "",
        ),
        (
            "Median lifetime value",
            fmt.money(ltv.median),
            "Σ sales over the customer's whole history (median customer).",
            "ltv",
            f"mean {fmt.money(ltv.mean)}",
        ),
    ]
    stats = dbc.Row(
        [
            dbc.Col(stat_card(title, value, help_text, f"customers-stat-{key}", detail), xs=6, lg=3)
            for title, value, help_text, key, detail in cards
        ],
        className="g-3",
    )
    in_one_month = f.start.replace(day=1) == f.end.replace(day=1)
    return (
        stats,
        make_cohort_heatmap(cohorts, one_month_until=f.end if in_one_month else None),
        make_ltv_histogram(ltv.bins, fmt),
        make_rfm_figure(rfm, fmt),
        grid_rows(top, money=("sales", "profit")),
        csv,
        subtitle,
        *configs,
    )


@callback(
    Output(NEW_RETURNING, "figure"),
    Output(NEW_RETURNING, "config"),
    Input(FILTER_STATE, "data"),
    Input(NR_MEASURE, "value"),
)
@cached_answer
def update_new_returning(state, measure):
    if not state:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state)
    config = export_config(f"new and returning {measure}", f)
    try:
        frame = get_new_vs_returning_by_period(f)
    except QueryTimeout as exc:
        return make_empty_figure(str(exc)), config
    return make_new_returning_figure(frame, number_format(), measure, f.grain, f.start, f.end), config


@callback(
    Output(RFM_LIST, "children"),
    Output(RFM_PICK, "value"),
    Input(RFM, "clickData"),
    Input(RFM_PICK, "value"),
    Input(FILTER_STATE, "data"),
    prevent_initial_call=True,
)
@cached_answer
def update_rfm_list(click, picked, state):
    """The chosen group's customers: chosen by a click on its bar or in the list beside the chart
    (each shows the other's choice), and listed again when the filter changes."""
    group = clicked_value(click, index=0) if ctx.triggered_id == RFM else picked
    if not state:  # also the call Dash makes when the page mounts
        raise dash.exceptions.PreventUpdate
    if not group or group == NO_GROUP:
        if ctx.triggered_id == FILTER_STATE:  # a new filter, no group chosen: nothing to redraw
            raise dash.exceptions.PreventUpdate
        return "", NO_GROUP
    return _rfm_members(filter_from_state(state), group), group


# A group's list holds its biggest spenders, this many at most.
RFM_LISTED = 500


def _members_heading(group: str, listed: int, customers: int) -> str:
    """ "Champions: 3,421 customers, the 500 biggest spenders listed" (it said "500 customers"
    beside a bar of 3,421), or all of them when they fit."""
    if customers > listed:
        return f"{group}: {counted(customers, 'customer')}, the {listed:,} biggest spenders listed"
    return f"{group}: {counted(listed, 'customer')} (biggest spenders first)"


def _rfm_members(f: KpiFilter, group: str) -> dbc.Card:
    fmt = number_format()
    members = get_rfm_customers(f, group, limit=RFM_LISTED)
    in_group = get_customer_summary(f).rfm.set_index("rfm_group")["customers"]  # the chart's, cached
    rows = [
        html.Tr(
            [
                html.Td(r["customer"]),
                html.Td(r["segment"], className=WIDE_ONLY_TEXT),
                html.Td(fmt.number(r["recency_days"]), className="text-end"),
                html.Td(fmt.number(r["frequency"]), className="text-end"),
                html.Td(fmt.money(r["monetary"]), className="text-end"),
                html.Td(f"{r['r']}-{r['f']}-{r['m']}", className=WIDE_ONLY),
            ]
        )
        for r in members.to_dict("records")
    ]
    header = html.Thead(
        html.Tr(
            [html.Th("Customer"), html.Th("Segment", className=WIDE_ONLY_TEXT)]
            + [html.Th(h, className="text-end") for h in ("Recency (days)", "Orders", "Sales")]
            + [html.Th("R-F-M", className=f"{WIDE_ONLY} text-nowrap")]
        )
    )
    table = html.Div(
        dbc.Table([header, html.Tbody(rows)], size="sm", hover=True, className="kpi-table compact-table mb-0"),
        style={"maxHeight": "320px", "overflowY": "auto"},
    )
    return dbc.Card(
        dbc.CardBody(
            [html.H3(_members_heading(group, len(members), int(in_group.get(group, 0))), className="h6"), table]
        ),
        id="customers-rfm-members",
    )


register_grid_controls(GRID, SEARCH, CSV)
