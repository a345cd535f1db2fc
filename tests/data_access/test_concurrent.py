"""run_concurrently: the calls really overlap, see the caller's row limits, and fail as inline."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from data_access.access import RowScope, current_scope, row_scope, set_request_scope
from data_access.concurrent import run_concurrently
from data_access.db import QueryTimeout


def test_the_calls_overlap_and_keep_their_order():
    # Each call waits until all three are inside: run one after another, the barrier breaks.
    inside = threading.Barrier(3, timeout=10)

    def call(n):
        inside.wait()
        return n

    assert run_concurrently(*[lambda n=n: call(n) for n in (1, 2, 3)]) == [1, 2, 3]


def test_the_calls_see_the_limits_of_the_caller():
    limited = RowScope(segments=("Corporate",))
    with row_scope(limited):
        assert run_concurrently(current_scope, current_scope) == [limited, limited]
    app = Flask(__name__)
    with app.test_request_context("/"):
        request_scope = RowScope(regions=("East",))
        set_request_scope(request_scope)
        assert run_concurrently(current_scope, current_scope) == [request_scope, request_scope]


def test_an_error_reaches_the_caller_after_every_call_ended():
    finished = []

    def slow():
        threading.Event().wait(0.2)
        finished.append("slow")
        return "slow"

    def failing():
        raise QueryTimeout("This view took too long to compute")

    with pytest.raises(QueryTimeout, match="took too long"):
        run_concurrently(failing, slow)
    assert finished == ["slow"]
