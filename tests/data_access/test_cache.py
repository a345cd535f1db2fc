"""Equal filters hit the cache; a committed load bumps the data version and is seen at once."""

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import text

from data_access import cache as cache_module
from data_access.db import get_engine
from data_access.filters import KpiFilter
from data_access.sales import get_sales_totals
from ingest.bulk import bump_data_version, delete_orders

MARCH = KpiFilter(start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))


def _kpi_queries(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().startswith("SELECT") and ("FROM order_lines" in s or "rollup_" in s)]


def _add_march_order(order_id: str, amount: str) -> None:
    """A committed one-line load, as an import would make it."""
    with get_engine().begin() as conn:
        key = conn.execute(
            text(
                "INSERT INTO orders (source, order_id, customer_key, store_key, order_date) "
                "VALUES ('cache-test', :oid, 1, 1, '2026-03-15') RETURNING order_key"
            ),
            {"oid": order_id},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO order_lines (order_key, line_no, product_key, quantity, unit_price, net_amount, profit) "
                "VALUES (:k, 1, 1, 1, :a, :a, 0)"
            ),
            {"k": key, "a": amount},
        )
        bump_data_version(conn)


@pytest.fixture
def cleanup_loads():
    yield
    with get_engine().begin() as conn:
        delete_orders(conn, "source = 'cache-test'", {})
        bump_data_version(conn)


def _assert_hit_then_invalidated(statements, order_id):
    before = get_sales_totals(MARCH)
    assert before.sales == Decimal("-100.00")
    assert len(_kpi_queries(statements)) == 1

    again = get_sales_totals(KpiFilter(start="2026-03-01", end="2026-03-31"))  # equal, built differently
    assert again == before
    assert len(_kpi_queries(statements)) == 1, "an equal filter must be answered from the cache"

    _add_march_order(order_id, "250.00")
    after = get_sales_totals(MARCH)
    assert after.sales == Decimal("150.00"), "a committed load must be visible at once"
    assert len(_kpi_queries(statements)) == 2


def test_file_cache_hit_and_invalidation(statements, cleanup_loads):
    assert cache_module.cache_config()["CACHE_TYPE"].endswith("FileSystemCache")
    _assert_hit_then_invalidated(statements, "F1")


def test_redis_cache_hit_and_invalidation(redis_url, statements, cleanup_loads, monkeypatch):
    import redis

    monkeypatch.setenv("REDIS_URL", redis_url)
    cache_module.get_settings.cache_clear()
    cache_module.init_cache()
    try:
        assert cache_module.cache_config()["CACHE_TYPE"] == "RedisCache"
        client = redis.Redis.from_url(redis_url)
        client.flushdb()
        _assert_hit_then_invalidated(statements, "R1")
        assert any(client.scan_iter(match="kpi:*")), "results must be stored in Redis"
    finally:
        monkeypatch.delenv("REDIS_URL")
        cache_module.get_settings.cache_clear()
        cache_module.init_cache()


def test_a_request_reads_the_data_version_once(statements):
    from data_access.access import UNRESTRICTED, set_request_scope

    def version_reads() -> int:
        return sum("FROM data_state" in s for s in statements)

    with cache_module.cache.app.test_request_context():
        set_request_scope(UNRESTRICTED)
        get_sales_totals(KpiFilter(start="2026-01-01", end="2026-01-31"))
        get_sales_totals(KpiFilter(start="2026-02-01", end="2026-02-28"))
    assert version_reads() == 1
    # Outside a request (command line, background jobs) every call looks, so a load shows at once.
    get_sales_totals(KpiFilter(start="2026-01-01", end="2026-01-31"))
    get_sales_totals(KpiFilter(start="2026-02-01", end="2026-02-28"))
    assert version_reads() == 3


def test_a_new_release_does_not_read_the_previous_ones_answers(tmp_path, statements, monkeypatch):
    """The file cache outlives restarts and Redis outlives releases: keys carry a digest of the
    code that computes answers, so changed code starts from an empty cache."""
    for name in cache_module.ANSWER_CODE:
        target = tmp_path / name if name.endswith(".py") else tmp_path / name / "module.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("ANSWER = 1\n")
    before = cache_module.code_digest(tmp_path)
    (tmp_path / "pages" / "module.py").write_text("ANSWER = 2\n")
    changed = cache_module.code_digest.__wrapped__(tmp_path)
    assert changed != before
    (tmp_path / "README.md").write_text("docs do not count\n")
    assert cache_module.code_digest.__wrapped__(tmp_path) == changed

    get_sales_totals(MARCH)
    get_sales_totals(MARCH)
    assert len(_kpi_queries(statements)) <= 1, "the same code and data: a hit"
    sent = len(_kpi_queries(statements))
    monkeypatch.setattr(cache_module, "code_digest", lambda: "next-release")
    get_sales_totals(MARCH)
    assert len(_kpi_queries(statements)) == sent + 1, "other code must not read this code's entries"


def test_equal_calls_at_once_compute_once(fixture_database):
    """The second of two concurrent equal calls waits for the first and reads its answer."""
    computed = []

    def slow_answer(f: KpiFilter) -> str:
        computed.append(f)
        time.sleep(0.3)  # long enough for the other thread to ask meanwhile
        return f"answer for {f.start}"

    slow = cache_module.cached_query(slow_answer)
    cache_module.CACHED_QUERIES.remove(slow)  # a test double of a query, not a page's query
    start = threading.Barrier(2)

    def ask(f: KpiFilter) -> str:
        start.wait()
        return slow(f)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(ask, [MARCH, MARCH]))
    assert answers == ["answer for 2026-03-01"] * 2
    assert computed == [MARCH], "the second call must wait for the first, not compute again"

    other = KpiFilter(start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30))
    start = threading.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(ask, [MARCH, other]))
    assert computed == [MARCH, other], "different calls do not wait for each other's answer"
