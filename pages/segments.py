"""Segments page: lands with its issue; until then it says so and keeps the filter."""

import dash
from dash import html

from components.shell import empty_state

dash.register_page(__name__, path="/segments", name="Segments", title="Segments · Shop Pulse", order=3)


def layout(**_query) -> html.Div:
    return html.Div(
        [
            html.H2("Segments", className="mb-3"),
            empty_state("Coming soon", "This page is being built. The Overview page already follows your filters."),
        ],
        id="segments-page",
    )
