"""A database that does not answer: one line in the log and a message, never 'internal error'
or a traceback; a query that ran too long is not mistaken for it. Real servers: one that refuses
connections (a closed port) and the embedded one cancelling a statement."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from dash import Dash, Input, Output, html
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench.pages import free_port
from data_access.db import get_engine, unavailable_reason
from web.security import UNAVAILABLE, install_security

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def refused_url() -> str:
    return f"postgresql+psycopg://shop:s3cret@127.0.0.1:{free_port()}/shop"  # nobody listens there


def refused_error() -> OperationalError:
    engine = create_engine(refused_url())
    try:
        with engine.connect():
            pass
    except OperationalError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError("a closed port accepted a connection")


def test_a_refused_connection_is_unavailable_and_a_cancelled_statement_or_a_lock_is_not():
    assert "Connection refused" in unavailable_reason(refused_error())
    with get_engine().connect() as conn, pytest.raises(OperationalError) as cancelled:
        conn.execute(text("SET statement_timeout = 10"))
        conn.execute(text("SELECT pg_sleep(1)"))
    assert unavailable_reason(cancelled.value) is None
    with get_engine().connect() as holder, get_engine().connect() as asker:
        holder.execute(text("LOCK TABLE stores IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(OperationalError) as refused_lock:
            asker.execute(text("LOCK TABLE stores IN ACCESS SHARE MODE NOWAIT"))
        holder.rollback()
    assert unavailable_reason(refused_lock.value) is None  # a busy table, not a missing server
    assert unavailable_reason(ValueError("no")) is None


@pytest.fixture
def down_app():
    """A Dash app whose callback and page both meet a database that refuses connections."""
    app = Dash(__name__)
    app.layout = html.Div([html.Button(id="go"), html.Div(id="out")])
    install_security(app)

    @app.callback(Output("out", "children"), Input("go", "n_clicks"))
    def query(_):
        with create_engine(refused_url()).connect():
            return "never"

    @app.server.route("/report")
    def report():
        with create_engine(refused_url()).connect():
            return "never"

    return app


def test_a_callback_keeps_its_outputs_and_opens_the_banner(down_app, caplog):
    body = {"output": "out.children", "outputs": {"id": "out", "property": "children"}, "changedPropIds": []}
    body |= {"inputs": [{"id": "go", "property": "n_clicks", "value": 1}]}
    with caplog.at_level(logging.ERROR):
        response = down_app.server.test_client().post("/_dash-update-component", json=body)
    assert response.status_code == 200  # Dash's renderer applies the sideUpdate of a 200 only
    assert response.get_json() == {"multi": True, "response": {}, "sideUpdate": {UNAVAILABLE: {"is_open": True}}}
    (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.getMessage().startswith("database unavailable: connection failed")
    assert record.exc_info is None  # one line, not a traceback per request


def test_a_page_says_so_and_an_api_client_gets_a_503(down_app):
    client = down_app.server.test_client()
    page = client.get("/report", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "10"
    assert b"cannot reach its database" in page.data and b"s3cret" not in page.data
    api = client.get("/report", headers={"Accept": "application/json"})
    assert api.status_code == 503
    assert api.get_json() == {"error": "database unavailable", "request_id": api.headers["X-Request-ID"]}


@pytest.mark.parametrize("command", [["app.py"], ["manage.py", "kpis"]])
def test_commands_say_in_one_line_which_server_did_not_answer(command, tmp_path):
    url = refused_url()
    env = os.environ | {"DATABASE_URL": url, "DATA_DIR": str(tmp_path), "PORT": str(free_port())}
    done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    said = done.stderr.strip()
    assert "Traceback" not in said and len(said.splitlines()) == 1, said
    assert f"cannot reach the database postgresql+psycopg://shop:***@127.0.0.1:{url.split(':')[3]}" in said
    assert "Connection refused" in said and "s3cret" not in said
