"""The answer cache: a page's data callback asked again returns the stored answer, a new
load or other row limits never do, and only callbacks marked @cached_answer are kept."""

from __future__ import annotations

import pytest
from flask import g
from prometheus_client import REGISTRY
from sqlalchemy import text

from bench.replay import PAGES, data_callbacks, page_requests
from data_access.db import QueryTimeout, get_engine, read_connection
from ingest.bulk import bump_data_version
from tests.web.conftest import replay_post
from web.answer_cache import _cacheable_outputs

STATE = {"period": "custom", "from": "2024-01-01", "to": "2026-12-31", "segment": [], "region": [], "category": []}


def _count(result: str) -> float:
    return REGISTRY.get_sample_value("shop_pulse_answer_cache_total", {"result": result}) or 0.0


def _overview_requests(client) -> list:
    dependencies = client.get("/_dash-dependencies").get_json()
    return page_requests(replay_post(client), dependencies, "/", PAGES["/"], STATE | {"store": []})


def test_every_page_data_callback_is_kept_and_nothing_else(client, flask_app):
    dependencies = client.get("/_dash-dependencies").get_json()
    page_callbacks = {dep["output"] for path, prefix in PAGES.items() for dep in data_callbacks(dependencies, prefix)}
    kept = _cacheable_outputs(flask_app)
    assert page_callbacks <= kept
    assert all(output.lstrip(".").split("-")[0] in {"overview", "products", "customers", "segments"} for output in kept)
    assert not any("data-" in output or "import" in output for output in kept)


def test_a_repeated_request_is_answered_from_the_cache(client, statements):
    request = _overview_requests(client)[0]
    hits, misses = _count("hit"), _count("miss")
    first = client.post("/_dash-update-component", json=request.body)
    statements.clear()
    second = client.post("/_dash-update-component", json=request.body)
    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert _count("hit") == hits + 1
    assert _count("miss") in (misses, misses + 1)  # a miss unless an earlier test asked the same
    assert all("data_state" in s or "FROM users" in s for s in statements), "only the guard and the data version"
    assert second.headers["Cache-Control"] == "no-store", "security headers apply to stored answers too"


def test_a_new_load_is_never_answered_from_before_it(client):
    request = _overview_requests(client)[0]
    client.post("/_dash-update-component", json=request.body)
    with get_engine().begin() as conn:
        bump_data_version(conn)
    misses = _count("miss")
    client.post("/_dash-update-component", json=request.body)
    assert _count("miss") == misses + 1


def test_an_answer_drawn_while_a_query_timed_out_is_not_kept(flask_app):
    with flask_app.server.test_request_context("/_dash-update-component", method="POST"):
        with pytest.raises(QueryTimeout), read_connection(50) as conn:
            conn.execute(text("SELECT pg_sleep(1)"))
        assert g.transient_answer is True
