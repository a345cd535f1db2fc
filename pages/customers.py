"""Customers page: lands with its issue; until then it says so and keeps the filter."""

import dash
from dash import html

from components.shell import empty_state

dash.register_page(__name__, path="/customers", name="Customers", title="Customers · Shop Pulse", order=2)


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2("Customers", className="mb-3"),
            empty_state("Coming soon", "This page is being built. The Overview page already follows your filters."),
        ],
        id="customers-page",
    )
