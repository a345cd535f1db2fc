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
    assert figures["undo_lines_per_s"] > 0 and figures["undo_seconds"] > 0


def test_live_feed_benchmark_stores_every_order(redis_url):
    from bench.live_feed import run as run_feed

    figures = run_feed(300, redis_url, batch=100)
    assert figures["orders"] == 300 and figures["orders_per_s"] > 0


def test_import_into_history_benchmark_keeps_the_rollups_exact_and_undoes_its_import():
    from sqlalchemy import text

    from bench.import_into_history import run as run_history
    from data_access.rollup_check import assert_rollups_exact

    checked = []

    def check(engine):
        assert_rollups_exact(engine)
        with engine.connect() as conn:
            checked.append(conn.execute(text("SELECT count(*) FROM order_lines")).scalar_one())

    figures = run_history(6_000, days=30, check=check)
    assert figures["imported_lines"] > 100 and figures["customers"] > 10
    assert checked == [6_000 + figures["imported_lines"], 6_000]  # imported, then undone
    assert figures["import_lines_per_s"] > 0 and figures["undo_lines_per_s"] > 0
