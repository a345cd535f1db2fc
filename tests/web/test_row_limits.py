"""A viewer limited to a segment or region sees exactly what an admin sees with that filter:
every query function (the WHERE builder applies the limit) and every page's callbacks."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from bench.replay import PAGES, page_requests
from data_access import customer_value, customers, dimensions, products, sales, segments  # noqa: F401 (registers)
from data_access.access import RowScope, row_scope
from data_access.cache import CACHED_QUERIES
from data_access.filters import KpiFilter
from tests.web.conftest import log_in, replay_post

EVERYTHING = KpiFilter(start=dt.date(2024, 1, 1), end=dt.date(2026, 12, 31))
# Extra arguments per query function; a new query function fails the test until listed here.
ARGUMENTS = {
    "get_sales_totals": (),
    "get_sales_comparison": (),
    "get_sales_by_period": (),
    "get_sales_by_dimension": ("region",),
    "get_sales_by_dimension_then_and_now": ("segment",),
    "get_sales_by_product_level": ("category",),
    "get_top_products": (),
    "get_also_bought": (1,),
    "get_monthly_sales_by_category": (),
    "get_customer_summary": (),  # top customers, repeat rate, RFM groups
    "get_new_vs_returning_by_period": (),
    "get_cohort_retention": (),
    "get_rfm_customers": ("Champions",),
    "get_category_mix_by_segment": (),
    "get_sales_by_segment_and_period": (),
    "get_filter_options": None,  # no filter: checked on its own below
}
LIMITS = {"segments": ("Consumer",), "regions": ("North",)}


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    if dataclasses.is_dataclass(a):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    return a == b


def test_every_query_function_is_listed():
    assert {f.__name__ for f in CACHED_QUERIES} == set(ARGUMENTS)


@pytest.mark.parametrize("dimension", LIMITS)
def test_every_query_function_applies_the_limit(dimension, fixture_database):
    limited = RowScope(**{dimension: LIMITS[dimension]})
    filtered = dataclasses.replace(EVERYTHING, **{dimension: LIMITS[dimension]})
    for query in CACHED_QUERIES:
        args = ARGUMENTS[query.__name__]
        if args is None:
            continue
        with row_scope(limited):
            seen_by_viewer = query(EVERYTHING, *args)
        assert _same(seen_by_viewer, query(filtered, *args)), query.__name__
    with row_scope(limited):
        limited_totals = sales.get_sales_totals(EVERYTHING)
        options = dimensions.get_filter_options()
    assert limited_totals != sales.get_sales_totals(EVERYTHING), "the limit must change the numbers"
    assert getattr(options, dimension) == LIMITS[dimension]
    other = "regions" if dimension == "segments" else "segments"
    assert getattr(options, other) == getattr(dimensions.get_filter_options(), other)


def _state(**dims) -> dict:
    state = {"period": "custom", "from": "2024-01-01", "to": "2026-12-31"}
    return state | {key: dims.get(key, []) for key in ("segment", "region", "category", "store")}


def _answers(client, state: dict) -> dict[str, object]:
    post = replay_post(client)
    dependencies = client.get("/_dash-dependencies").get_json()
    answers = {}
    for path, prefix in PAGES.items():
        for request in page_requests(post, dependencies, path, prefix, state):
            status, body = post("/_dash-update-component", request.body)
            if status == 204 and request.output.startswith("..customers-rfm-list"):
                continue  # no RFM group chosen: nothing to redraw (test_customers.py lists one)
            assert status == 200, (request.output, status)
            answers[request.output] = body["response"]
    return answers


def test_every_page_shows_a_viewer_only_their_segment(flask_app, accounts):
    viewer, admin = flask_app.server.test_client(), flask_app.server.test_client()
    log_in(viewer, "ann@shop.test")
    log_in(admin, "boss@shop.test")
    seen_by_viewer = _answers(viewer, _state())
    seen_by_admin = _answers(admin, _state(segment=["Consumer"]))
    assert len(seen_by_viewer) >= 7, "every page's data callbacks"
    assert {o.lstrip(".").split("-")[0] for o in seen_by_viewer} == {"overview", "products", "customers", "segments"}
    for output, answer in seen_by_viewer.items():
        assert answer == seen_by_admin[output], output
    unfiltered = _answers(admin, _state())
    assert sum(unfiltered[o] != seen_by_viewer[o] for o in unfiltered) >= 4, "the limit must change what pages show"
