"""Smoke run of the import benchmark: it runs and reports; speed is never asserted here."""

from bench.import_throughput import run


def test_import_benchmark_reports_every_phase():
    import datetime as dt

    from data_access.filters import KpiFilter
    from data_access.sales import get_sales_totals

    everything = KpiFilter(start=dt.date(2000, 1, 1), end=dt.date(2100, 1, 1))
    before = get_sales_totals.uncached(everything)
    figures = run(5_000)
    assert get_sales_totals.uncached(everything) == before, "the benchmark must not touch the configured database"
    assert figures["lines"] == 5_000
    assert set(figures["phases"]) == {"read", "validate", "load"}
    assert figures["lines_per_s"] > 0 and figures["seconds"] >= sum(figures["phases"].values()) * 0.99


def test_live_feed_benchmark_stores_every_order(redis_url):
    from bench.live_feed import run as run_feed

    figures = run_feed(300, redis_url, batch=100)
    assert figures["orders"] == 300 and figures["orders_per_s"] > 0
