"""Who may see what: login and logout, and the guard in front of every route.

Whenever at least one user exists, every route except the login page, /healthz and /metrics
(which guards itself) needs a logged-in session: pages answer with a redirect to the login
page, everything else (Dash callbacks, layout, scripts, assets) with 401. With no users at all
the app is a local demo: loopback requests only.

The guard also decides each request's row-level scope (data_access.access) and refuses the
callbacks of admin-only pages to viewers, found from the real callback map, so a new callback
on such a page is covered without anyone remembering to.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

import dash
from flask import Flask, g, jsonify, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from data_access.access import UNRESTRICTED, set_request_scope
from data_access.users import User, get_session_user, users_exist

PUBLIC_ENDPOINTS = {"login", "healthz", "metrics"}
DEMO_MODE_MESSAGE = "local demo mode: create a user to share this dashboard"
login_manager = LoginManager()


class SessionUser(UserMixin):
    """flask-login's view of a data_access User; the session id carries the password epoch."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return self.user.session_id


@login_manager.user_loader
def _load_user(session_id: str) -> SessionUser | None:
    user = get_session_user(session_id)
    return SessionUser(user) if user else None


def signed_in_user() -> User | None:
    return current_user.user if current_user.is_authenticated else None


def may_administer() -> bool:
    """Admins, and whoever uses a local demo (nobody to ask)."""
    user = signed_in_user()
    return user.is_admin if user else g.get("demo_mode", False)


def in_demo_mode() -> bool:
    return g.get("demo_mode", False)


def relayed_by_proxy() -> bool:
    return bool(request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"))


def client_ip() -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return None


def is_loopback_request(trusted_proxies: int) -> bool:
    """From this machine, and not relayed by a proxy we were not told about (with a local
    reverse proxy in front, every request would otherwise look local)."""
    if relayed_by_proxy() and not trusted_proxies:
        return False
    address = client_ip()
    return address is not None and address.is_loopback


def _wants_page() -> bool:
    return request.method == "GET" and "text/html" in request.headers.get("Accept", "") and "/_dash" not in request.path


def callback_keys(app: dash.Dash, wanted: Callable[[Callable], bool]) -> frozenset[str]:
    """Callback-map keys (the request's "output") whose callback function passes `wanted`.
    Ask after the first request: pages register their callbacks while it is served."""
    return frozenset(key for key, spec in app.callback_map.items() if wanted(spec.get("callback")))


def _admin_only_callbacks(app: dash.Dash) -> frozenset[str]:
    """Callback-map keys registered by pages marked admin_only=True in dash.register_page."""
    modules = {page["module"] for page in dash.page_registry.values() if page.get("admin_only")}
    return callback_keys(app, lambda callback: getattr(callback, "__module__", None) in modules)


def install_auth(app: dash.Dash, trusted_proxies: int) -> None:
    server: Flask = app.server
    login_manager.init_app(server)
    admin_callbacks = functools.cache(lambda: _admin_only_callbacks(app))  # once every callback is registered

    @server.before_request
    def guard():
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if request.path.endswith("/_dash-update-component"):
            g.callback = (request.get_json(silent=True) or {}).get("output")
        user = signed_in_user()
        if user is None:
            if users_exist():
                if _wants_page():
                    return redirect(url_for("login", next=request.full_path.rstrip("?")))
                return jsonify(error="login required"), 401
            if not is_loopback_request(trusted_proxies):
                return DEMO_MODE_MESSAGE, 403, {"Content-Type": "text/plain; charset=utf-8"}
            g.demo_mode = True
            set_request_scope(UNRESTRICTED)
            return None
        g.user_email = user.email
        set_request_scope(user.scope)
        if not user.is_admin and g.get("callback") and g.callback in admin_callbacks():
            return jsonify(error="only admins may do this"), 403
        return None
