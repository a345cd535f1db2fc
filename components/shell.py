"""Page furniture shared by every page: navbar, page header, empty and error states."""

from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.figures import make_empty_figure

NAV_LINK_PREFIX = "nav-link-"
AUTO_REFRESH, AUTO_REFRESH_TICK = "auto-refresh", "auto-refresh-tick"
REFRESH_SECONDS = (5, 15, 30, 60)


@dataclass(frozen=True)
class Account:
    """Who is logged in, as the navbar shows it."""

    email: str
    role: str
    sees: str  # "all data" or the row-level limits, e.g. "segments Consumer"
    csrf: str  # the logout form's token


def navbar(pages: list[dict], account: Account | None = None, demo_mode: bool = False) -> html.Div:
    """One link per page this person may open; app.py keeps their hrefs carrying the filter
    query. Then the account menu, or the demo-mode notice when nobody has an account yet."""
    links = [
        dbc.NavItem(
            dbc.NavLink(
                page["name"], href=page["path"], id=f"{NAV_LINK_PREFIX}{page['module'].split('.')[-1]}", active="exact"
            )
        )
        for page in pages
    ]
    bar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Shop Pulse", href="/", className="fw-semibold"),
                dbc.NavbarToggler(id="navbar-toggler"),
                # Everything but the brand folds into the menu on a phone: there the data's
                # date and the refresh choice took two lines above every page.
                dbc.Collapse(
                    [
                        dbc.Nav(links, navbar=True),
                        html.Small(id="data-as-of", className="text-white-50 ms-lg-auto data-as-of"),
                        auto_refresh_control(),
                        account_menu(account) if account else "",
                    ],
                    id="navbar-collapse",
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3" if not demo_mode else "",
    )
    notice = dbc.Alert(
        [
            "Local demo mode: ",
            html.Span(
                "create a user to share this dashboard (python manage.py create-user EMAIL --role admin). "
                "Until then it answers this computer only.",
                className="d-none d-sm-inline",
            ),
            html.Span("it answers this computer only.", className="d-sm-none"),
        ],
        color="info",
        className="demo-mode rounded-0 py-1 px-3 small mb-3",
        id="demo-mode-notice",
    )
    return html.Div([bar, notice] if demo_mode else [bar])


def account_menu(account: Account) -> dbc.DropdownMenu:
    """Email, role, what this person sees, and log out (a POST with the session's token)."""
    logout = html.Form(
        [
            dcc.Input(type="hidden", name="csrf", value=account.csrf),
            html.Button("Log out", type="submit", id="logout-button", className="dropdown-item"),
        ],
        action="/logout",
        method="POST",
    )
    return dbc.DropdownMenu(
        [
            dbc.DropdownMenuItem(account.email, header=True),
            dbc.DropdownMenuItem(f"{account.role.capitalize()} · sees {account.sees}", disabled=True),
            dbc.DropdownMenuItem(divider=True),
            logout,
        ],
        label=account.email.split("@")[0],
        id="account-menu",
        nav=False,
        size="sm",
        color="secondary",
        align_end=True,
        className="ms-lg-2 mt-2 mt-lg-0",
    )


def auto_refresh_control() -> html.Div:
    """Off by default (kpis stay put while someone reads them); the choice is remembered."""
    options = [{"label": "Auto-refresh off", "value": "0"}]
    options += [{"label": f"Refresh every {s} s", "value": str(s)} for s in REFRESH_SECONDS]
    return html.Div(
        [
            dbc.Label("Auto-refresh", html_for=AUTO_REFRESH, className="visually-hidden"),
            dbc.Select(
                id=AUTO_REFRESH,
                options=options,
                value="0",
                size="sm",
                persistence=True,
                persistence_type="local",
                className="auto-refresh",
            ),
            dcc.Interval(id=AUTO_REFRESH_TICK, disabled=True, interval=1_000),
        ],
        className="ms-lg-2 mt-2 mt-lg-0",
        title="Reload the figures when new data arrives",
    )


SHOW_ALL_TIME = "show-all-time"  # an empty state's button: the filter's period becomes All time


def empty_state(title: str, detail: str, action: html.Component | None = None, level: int = 2) -> dbc.Alert:
    """level: the title's heading level (1 where the state is the whole page)."""
    heading = getattr(html, f"H{level}")
    return dbc.Alert(
        [heading(title, className="h5 alert-heading"), html.P(detail, className="mb-0"), action or ""],
        color="light",
        className="empty-state border",
    )


def error_state(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="warning", className="error-state")


UNAVAILABLE_RELOAD = "database-unavailable-reload"


def unavailable_banner(banner_id: str, message: str) -> dbc.Alert:
    """Closed until the server opens it (web/security.py: a callback made while the database
    does not answer); Reload redraws every figure."""
    return dbc.Alert(
        [
            html.Span(message, className="me-2"),
            dbc.Button("Reload", id=UNAVAILABLE_RELOAD, size="sm", color="danger", outline=True),
        ],
        id=banner_id,
        is_open=False,
        color="danger",
        className="rounded-0 mb-0 d-flex flex-wrap align-items-center gap-2",
    )


def page_header(title: str, subtitle_id: str) -> html.Div:
    """The page's one level-one heading (drawn at h2's size), its subtitle under it."""
    return html.Div(
        [html.H1(title, className="h2 mb-0"), html.Div(id=subtitle_id, className="text-muted")], className="mb-3"
    )


def card_title(title: str) -> html.H2:
    """A card's heading: the level under the page's title (a screen reader's list of headings
    skipped from it to h5), drawn at h5's size."""
    return html.H2(title, className="h5 mb-0")


def chart_card(
    title: str, graph_id: str, controls=None, graph_class: str = "chart-graph", hint=None, fill: bool = False
) -> dbc.Card:
    """A titled card holding one chart (with its loading state) and optional header controls.
    fill: the card takes its row's height and the chart grows into it (beside a taller card,
    the chart no longer ends in a blank stretch below it)."""
    # The controls sit beside the title while both fit on one line and go under it otherwise:
    # a title never wraps to make room for them (a half-width card at 1280 px wrapped it).
    header = html.Div(
        [
            html.Div(
                [
                    card_title(title),
                    html.Div(hint, className="small text-muted") if hint is not None else "",
                ],
                className="flex-grow-1",
            ),
            html.Div(controls) if controls is not None else "",
        ],
        className="d-flex flex-wrap align-items-center column-gap-3 row-gap-1",
    )
    graph = dcc.Graph(id=graph_id, className=graph_class, figure=make_empty_figure("Loading…"))
    return dbc.Card(
        [dbc.CardHeader(header), dbc.CardBody(dcc.Loading(graph, type="dot", delay_show=150))],
        className="mb-3 chart-card-fill" if fill else "mb-3",
    )
