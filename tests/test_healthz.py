"""/healthz answers load balancers: 200 with both parts "ok", or 503 saying which part is down."""

import socket

from flask import Flask
from flask_caching import Cache
from sqlalchemy import create_engine

from data_access.health import check_health


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_is_ok_without_login_and_says_why_not():
    from app import server

    response = server.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_a_dead_database_and_a_dead_redis_are_reported(redis_url):
    port = _closed_port()
    engine = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{port}/none?connect_timeout=2")
    dead_cache = Cache(
        Flask("dead"), config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    )
    healthy, parts = check_health(engine, dead_cache)
    assert not healthy
    assert parts["database"].startswith("unreachable") and parts["cache"].startswith("unreachable")
    live_cache = Cache(Flask("live"), config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url})
    assert check_health(engine, live_cache)[1]["cache"] == "ok"
