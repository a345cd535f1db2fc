"""Browser-side toggles of the page shell (no server round trip): navbar and filter panel."""

from dash import Input, Output, State, clientside_callback

from components import filters as ids

TOGGLE_JS = "function (n, isOpen) { return n ? !isOpen : isOpen; }"
# Pages where the sales filter means nothing (imports are not filtered by date or segment).
UNFILTERED_JS = "function (path) { return path === '/data' ? {display: 'none'} : {}; }"


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
    clientside_callback(UNFILTERED_JS, Output(ids.BAR, "style"), Input(url_id, "pathname"))
