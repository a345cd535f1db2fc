"""Prometheus metrics at /metrics: latency per Dash callback (and per route), cache hits and
misses, database time (data_access.instrumentation).

/metrics is for the monitoring system, not for people: with METRICS_TOKEN set it needs
`Authorization: Bearer <token>`; without one it answers only requests from this machine or a
private network address that no proxy relayed.
"""

from __future__ import annotations

import hmac
import os
import time

import dash
from flask import Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest, multiprocess

from web.auth import client_ip, relayed_by_proxy

REQUEST_SECONDS = Histogram(
    "shop_pulse_request_seconds",
    "Time to answer a request, by Dash callback (its outputs) or route",
    ["handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
)


def _internal_request() -> bool:
    if relayed_by_proxy():
        return False  # came through a proxy, so from outside
    address = client_ip()
    return address is not None and (address.is_loopback or address.is_private)


def _authorized(token: str) -> bool:
    if token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
    return _internal_request()


def _exposition() -> bytes:
    # PROMETHEUS_MULTIPROC_DIR is prometheus_client's own variable (set by gunicorn.conf.py).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


def _handler_label(app: dash.Dash) -> str:
    # Only names the app defines: a label per made-up output would grow without bound.
    callback = g.get("callback")
    if callback:
        return callback if callback in app.callback_map else "unknown-callback"
    return request.url_rule.rule if request.url_rule else "unmatched"


def install_metrics(app: dash.Dash, token: str) -> None:
    server = app.server

    @server.before_request
    def _start_timer():
        g.metrics_started = time.perf_counter()

    @server.after_request
    def _observe(response):
        if "metrics_started" in g and request.endpoint != "metrics":
            handler = _handler_label(app)
            REQUEST_SECONDS.labels(handler=handler).observe(time.perf_counter() - g.metrics_started)
        return response

    @server.route("/metrics", endpoint="metrics")
    def metrics():
        if not _authorized(token):
            return Response("metrics are for the monitoring system\n", 403, mimetype="text/plain")
        return Response(_exposition(), mimetype=CONTENT_TYPE_LATEST)
