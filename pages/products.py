"""Products: drill from category to product, ranked products, also-bought, monthly mix."""

from __future__ import annotations

import time
from functools import partial

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from components import filters as filter_ids
from components.figures import export_filename, make_empty_figure
from components.formatting import counted
from components.grids import also_bought_table, grid_rows, top_products_grid
from components.product_figures import MEASURES, make_category_monthly_figure, make_product_level_figure
from components.shell import card_title, chart_card, empty_state, error_state, page_header
from data_access.concurrent import run_concurrently
from data_access.db import QueryTimeout
from data_access.products import (
    MIN_ORDERS_FOR_AFFINITY,
    get_also_bought,
    get_monthly_sales_by_category,
    get_sales_by_product_level,
    get_top_products,
)
from pages._filter_state import filter_from_state
from pages._filter_sync import STORE as FILTER_STATE
from pages._grid_controls import register_grid_controls
from pages._page_helpers import clicked_value, export_config, no_match_state, number_format, range_label
from web.answer_cache import cached_answer

dash.register_page(__name__, path="/products", name="Products", title="Products · Shop Pulse", order=1)

SUBTITLE = "products-subtitle"
LEVEL_GRAPH = "products-level-graph"
MEASURE = "products-measure"
DRILL = "products-drill"
# The category a drill sets: the drill writes this store, and the browser copies it into the
# filter bar. A server callback writing the filter bar (outside the page) would run, and
# answer nothing, on every load of the page.
SET_CATEGORY = "products-set-category"
CRUMB_ALL, CRUMB_CATEGORY, CRUMB_SUB = "products-crumb-all", "products-crumb-category", "products-crumb-sub"
GRID, SEARCH, CSV = "products-grid", "products-search", "products-csv"
PICK, ALSO = "products-also-pick", "products-also-bought"
MONTHLY = "products-monthly-graph"
LEVEL_NAMES = {"category": "category", "sub_category": "sub-category", "product": "product"}


def _breadcrumb() -> html.Div:
    link = {"color": "link", "size": "sm", "className": "p-0 align-baseline"}
    return html.Div(
        [
            dbc.Button("All categories", id=CRUMB_ALL, **link),
            html.Span(" › ", id=f"{CRUMB_CATEGORY}-sep", className="text-muted"),
            dbc.Button(id=CRUMB_CATEGORY, **link),
            html.Span(" › ", id=f"{CRUMB_SUB}-sep", className="text-muted"),
            html.Span(id=CRUMB_SUB, className="fw-semibold"),
        ],
        className="small",
        id="products-breadcrumb",
    )


def layout(**_query) -> html.Div:
    measure = dbc.RadioItems(
        id=MEASURE, options=[{"label": v, "value": k} for k, v in MEASURES.items()], value="sales", inline=True
    )
    also_bought = dbc.Card(
        [
            dbc.CardHeader(
                [
                    card_title("Also bought"),
                    html.Small("Products in the same orders", className="text-muted"),
                ]
            ),
            dbc.CardBody(
                [
                    dcc.Dropdown(
                        id=PICK, placeholder="Choose a product…", searchable=True, clearable=True, className="mb-3"
                    ),
                    dcc.Loading(html.Div(id=ALSO), type="dot", delay_show=150),
                ]
            ),
        ],
        className="mb-3",
    )
    grid_header = dbc.Row(
        [
            dbc.Col(card_title("Top products"), xs=12, md=True),
            dbc.Col(
                dbc.Input(id=SEARCH, placeholder="Search products…", type="search", size="sm", debounce=False),
                xs=8,
                md=3,
            ),
            dbc.Col(dbc.Button("Download CSV", id=CSV, size="sm", color="secondary", outline=True), xs="auto"),
        ],
        className="align-items-center g-2",
    )
    return html.Div(
        [
            page_header("Products", SUBTITLE),
            dcc.Store(id=DRILL, storage_type="memory"),
            dcc.Store(id=SET_CATEGORY),
            dbc.Row(
                [
                    dbc.Col(
                        chart_card("Category breakdown", LEVEL_GRAPH, controls=measure, hint=_breadcrumb(), fill=True),
                        xl=6,
                    ),
                    # Side by side from 1200 px: at 1024 the also-bought list's names wrapped to three
                    # lines a row, a card ~1,300 px tall beside the chart.
                    dbc.Col(also_bought, xl=6),
                ]
            ),
            dbc.Card(
                [dbc.CardHeader(grid_header), dbc.CardBody(top_products_grid(GRID, number_format()))], className="mb-3"
            ),
            chart_card("Monthly sales per category", MONTHLY),
        ],
        id="products-page",
    )


def drill_level(state: dict, drill: dict | None) -> tuple[str, str | None]:
    """Level shown: categories; one category's sub-categories; one sub-category's products."""
    categories = state.get("category") or []
    if len(categories) != 1:
        return "category", None
    if drill and drill.get("category") == categories[0] and drill.get("sub_category"):
        return "product", drill["sub_category"]
    return "sub_category", None


@callback(
    Output(LEVEL_GRAPH, "figure"),
    Output(LEVEL_GRAPH, "config"),
    Output(CRUMB_CATEGORY, "children"),
    Output(CRUMB_SUB, "children"),
    Output(f"{CRUMB_CATEGORY}-sep", "hidden"),
    Output(f"{CRUMB_SUB}-sep", "hidden"),
    Output(MONTHLY, "figure"),
    Output(MONTHLY, "config"),
    Output(GRID, "rowData"),
    Output(GRID, "csvExportParams"),
    Output(PICK, "options"),
    Output(SUBTITLE, "children"),
    Input(FILTER_STATE, "data"),
    Input(MEASURE, "value"),
    Input(DRILL, "data"),
)
@cached_answer
def update_products(state, measure, drill):
    if not state:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state)
    fmt = number_format()
    level, sub_category = drill_level(state, drill)
    category = (state.get("category") or [""])[0] if level != "category" else ""
    name = "products" if level == "product" else LEVEL_NAMES[level].replace("category", "categories")
    crumbs = (category, sub_category or "", level == "category", level != "product")
    subtitle = f"{range_label(f.start, f.end)} · click a bar to drill down, a row for what is bought with it"
    csv = {"fileName": export_filename("top products", f.start, f.end) + ".csv"}
    # A sub-category drilled into is no filter: the chart's name says it ("Sales by products in Chairs").
    level_config = export_config(f"{MEASURES[measure]} by {name}" + (f" in {sub_category}" if sub_category else ""), f)
    monthly_config = export_config("monthly sales per category", f)
    try:
        by_level, top, monthly = run_concurrently(
            partial(get_sales_by_product_level, f, level, sub_category),
            partial(get_top_products, f),
            partial(get_monthly_sales_by_category, f),
        )
    except QueryTimeout as exc:
        blank = make_empty_figure(str(exc))
        return blank, level_config, *crumbs, blank, monthly_config, [], csv, [], subtitle
    # From the columns' plain values: to_dict("records") of the ~1,000 top products took ~6 ms.
    columns = (top[name].tolist() for name in ("product", "category", "product_key"))
    options = [{"label": f"{name} · {category}", "value": key} for name, category, key in zip(*columns, strict=True)]
    return (
        make_product_level_figure(by_level, fmt, measure),
        level_config,
        *crumbs,
        make_category_monthly_figure(monthly, fmt),
        monthly_config,
        grid_rows(top, money=("sales", "profit"), ratios=("margin",)),
        csv,
        options,
        subtitle,
    )


@callback(
    Output(SET_CATEGORY, "data"),
    Output(DRILL, "data"),
    Output(PICK, "value", allow_duplicate=True),
    Input(LEVEL_GRAPH, "clickData"),
    Input(CRUMB_ALL, "n_clicks"),
    Input(CRUMB_CATEGORY, "n_clicks"),
    State(FILTER_STATE, "data"),
    State(DRILL, "data"),
    prevent_initial_call=True,
)
def update_drill(click, _all, _category, state, drill):
    """A bar click goes one level down (a category also becomes the global filter); the
    breadcrumb goes back up; at product level a click picks the product for also-bought."""
    # A trigger whose every input is None is no click (Dash may fire one as links are drawn).
    if all(t["value"] is None for t in ctx.triggered):
        raise dash.exceptions.PreventUpdate
    # Write the drill store only when it must change: each write re-runs update_products, and
    # a filter change already does, so writing both would draw the chart twice (once stale).
    if ctx.triggered_id == CRUMB_ALL:
        return _category_filter([]), no_update, no_update
    if ctx.triggered_id == CRUMB_CATEGORY:
        return no_update, None, no_update
    value = clicked_value(click, index=0)
    if value is None:
        raise dash.exceptions.PreventUpdate
    level, _ = drill_level(state or {}, drill)
    if level == "category":
        stale = bool(drill) and drill.get("category") == value  # left over from an earlier visit
        return _category_filter([value]), (None if stale else no_update), no_update
    if level == "sub_category":
        return no_update, {"category": state["category"][0], "sub_category": value}, no_update
    return no_update, no_update, int(value)


def _category_filter(categories: list[str]) -> dict:
    """SET_CATEGORY's value: the categories, and when (the same ones set again still count)."""
    return {"categories": categories, "at": time.time()}


clientside_callback(
    "function (set) { return set ? set.categories : window.dash_clientside.no_update; }",
    Output(filter_ids.CATEGORY, "value", allow_duplicate=True),
    Input(SET_CATEGORY, "data"),
    prevent_initial_call=True,
)


@callback(Output(PICK, "value", allow_duplicate=True), Input(GRID, "selectedRows"), prevent_initial_call=True)
def update_pick_from_grid(rows):
    if not rows:
        raise dash.exceptions.PreventUpdate
    return rows[0]["product_key"]


@callback(Output(ALSO, "children"), Input(PICK, "value"), Input(FILTER_STATE, "data"))
@cached_answer
def update_also_bought(product_key, state):
    if not state:
        raise dash.exceptions.PreventUpdate
    f = filter_from_state(state)
    intro = ""
    try:
        if product_key is None:  # nothing chosen yet: start with the best seller
            best = get_top_products(f).head(1)  # the grid's query: one answer in the cache for both
            if best.empty:
                return no_match_state("No products sold in this range and filter", state)
            product_key = int(best.product_key[0])
            intro = html.P(
                f"Showing the best seller, {best['product'][0]}. Choose another above.", className="small text-muted"
            )
        result = get_also_bought(f, int(product_key))
    except QueryTimeout as exc:
        return error_state(str(exc))
    if not result.enough_data:
        return [
            intro,
            empty_state(
                "Too little data",
                f"This product is in only {counted(result.product_orders, 'order')} in this range; at least "
                f"{MIN_ORDERS_FOR_AFFINITY} are needed before pairs mean more than chance. Try a longer range.",
            ),
        ]
    if result.items.empty:
        return [
            intro,
            empty_state(
                "Bought alone", f"None of its {counted(result.product_orders, 'order')} contained anything else."
            ),
        ]
    note = html.Small(
        f"Among {counted(result.total_orders, 'order')}, {result.product_orders:,} "
        f"{'contains' if result.product_orders == 1 else 'contain'} this product.",
        className="text-muted",
    )
    return html.Div([intro, also_bought_table(result.items, number_format(), "products-also-table"), note])


register_grid_controls(GRID, SEARCH, CSV)
