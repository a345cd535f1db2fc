"""Login, logout, the guard in front of every route and callback, and roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from data_access.db import get_engine
from data_access.users import AccountError, create_user, set_password
from tests.web.conftest import PASSWORD, log_in

PUBLIC = {"login", "healthz", "metrics"}  # metrics guards itself (test_metrics)
SAMPLE_ARGUMENTS = {"path": "sales", "package_name": "dash", "fingerprinted_path": "dash.min.js", "filename": "x.css"}


def _real_routes(flask_app):
    """Every URL rule the server has, with sample values for its variables."""
    client = flask_app.server.test_client()
    client.get("/_dash-layout")  # the first request registers Dash's late routes and callbacks
    for rule in flask_app.server.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: SAMPLE_ARGUMENTS[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def _callback_request(output: str) -> dict:
    return {"output": output, "outputs": [], "inputs": [], "state": [], "changedPropIds": []}


def test_anonymous_requests_to_every_route_are_refused(flask_app, accounts, client):
    routes = list(_real_routes(flask_app))
    assert {"/_dash-update-component", "/_dash-layout", "/assets/x.css", "/logout"} <= {p for _e, _m, p in routes}
    for endpoint, method, path in routes:
        page = client.open(path, method=method, headers={"Accept": "text/html"})
        api = client.open(path, method=method, headers={"Accept": "application/json"})
        assert api.status_code == 401, (endpoint, method, path, api.status_code)
        if method == "GET" and "/_dash" not in path:
            assert page.status_code == 302 and page.location.startswith("/login?next="), (method, path)
        else:
            assert page.status_code == 401, (method, path)


def test_anonymous_calls_of_every_callback_are_refused(flask_app, accounts, client):
    client.get("/_dash-layout")
    outputs = list(flask_app.callback_map)
    assert len(outputs) > 20
    for output in outputs:
        response = client.post("/_dash-update-component", json=_callback_request(output))
        assert response.status_code == 401, output
        assert b"figure" not in response.data


def test_login_then_pages_and_logout(client, accounts):
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 302
    response = log_in(client, "boss@shop.test")
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    with client.session_transaction() as session:
        token = session["csrf"]
    assert client.post("/logout", data={"csrf": token}).status_code == 302
    assert client.get("/_dash-layout").status_code == 401


def test_login_sends_back_only_to_this_site(client, accounts):
    client.get("/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    for target, expected in [("/products?segment=Consumer", "/products?segment=Consumer"), ("//evil.test", "/")]:
        response = client.post(
            "/login", data={"email": "boss@shop.test", "password": PASSWORD, "csrf": token, "next": target}
        )
        assert response.location == expected
        client.get("/login")
        with client.session_transaction() as session:
            token = session["csrf"]


def test_login_form_without_its_token_is_refused(client, accounts):
    response = client.post("/login", data={"email": "boss@shop.test", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/_dash-layout").status_code == 401


def test_session_cookie_flags(client, accounts):
    response = log_in(client, "boss@shop.test")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure_client = client.application.test_client()
    response = log_in(secure_client, "boss@shop.test", **{"wsgi.url_scheme": "https"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_unknown_user_and_wrong_password_answer_alike(client, accounts):
    unknown = log_in(client, "nobody@shop.test", "whatever-it-is")
    wrong = log_in(client, "boss@shop.test", "not the password")
    assert unknown.status_code == wrong.status_code == 200
    assert b"Wrong email or password." in unknown.data and b"Wrong email or password." in wrong.data
    assert unknown.data.replace(b"nobody@shop.test", b"X") == wrong.data.replace(b"boss@shop.test", b"X")


def test_failed_logins_are_limited_per_account(client, accounts):
    for _ in range(5):
        assert b"Wrong email or password." in log_in(client, "boss@shop.test", "guess guess guess").data
    locked = log_in(client, "boss@shop.test")  # even the right password, while locked
    assert locked.status_code == 429 and b"Too many failed attempts" in locked.data
    assert log_in(client, "ann@shop.test").status_code == 302, "other accounts are not locked"
    # An unknown email locks the same way, so the lock does not reveal who has an account.
    for _ in range(5):
        log_in(client, "ghost@shop.test", "guess guess guess")
    assert log_in(client, "ghost@shop.test", "guess").status_code == 429


def test_failed_logins_are_limited_per_address(client, accounts):
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for n in range(20):
        assert b"Wrong email or password." in log_in(client, f"user{n}@shop.test", "guess guess", **attacker).data
    assert log_in(client, "boss@shop.test", **attacker).status_code == 429
    assert log_in(client, "boss@shop.test").status_code == 302, "another address is not limited"


def test_passwords_are_stored_hashed_and_never_logged(accounts, client, caplog):
    with caplog.at_level("DEBUG"):
        log_in(client, "boss@shop.test")
        log_in(client, "ann@shop.test", "a wrong password here")
    with get_engine().connect() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM users")).scalars().all()
    assert len(hashes) == 3
    for stored in hashes:
        assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert PASSWORD not in caplog.text and "a wrong password here" not in caplog.text


def test_new_password_ends_old_sessions(client, accounts):
    log_in(client, "boss@shop.test")
    assert client.get("/_dash-layout").status_code == 200
    set_password("boss@shop.test", "a brand new password")
    assert client.get("/_dash-layout").status_code == 401


def test_deleted_user_is_signed_out(client, accounts):
    from data_access.users import delete_user

    log_in(client, "ann@shop.test")
    delete_user("ann@shop.test")
    assert client.get("/_dash-layout").status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("not-an-email", PASSWORD, "viewer"), "is not an email address"),
        (("a@shop.test", "short", "viewer"), "at least 10 characters"),
        (("a@shop.test", PASSWORD, "owner"), "role must be one of admin, viewer"),
        (("BOSS@shop.test", PASSWORD, "viewer"), "already exists"),
    ],
)
def test_account_rules(accounts, args, message):
    with pytest.raises(AccountError, match=message):
        create_user(*args)


def test_admins_have_no_row_limits(accounts):
    with pytest.raises(AccountError, match="row-level limits are for viewers"):
        create_user("x@shop.test", PASSWORD, "admin", segments=["Consumer"])


def test_viewers_cannot_reach_the_import_page(flask_app, client, accounts):
    from web.auth import _admin_only_callbacks

    log_in(client, "ann@shop.test")
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "nav-link-overview" in layout and "nav-link-data" not in layout, "no Data link for viewers"
    router = next(key for key in flask_app.callback_map if "_pages_content.children" in key)
    page = client.post(
        "/_dash-update-component",
        json=_callback_request(router)
        | {
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [
                {"id": "_pages_location", "property": "pathname", "value": "/data"},
                {"id": "_pages_location", "property": "search", "value": ""},
            ],
        },
    )
    assert page.status_code == 200 and "Only admins import data" in page.get_data(as_text=True)
    admin_only = _admin_only_callbacks(flask_app)
    assert len(admin_only) >= 4, "the import page's upload, import, history and undo callbacks"
    for output in admin_only:
        response = client.post("/_dash-update-component", json=_callback_request(output))
        assert response.status_code == 403, output

    admin = client.application.test_client()
    log_in(admin, "boss@shop.test")
    assert "nav-link-data" in admin.get("/_dash-layout").get_data(as_text=True)
    for output in admin_only:
        assert admin.post("/_dash-update-component", json=_callback_request(output)).status_code != 403


def test_local_demo_mode_answers_this_computer_only(client, fixture_database):
    with get_engine().connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
    assert client.get("/_dash-layout").status_code == 200
    assert b"Local demo mode" in client.get("/_dash-layout").data
    remote = client.get("/_dash-layout", environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert remote.status_code == 403 and b"local demo mode: create a user" in remote.data
    relayed = client.get("/_dash-layout", headers={"X-Forwarded-For": "192.0.2.7"})
    assert relayed.status_code == 403, "a local reverse proxy must not make everyone local"


def test_the_session_starts_with_its_logout_token(client, accounts):
    response = log_in(client, "boss@shop.test")
    assert response.status_code == 302
    with client.session_transaction() as session:
        token = session["csrf"]
    assert token, "set by the login response itself"
    assert client.post("/logout", data={"csrf": token}).status_code == 302
    assert client.get("/_dash-layout").status_code == 401
