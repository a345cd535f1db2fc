"""How the server presents itself: signed cookies, proxy headers, security headers, request
ids, structured logs, and errors that never show a traceback."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import secrets
import time
import uuid
from pathlib import Path

import dash
from flask import Flask, g, jsonify, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from data_access.db import unavailable_reason
from data_access.settings import Settings

log = logging.getLogger("shop_pulse.requests")

# The page's banner for a database that does not answer (app.py puts it under the navbar).
UNAVAILABLE = "database-unavailable"
UNAVAILABLE_TEXT = (
    "The database is not answering, so the figures could not be updated and may be out of date. Reload once it is back."
)
UNAVAILABLE_PAGE = (
    "<!doctype html><title>Shop Pulse</title><p>Shop Pulse cannot reach its database right now.</p>"
    "<p><a href=''>Reload</a> in a moment.</p>"
)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class SecretKeyMissing(RuntimeError):
    pass


def secret_key(settings: Settings, production: bool) -> str:
    """SECRET_KEY; for the local app (python app.py) a random key kept under DATA_DIR, so
    sessions survive a restart. Production must set it: every worker and host needs the same."""
    if settings.secret_key:
        return settings.secret_key
    if production:
        raise SecretKeyMissing("SECRET_KEY is not set; every gunicorn worker must sign sessions with the same key")
    path = settings.data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text().strip()


def _write_private(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)


class SessionInterface(SecureCookieSessionInterface):
    """Session cookie marked Secure whenever the request came over HTTPS (also behind a
    trusted proxy), without a setting that someone forgets to switch on."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def configure_sessions(server: Flask, settings: Settings, production: bool) -> None:
    server.config.update(
        SECRET_KEY=secret_key(settings, production),
        SESSION_COOKIE_NAME="shop_pulse_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours),
    )
    server.session_interface = SessionInterface()
    if settings.trusted_proxies:
        # X-Forwarded-For/-Proto/-Host from that many proxies are believed: client address
        # (rate limits, logs) and https (Secure cookies) come from them.
        server.wsgi_app = ProxyFix(
            server.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies, x_host=1
        )


def content_security_policy(app: dash.Dash) -> str:
    """Scripts only from this server plus Dash's own inline ones (by hash). Plotly and AG Grid
    style elements inline, and exported charts are data:/blob: images."""
    scripts = " ".join(["'self'", *app.csp_hashes()])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install_security(app: dash.Dash) -> None:
    server: Flask = app.server
    policy: dict[str, str] = {}

    @server.before_request
    def start_request():
        sent = request.headers.get("X-Request-ID", "")
        g.request_id = sent if REQUEST_ID.match(sent) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @server.after_request
    def finish_request(response):
        if "csp" not in policy:  # after every callback (and its inline script) is registered
            policy["csp"] = content_security_policy(app)
        headers = response.headers
        headers["Content-Security-Policy"] = policy["csp"]
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        headers["X-Request-ID"] = g.get("request_id", "")
        if request.is_secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        if request.path.startswith("/_dash-update-component") or request.endpoint == "login":
            headers["Cache-Control"] = "no-store"  # figures are sales data: no browser or proxy copies
        _log_request(response.status_code)
        return response

    @server.errorhandler(Exception)
    def internal_error(exc):
        if isinstance(exc, HTTPException):
            return exc
        reason = unavailable_reason(exc)
        if reason is not None:
            return database_unavailable(reason)
        log.exception("unhandled error", extra={"request_id": g.get("request_id")})
        return jsonify(error="internal error", request_id=g.get("request_id")), 500


def database_unavailable(reason: str):
    """The answer to a request the database could not serve (down, restarting, full): in the
    log one line, not a traceback per request; to a browser a message, not 'internal error'.
    A callback's answer is a 200 that changes none of its outputs and opens the page's banner
    (Dash's renderer applies a sideUpdate as it does set_props), so the figures stay as they
    were under a message saying they may be out of date."""
    log.error("database unavailable: %s", reason, extra={"request_id": g.get("request_id")})
    g.transient_answer = True  # never kept by the answer cache
    if request.path.endswith("/_dash-update-component"):
        return jsonify(multi=True, response={}, sideUpdate={UNAVAILABLE: {"is_open": True}})
    if request.accept_mimetypes.accept_html and not request.path.startswith("/_"):
        return UNAVAILABLE_PAGE, 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "10"}
    return jsonify(error="database unavailable", request_id=g.get("request_id")), 503, {"Retry-After": "10"}


def _log_request(status: int) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    fields = {
        "request_id": g.get("request_id"),
        "method": request.method,
        "path": request.path,
        "status": status,
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1),
        "user": g.get("user_email"),
        "callback": g.get("callback"),
    }
    log.info("request", extra={"fields": fields})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship to Loki/ELK and to grep by request_id."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which gunicorn worker
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if getattr(record, "request_id", None):
            entry["request_id"] = record.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def logging_config(level: str) -> dict:
    """For gunicorn's logconfig_dict: our logs and gunicorn's own, as JSON on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "gunicorn.error": {"handlers": ["stderr"], "level": level.upper(), "propagate": False},
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
