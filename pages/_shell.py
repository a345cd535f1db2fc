"""Browser-side toggles of the page shell (no server round trip): navbar and filter panel."""

from dash import Input, Output, State, clientside_callback

from components import filters as ids

TOGGLE_JS = "function (n, isOpen) { return n ? !isOpen : isOpen; }"


def register_shell_callbacks() -> None:
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
