"""Browser-side toggles of the page shell (no server round trip): navbar and filter panel."""

import json

from dash import ALL, Input, Output, State, clientside_callback

from components import filters as ids
from components.shell import SHOW_ALL_TIME, UNAVAILABLE_RELOAD
from pages._filter_sync import filtered_pages

TOGGLE_JS = "function (n, isOpen) { return n ? !isOpen : isOpen; }"


def filter_bar_js() -> str:
    """Shows the sales filter on the pages it filters only: not on the import page (imports are
    not filtered by date or segment) nor on an unknown address. A trailing slash is the same page."""
    paths = json.dumps(sorted(p["relative_path"] for p in filtered_pages()))
    return (
        f"function (path) {{ var page = (path || '/').replace(/(.)\\/+$/, '$1');"
        f" return {paths}.indexOf(page) >= 0 ? {{}} : {{display: 'none'}}; }}"
    )


def register_shell_callbacks(url_id: str) -> None:
    clientside_callback(
        TOGGLE_JS,
        Output("navbar-collapse", "is_open"),
        Input("navbar-toggler", "n_clicks"),
        State("navbar-collapse", "is_open"),
    )
    clientside_callback(
        TOGGLE_JS,
        Output(ids.COLLAPSE, "is_open"),
        Input(ids.TOGGLE, "n_clicks"),
        State(ids.COLLAPSE, "is_open"),
    )
    clientside_callback(filter_bar_js(), Output(ids.BAR, "style"), Input(url_id, "pathname"))
    clientside_callback(
        "function (n) { if (n) { window.location.reload(); } return window.dash_clientside.no_update; }",
        Output(UNAVAILABLE_RELOAD, "disabled"),
        Input(UNAVAILABLE_RELOAD, "n_clicks"),
        prevent_initial_call=True,
    )
    clientside_callback(
        "function (clicks) { return (clicks || []).some(Boolean) ? 'all' : window.dash_clientside.no_update; }",
        Output(ids.PERIOD, "value", allow_duplicate=True),
        Input({"type": SHOW_ALL_TIME, "index": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
