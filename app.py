"""Shop Pulse: the Dash app and its shell. `python app.py` is what `make run` starts."""

from __future__ import annotations

import gc
import logging
import signal
import sys

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from flask import jsonify, redirect, request
from sqlalchemy.exc import OperationalError

from components.filters import filter_bar
from components.shell import Account, navbar, unavailable_banner
from data_access.cache import cache, init_cache
from data_access.db import get_engine, unavailable_reason, unreachable_message
from data_access.health import check_health
from data_access.settings import get_settings
from pages._auto_refresh import register_auto_refresh_callbacks
from pages._filter_sync import DATA_VERSION, STORE, URL, register_filter_callbacks
from pages._shell import register_shell_callbacks
from web.answer_cache import install_answer_cache
from web.auth import in_demo_mode, install_auth, may_administer, signed_in_user
from web.fast_json import install_fast_json
from web.login import csrf_token, install_login_routes
from web.metrics import install_metrics
from web.security import UNAVAILABLE, UNAVAILABLE_TEXT, configure_sessions, install_security

# Imported by a gunicorn worker = production: no generated secret key, JSON logs.
SERVED_BY_GUNICORN = "gunicorn" in sys.modules

app = Dash(
    __name__,
    use_pages=True,
    title="Shop Pulse",
    update_title=None,
    suppress_callback_exceptions=True,  # pages' components exist only while that page is shown
    meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
)
server = app.server
app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)  # screen readers' language
install_fast_json()  # callback answers written by orjson, cleaning only what it cannot write
settings = get_settings()
configure_sessions(server, settings, production=SERVED_BY_GUNICORN)
# Registration order is request order: request id, the login guard, timing, the answer cache.
install_security(app)
install_auth(app, settings.trusted_proxies)
install_login_routes(server)
install_metrics(app, settings.metrics_token)
install_answer_cache(app)  # after the guard (row limits) and the timer (hits are timed too)
init_cache(server)


def _account() -> Account | None:
    user = signed_in_user()
    if user is None:
        return None
    return Account(user.email, user.role, user.scope.describe(), csrf_token())


def serve_layout() -> html.Div:
    admin = may_administer()
    pages = sorted(
        (p for p in dash.page_registry.values() if p.get("in_nav", True) and (admin or not p.get("admin_only"))),
        key=lambda p: p["order"],
    )
    return html.Div(
        [
            dcc.Location(id=URL, refresh=False),
            dcc.Store(id=STORE, storage_type="session"),
            dcc.Store(id=DATA_VERSION),
            navbar(pages, _account(), demo_mode=in_demo_mode()),
            unavailable_banner(UNAVAILABLE, UNAVAILABLE_TEXT),
            dbc.Container(
                [filter_bar(), html.Main(dash.page_container, className="page")], fluid=True, className="pb-4"
            ),
        ]
    )


@server.route("/healthz")
def healthz():
    """For load balancers and uptime checks: 200 when the database and cache answer, else 503."""
    healthy, parts = check_health(get_engine(), cache)
    return jsonify(status="ok" if healthy else "unhealthy", **parts), 200 if healthy else 503


@server.route("/overview")
def overview_alias():
    """/overview, a natural guess, is the Overview (at /) with its filter kept (Dash's own
    redirect_from drops the query string, the filter of a shared link)."""
    query = request.query_string.decode()
    return redirect(app.get_relative_path("/") + (f"?{query}" if query else ""), code=301)


app.layout = serve_layout
register_filter_callbacks()
register_shell_callbacks(URL)
register_auto_refresh_callbacks()


def warm_up() -> None:
    """Run Dash's one-time setup before serving. Dash does it in the first request, but marks
    it done before it is: a second thread arriving meanwhile finds no registered scripts (500
    on the renderer's JS, seen under gunicorn) and no pages router. One request of our own,
    before any real one, does it with nobody waiting."""
    server.test_client().get("/_dash-layout")
    # What is loaded by now (the libraries, the pages, Dash's setup: ~190k objects) lives as long
    # as the process. Frozen, the collector's full passes no longer walk it: each took 100-146 ms
    # every few hundred requests (at 10M lines an answer of any page, cached ones too, now and
    # then 2-3x slower in the bench than in process), and 4-8 ms frozen.
    gc.collect()
    gc.freeze()


def _stop_on_signals() -> None:
    """Ctrl-C and SIGTERM (kill, systemd, container stop) both unwind through atexit, which
    stops the embedded PostgreSQL. Set explicitly: a process started in the background may
    inherit SIGINT as ignored, and Python's default for SIGTERM skips atexit."""

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def main() -> None:
    from ingest.bootstrap import prepare_database

    _stop_on_signals()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    # The development server's per-request lines and banner are noise for a shop owner.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    settings = get_settings()
    try:
        prepare_database()
    except OperationalError as exc:  # one line saying which server and why, not a traceback
        if unavailable_reason(exc) is None:
            raise
        sys.exit(f"Shop Pulse {unreachable_message(exc)}")
    warm_up()
    print(f"\n  Shop Pulse is running on http://{settings.host}:{settings.port}  (Ctrl-C stops it)\n", flush=True)
    app.logger.setLevel(logging.WARNING)
    app.run(host=settings.host, port=settings.port, debug=False)


if __name__ == "__main__":
    main()
