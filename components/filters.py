"""The global filter bar, built once and placed in app.py: period presets, dates, dimensions."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

# Ids are shared by every page, so they carry the "filter-" prefix and nothing else uses it.
PERIOD = "filter-period"
DATES = "filter-dates"
SEGMENT = "filter-segment"
REGION = "filter-region"
CATEGORY = "filter-category"
STORE = "filter-store"
RESET = "filter-reset"
BAR = "filter-bar"
TOGGLE = "filter-toggle"
COLLAPSE = "filter-collapse"
DIMENSION_IDS = {"segment": SEGMENT, "region": REGION, "category": CATEGORY, "store": STORE}

PERIOD_PRESETS = {
    "this_month": "This month",
    "last_month": "Last month",
    "qtd": "Quarter to date",
    "ytd": "Year to date",
    "last_12_months": "Last 12 months",
    "all": "All time",
    "custom": "Custom range",
}
DEFAULT_PERIOD = "last_12_months"


# Dash 4's texts, but the count of values as a bare number: beside "Furniture, T…" a
# "2 selected" left room for one letter of the first value ("F… 2 selected"). All of them:
# a labels prop replaces Dash's defaults instead of being merged into them.
DROPDOWN_LABELS = {
    "select_all": "Select All",
    "deselect_all": "Deselect All",
    "selected_count": "{num_selected}",
    "search": "Search",
    "clear_search": "Clear search",
    "clear_selection": "Clear selection",
    "no_options_found": "No options found",
}


def _dimension(control_id: str, label: str) -> dbc.Col:
    return dbc.Col(
        dcc.Dropdown(
            id=control_id,
            multi=True,
            placeholder=f"All {label}",
            clearable=True,
            className="filter-dropdown",
            labels=DROPDOWN_LABELS,
        ),
        xs=12,
        sm=6,
        # One line from 1200 px; below, a quarter each, on a second line with the one that does
        # not fit beside the dates (sharing the line's rest at 1024 px, each showed "All se…").
        lg=3,
        xl=True,
        className="mb-2",
    )


def filter_bar() -> html.Div:
    """Always open on wide screens; behind a "Filters" button on phones (see 10-style.css)."""
    controls = dbc.Row(
        [
            dbc.Col(
                dcc.Dropdown(
                    id=PERIOD,
                    options=[{"label": v, "value": k} for k, v in PERIOD_PRESETS.items()],
                    value=DEFAULT_PERIOD,
                    clearable=False,
                    searchable=False,
                ),
                xs=12,
                sm=6,
                lg=3,  # "Last 12 months" whole below 1200 px; from there as wide as it needs (10-style.css)
                className="mb-2 filter-period",
            ),
            dbc.Col(
                dcc.DatePickerRange(
                    id=DATES,
                    display_format="YYYY-MM-DD",
                    first_day_of_week=1,
                    minimum_nights=0,
                    updatemode="bothdates",
                ),
                xs=12,
                sm=6,
                lg="auto",
                className="mb-2",
            ),
            _dimension(SEGMENT, "segments"),
            _dimension(REGION, "regions"),
            _dimension(CATEGORY, "categories"),
            _dimension(STORE, "stores"),
            dbc.Col(
                dbc.Button("Reset", id=RESET, color="link", size="sm", title="Back to the default filter"),
                xs="auto",
                className="mb-2",
            ),
        ],
        className="g-2 align-items-center",
    )
    return html.Div(
        [
            dbc.Button("Filters", id=TOGGLE, color="secondary", outline=True, size="sm", className="d-lg-none mb-2"),
            dbc.Collapse(controls, id=COLLAPSE, is_open=False, className="filter-collapse"),
        ],
        className="filter-bar",
        id=BAR,
        role="search",  # a landmark a screen reader jumps to, named below
        **{"aria-label": "Filters"},
    )
