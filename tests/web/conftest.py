"""Accounts for the web tests: made per test and removed after, so other tests stay in the
local demo mode (no users) they were written for."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from data_access.db import get_engine
from data_access.users import create_user

PASSWORD = "correct horse battery"


@pytest.fixture
def flask_app(fixture_database):
    from app import app

    return app


@pytest.fixture
def accounts(fixture_database):
    """An admin, a viewer limited to the Consumer segment, one limited to the North region."""
    made = {
        "admin": create_user("boss@shop.test", PASSWORD, "admin"),
        "consumer": create_user("ann@shop.test", PASSWORD, "viewer", segments=["Consumer"]),
        "north": create_user("ned@shop.test", PASSWORD, "viewer", regions=["North"]),
    }
    yield made
    with get_engine().begin() as conn:
        conn.execute(text("DELETE FROM users; DELETE FROM login_failures"))


@pytest.fixture
def client(flask_app):
    return flask_app.server.test_client()


def log_in(client, email: str, password: str = PASSWORD, **environ):
    """The login form as a browser posts it: GET for the token, then POST."""
    client.get("/login", environ_overrides=environ)
    with client.session_transaction() as session:
        token = session["csrf"]
    return client.post(
        "/login", data={"email": email, "password": password, "csrf": token, "next": "/"}, environ_overrides=environ
    )


def replay_post(client):
    """bench.replay's `post` over a Flask test client: (status, JSON or None)."""

    def post(path, body):
        response = client.post(path, json=body)
        return response.status_code, response.get_json(silent=True)

    return post
