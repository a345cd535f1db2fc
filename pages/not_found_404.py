"""What an unknown address shows (Dash pages uses a module of this name for it): the pages
there are, instead of Dash's bare "404 - Page not found" under a sales filter that filters nothing."""

import dash
import dash_bootstrap_components as dbc
from dash import html

from components.shell import empty_state
from pages._filter_sync import filtered_pages

dash.register_page(__name__, path="/404", title="Page not found · Shop Pulse", order=99, in_nav=False)


def layout(**_query) -> html.Div:
    links = [
        dbc.Button(page["name"], href=page["relative_path"], color="primary" if i == 0 else "secondary", outline=i > 0)
        for i, page in enumerate(sorted(filtered_pages(), key=lambda p: p["order"]))
    ]
    return html.Div(
        empty_state(
            "There is no page at this address",
            "The link may be old or mistyped. These are the dashboard's pages:",
            html.Div(links, className="d-flex flex-wrap gap-2 mt-3"),
            level=1,
        ),
        id="not-found",
        className="mt-3",
    )
