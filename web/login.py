"""The login page and logout: a plain HTML form (no script), so it works before any Dash code
is allowed to load, with password managers, and with JavaScript off."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, redirect, render_template_string, request, session
from flask_login import login_user, logout_user

from data_access.users import FAILURE_WINDOW_MINUTES, LoginOutcome, authenticate
from web.auth import SessionUser

LOGIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Shop Pulse</title>
<link rel="icon" href="data:,">
<style>
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
         background: #f3f4f6; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #212529; }
  main { background: #fff; width: min(92vw, 380px); padding: 2rem; border-radius: .75rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; } p.lead { color: #6c757d; margin: 0 0 1.5rem; }
  label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
  input { box-sizing: border-box; width: 100%; padding: .6rem .75rem; font-size: 1rem;
          border: 1px solid #ced4da; border-radius: .375rem; }
  input:focus { outline: 3px solid rgba(13,110,253,.35); border-color: #86b7fe; }
  button { margin-top: 1.5rem; width: 100%; padding: .7rem; font-size: 1rem; font-weight: 600; color: #fff;
           background: #0d6efd; border: 0; border-radius: .375rem; cursor: pointer; }
  button:hover, button:focus { background: #0b5ed7; }
  .error { background: #f8d7da; color: #842029; border-radius: .375rem; padding: .6rem .75rem; margin-bottom: 1rem; }
</style></head>
<body><main>
  <h1>Shop Pulse</h1><p class="lead">Log in to see your shop's figures.</p>
  {% if error %}<div class="error" role="alert" id="login-error">{{ error }}</div>{% endif %}
  <form method="post" action="/login">
    <input type="hidden" name="csrf" value="{{ csrf }}">
    <input type="hidden" name="next" value="{{ next }}">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" value="{{ email }}" required autofocus>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <button type="submit" id="login-submit">Log in</button>
  </form>
</main></body></html>
"""

REFUSED = "Wrong email or password."
THROTTLED = f"Too many failed attempts. Wait {FAILURE_WINDOW_MINUTES} minutes and try again."


def csrf_token() -> str:
    """One random token per session, checked on every form post (login, logout)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    sent = request.form.get("csrf", "")
    return bool(sent) and hmac.compare_digest(sent, session.get("csrf", ""))


def _safe_next(target: str | None) -> str:
    # Only paths on this site: "//evil.example" or "https://..." would make us an open redirect.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _page(error: str = "", email: str = "", next_path: str = "/", status: int = 200):
    html = render_template_string(LOGIN_PAGE, error=error, email=email, next=next_path, csrf=csrf_token())
    return html, status


def install_login_routes(server: Flask) -> None:
    @server.route("/login", methods=["GET", "POST"], endpoint="login")
    def login():
        next_path = _safe_next(request.values.get("next"))
        if request.method == "GET":
            return _page(next_path=next_path)
        email = request.form.get("email", "")
        if not csrf_ok():
            return _page("Your session expired. Please log in again.", email, next_path, 400)
        outcome, user = authenticate(email, request.form.get("password", ""), request.remote_addr or "unknown")
        if outcome is LoginOutcome.THROTTLED:
            return _page(THROTTLED, email, next_path, 429)
        if outcome is LoginOutcome.REFUSED:
            return _page(REFUSED, email, next_path)  # the form again, as any login form answers
        session.clear()  # a fresh session on login: nothing set before it carries over
        session.permanent = True
        # The logout form's token goes into the very cookie that starts the session. Made
        # lazily instead, by whichever request first asked, it could be lost: the dashboard's
        # parallel requests each write the cookie back, and one without the token may win.
        csrf_token()
        login_user(SessionUser(user))
        return redirect(next_path)

    @server.route("/logout", methods=["POST"], endpoint="logout")
    def logout():
        if csrf_ok():
            logout_user()
            session.clear()
        return redirect("/login")
