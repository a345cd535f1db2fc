"""Page furniture shared by every page: navbar, page header, empty and error states."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

NAV_LINK_PREFIX = "nav-link-"


def navbar(pages: list[dict]) -> dbc.Navbar:
    """One link per registered page; app.py keeps their hrefs carrying the filter query."""
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"], href=page["path"], id=f"{NAV_LINK_PREFIX}{page['module'].split('.')[-1]}", active="exact"
            )
        )
        for page in pages
    ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Shop Pulse", href="/", className="fw-semibold"),
                dbc.NavbarToggler(id="navbar-toggler"),
                dbc.Collapse(dbc.Nav(links, navbar=True), id="navbar-collapse", navbar=True),
                html.Small(id="data-as-of", className="text-white-50 ms-lg-auto data-as-of"),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )


def empty_state(title: str, detail: str, action: html.Component | None = None) -> dbc.Alert:
    return dbc.Alert(
        [html.H5(title, className="alert-heading"), html.P(detail, className="mb-0"), action or ""],
        color="light",
        className="empty-state border",
    )


def error_state(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="warning", className="error-state")
