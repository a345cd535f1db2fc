"""What data access measures for /metrics: result-cache hits and misses, database time.

prometheus_client keeps these per process; under gunicorn its multiprocess mode (directory set
by gunicorn.conf.py) adds the workers up when /metrics is read.
"""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from sqlalchemy import event
from sqlalchemy.engine import Engine

CACHE_REQUESTS = Counter("shop_pulse_cache_requests_total", "Cached query calls", ["result"])
ANSWER_REQUESTS = Counter("shop_pulse_answer_cache_total", "Page data callbacks asked of the answer cache", ["result"])
DB_QUERY_SECONDS = Histogram(
    "shop_pulse_db_query_seconds",
    "Time PostgreSQL took per statement",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def count_cache(hit: bool) -> None:
    CACHE_REQUESTS.labels(result="hit" if hit else "miss").inc()


def count_answer(hit: bool) -> None:
    ANSWER_REQUESTS.labels(result="hit" if hit else "miss").inc()


def time_queries(engine: Engine) -> None:
    """Time every statement this engine runs (cursor execute to its return)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("query_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, parameters, context, executemany):
        DB_QUERY_SECONDS.observe(time.perf_counter() - conn.info["query_started"].pop())
