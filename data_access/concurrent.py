"""A page's independent queries run at once, each on a pooled connection of its own.

A callback that asks for six figures waited for the sum of six queries, while PostgreSQL had a
core to spare for most of them (the machine this was measured on has two). Run together, the
callback waits roughly for the slowest one.

Each query runs in a copy of the caller's context, so it sees the same request (the asker's
row-level limits, the data version read once per request) or, outside requests, the same
row_scope. Errors (QueryTimeout included) reach the caller as if the query had run inline.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import has_request_context

from data_access.cache import request_data_version

# At most this many of one call's queries at once. Each holds a pooled connection: with the
# web server's 4 threads per worker (and the Overview's comparison nested in its callback,
# 1 + 3) that stays within the engine's 5 + 15 connections (data_access.db), so no query
# waits for a connection; and two cores gain little from more.
MAX_THREADS = 3


def run_concurrently(*calls: Callable[[], Any]) -> list[Any]:
    """The calls' results, in order; the first call's error (in order) is raised after all ended.

    Threads of this call's own, gone when it returns: a long-lived pool could be left with dead
    threads (a server stopped by raising in its threads, as dash's test runner does) or with
    every thread waiting on work queued behind it (a call made from one of its threads)."""
    if len(calls) < 2:
        return [call() for call in calls]
    if has_request_context():
        request_data_version()  # read once here, before the threads share the request's g
    with ThreadPoolExecutor(max_workers=min(len(calls), MAX_THREADS), thread_name_prefix="shop-pulse-query") as pool:
        futures = [pool.submit(contextvars.copy_context().run, call) for call in calls]
        errors = [future.exception() for future in futures]  # waits for every call
    for error in errors:
        if error is not None:
            raise error
    return [future.result() for future in futures]
