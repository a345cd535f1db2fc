"""Keeps the filter bar, the shared store, the URL and the navbar links in step.

One callback owns all of them: Dash allows a callback to take its own outputs as inputs,
which is what a two-way URL <-> controls binding needs without loops.
"""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, ctx, html

from components import filters as ids
from components.shell import NAV_LINK_PREFIX
from data_access.dimensions import get_data_as_of, get_filter_options
from data_access.filters import DIMENSION_KEYS
from data_access.periods import today_in
from data_access.settings import get_settings
from pages._filter_state import default_state, make_state, parse_search, search_from_state, state_from_query

STORE = "filter-state"
URL = "filter-url"
DATA_VERSION = "data-version"  # set by pages/_auto_refresh.py when the data changed
STORE_POSITION = 3 + 2 * len(ids.DIMENSION_IDS)  # outputs: period, 2 dates, values, options, store...
DIMENSIONS = list(ids.DIMENSION_IDS.items())


def filtered_pages() -> list[dict]:
    """Pages whose links carry the filter. Not admin-only ones: their link is not in a
    viewer's navbar (an output missing from the layout would stop this callback), and the
    import page has no use for the filter anyway. Nor pages outside the navbar (not found)."""
    return [p for p in dash.page_registry.values() if p.get("in_nav", True) and not p.get("admin_only")]


def nav_outputs() -> list[Output]:
    return [Output(f"{NAV_LINK_PREFIX}{p['module'].split('.')[-1]}", "href") for p in filtered_pages()]


def register_filter_callbacks() -> None:
    """Called by app.py once the pages are registered (the nav outputs depend on them)."""
    nav = nav_outputs()
    paths = [p["path"] for p in filtered_pages()]

    @callback(
        Output(ids.PERIOD, "value"),
        Output(ids.DATES, "start_date"),
        Output(ids.DATES, "end_date"),
        *[Output(cid, "value") for _, cid in DIMENSIONS],
        *[Output(cid, "options") for _, cid in DIMENSIONS],
        Output(STORE, "data"),
        Output(URL, "search"),
        Output("data-as-of", "children"),
        Output(ids.TOGGLE, "children"),
        *nav,
        Input(URL, "search"),
        Input(ids.PERIOD, "value"),
        Input(ids.DATES, "start_date"),
        Input(ids.DATES, "end_date"),
        *[Input(cid, "value") for _, cid in DIMENSIONS],
        Input(ids.RESET, "n_clicks"),
        Input(DATA_VERSION, "data"),
        State(STORE, "data"),
    )
    def update_filter(search, period, start, end, *rest):
        dim_values, version, stored = rest[: len(DIMENSIONS)], rest[-2], rest[-1]
        if ctx.triggered_id == DATA_VERSION:
            # New data while auto-refresh is on: same filter, new version, so every page
            # callback reading the store runs again (and misses the cache, keyed on the version).
            if not stored:
                raise dash.exceptions.PreventUpdate
            outputs = [dash.no_update] * len(ctx.outputs_list)
            outputs[STORE_POSITION] = {**stored, "version": version["version"]}
            outputs[STORE_POSITION + 2] = as_of_text()
            return tuple(outputs)
        options = get_filter_options()
        state = next_state(ctx.triggered_id, search, period, start, end, dim_values, stored, options)
        option_lists = [list(getattr(options, DIMENSION_KEYS[key])) for key, _ in DIMENSIONS]
        query = search_from_state(state)
        return (
            state["period"],
            state["from"],
            state["to"],
            *[state[key] for key, _ in DIMENSIONS],
            *option_lists,
            state,
            query,
            as_of_text(),
            summary_text(state),
            *[path + query for path in paths],
        )


def next_state(trigger, search, period, start, end, dim_values, stored, options) -> dict:
    """URL first, then the stored filter, then defaults; a control change edits the state."""
    today = today_in(get_settings().tz)
    bounds = (today, options.first_date, options.last_date)
    if trigger == ids.RESET:
        return default_state(*bounds)
    if trigger in (None, URL):
        from_url = state_from_query(parse_search(search), *bounds)
        if from_url is not None:
            return from_url
        if stored:
            return make_state(stored.get("period"), stored.get("from"), stored.get("to"), stored, *bounds)
        return default_state(*bounds)
    if trigger == ids.DATES:
        period = "custom"
    dims = {key: value for (key, _), value in zip(DIMENSIONS, dim_values, strict=True)}
    return make_state(period, start, end, dims, *bounds)


def as_of_text() -> str | list:
    """The navbar's "Data as of 04 Dec 2026 22:37:51 (UTC)"; from 992 to 1199 px, where the
    navbar holds it on one line only without them, the seconds and time zone are left out."""
    as_of = get_data_as_of()
    if as_of is None:
        return "No data loaded yet"
    local = as_of.astimezone(get_settings().tz)
    seconds_and_zone = f"{local:%S} ({get_settings().business_timezone})"
    return [f"Data as of {local:%d %b %Y %H:%M}", html.Span(":" + seconds_and_zone, className="d-lg-none d-xl-inline")]


def summary_text(state: dict) -> str:
    """The phone's "Filters" button says what is filtered while the panel is closed."""
    parts = [ids.PERIOD_PRESETS[state["period"]]]
    for key, _ in DIMENSIONS:
        if state[key]:
            parts.append(state[key][0] if len(state[key]) == 1 else f"{len(state[key])} {DIMENSION_KEYS[key]}")
    return "Filters: " + " · ".join(parts)
