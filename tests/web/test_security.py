"""Security headers, request ids, errors without tracebacks, /metrics, the secret key."""

from __future__ import annotations

import json
import logging

import pytest
from dash import Dash, html

from data_access.settings import Settings
from tests.web.conftest import log_in
from web.security import JsonFormatter, SecretKeyMissing, install_security, secret_key


def test_security_headers_on_pages_and_callbacks(client, accounts):
    log_in(client, "boss@shop.test")
    for path in ("/", "/_dash-layout", "/login"):
        headers = client.get(path, headers={"Accept": "text/html"}).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0], "no inline scripts but Dash's"
        assert "'sha256-" in policy, "Dash's own inline scripts are allowed by hash"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
    assert client.post("/_dash-update-component", json={}).headers.get("Cache-Control") == "no-store"


def test_request_ids_are_kept_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42.a"}).headers["X-Request-ID"] == "lb-42.a"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id; with <script>"}).headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()


def test_errors_answer_with_a_request_id_and_no_traceback(caplog):
    app = Dash(__name__)
    app.layout = html.Div()
    install_security(app)

    @app.server.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR):
        response = app.server.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body == {"error": "internal error", "request_id": response.headers["X-Request-ID"]}
    assert b"Traceback" not in response.data and b"secret internals" not in response.data
    assert "secret internals" in caplog.text, "the log keeps what the answer hides"


def test_log_lines_are_json_with_the_request_fields():
    record = logging.LogRecord("shop_pulse.requests", logging.INFO, __file__, 1, "request", None, None)
    record.fields = {"request_id": "abc", "status": 200, "path": "/"}
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request" and line["request_id"] == "abc" and line["status"] == 200


def test_metrics_count_callbacks_cache_and_database(client, accounts):
    log_in(client, "boss@shop.test")
    client.get("/_dash-layout")
    state = {"period": "custom", "from": "2026-01-01", "to": "2026-03-31"}
    output = (
        "..overview-region-graph.figure...overview-store-graph.figure"
        "...overview-region-graph.config...overview-store-graph.config.."
    )
    body = {
        "output": output,
        "outputs": [
            {"id": i, "property": p}
            for i, p in [
                ("overview-region-graph", "figure"),
                ("overview-store-graph", "figure"),
                ("overview-region-graph", "config"),
                ("overview-store-graph", "config"),
            ]
        ],
        "inputs": [{"id": "filter-state", "property": "data", "value": state}],
        "state": [],
        "changedPropIds": ["filter-state.data"],
    }
    assert client.post("/_dash-update-component", json=body).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert f'shop_pulse_request_seconds_count{{handler="{output}"}}' in text
    assert 'shop_pulse_cache_requests_total{result="miss"}' in text
    assert "shop_pulse_db_query_seconds_count" in text


def test_metrics_are_for_internal_addresses_or_a_token(flask_app):
    from web.metrics import install_metrics

    client = flask_app.server.test_client()
    assert client.get("/metrics").status_code == 200
    assert client.get("/metrics", environ_overrides={"REMOTE_ADDR": "8.8.8.8"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "8.8.8.8"}).status_code == 403

    guarded = Dash(__name__)
    guarded.layout = html.Div()
    install_metrics(guarded, token="s3cret")
    other = guarded.server.test_client()
    assert other.get("/metrics").status_code == 403
    assert other.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_production_needs_a_secret_key(tmp_path):
    with pytest.raises(SecretKeyMissing):
        secret_key(Settings(data_dir=tmp_path), production=True)
    assert secret_key(Settings(data_dir=tmp_path, secret_key="k" * 40), production=True) == "k" * 40
    local = secret_key(Settings(data_dir=tmp_path), production=False)
    assert len(local) > 40 and secret_key(Settings(data_dir=tmp_path), production=False) == local, "kept"
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_worker_is_set_up_before_its_first_request(fixture_database, tmp_path):
    """gunicorn.conf.py calls app.warm_up() in each worker: Dash's one-time setup (script
    registry, pages router) must be done before two threads can race through it, and what is
    loaded by then frozen out of the garbage collector's full passes (app.warm_up)."""
    import os
    import subprocess
    import sys

    probe = (
        "import gc, app; d = app.app; before = (len(d.registered_paths), len(d.callback_map)); app.warm_up();"
        "print(before, ('dash' in d.registered_paths, any('_pages_content' in k for k in d.callback_map)),"
        " gc.get_freeze_count() > 50_000)"
    )
    env = os.environ | {"DATABASE_URL": fixture_database, "DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "(0, 0) (True, True) True", done.stderr[-2000:]
