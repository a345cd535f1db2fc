"""Whole answers of the pages' data callbacks, kept in the result cache: a filter anyone has
already looked at comes back as stored bytes, without building its figures again.

Why whole answers: once the queries are cached, building figures and grids (Plotly copies its
template for every figure) costs more than the queries did, so a cached page still took ~100 ms.
The key is the request body (a data callback reads nothing but its inputs and state), the
cache generation (the code's digest and the data version every load bumps) and the asker's
row limits. Only callbacks marked with
@cached_answer are kept; an answer drawn while a query timed out is not.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import TypeVar

import dash
from flask import Response, g, request

from data_access.access import current_scope
from data_access.cache import cache, cache_generation
from data_access.instrumentation import count_answer
from web.auth import callback_keys

F = TypeVar("F", bound=Callable)


def cached_answer(func: F) -> F:
    """Mark a page callback whose answer depends only on its inputs, its state, the data and
    the asker's row limits (not the time, the session or the user's role). Put it under @callback."""
    func.cached_answer = True  # type: ignore[attr-defined]  # Dash's wrapper copies __dict__
    return func


def _cacheable_outputs(app: dash.Dash) -> frozenset[str]:
    return callback_keys(app, lambda callback: getattr(callback, "cached_answer", False))


def _key() -> str:
    digest = hashlib.sha256(request.get_data())
    digest.update(f"|{cache_generation()}|{current_scope()!r}".encode())
    return f"answer:{digest.hexdigest()}"


def install_answer_cache(app: dash.Dash) -> None:
    """Register after the login guard: it decides the asker's row limits, and refuses first."""
    server = app.server
    outputs = functools.cache(lambda: _cacheable_outputs(app))  # once every callback is registered

    @server.before_request
    def _answer_from_cache():
        callback = g.get("callback")
        if not callback:
            return None
        if callback not in outputs():
            return None
        key = _key()
        stored = cache.get(key)
        count_answer(hit=stored is not None)
        if stored is None:
            g.answer_key = key  # computed as usual, then kept by _keep_answer
            return None
        return Response(stored, mimetype="application/json")

    @server.after_request
    def _keep_answer(response):
        key = g.pop("answer_key", None)
        if key and response.status_code == 200 and not g.get("transient_answer") and not response.direct_passthrough:
            cache.set(key, response.get_data())
        return response
