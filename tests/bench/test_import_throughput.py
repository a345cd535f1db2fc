"""Smoke run of the import benchmark: it runs and reports; speed is never asserted here."""

from bench.import_throughput import run


def test_import_benchmark_reports_every_phase():
    figures = run(5_000)
    assert figures["lines"] == 5_000
    assert set(figures["phases"]) == {"read", "validate", "load"}
    assert figures["lines_per_s"] > 0 and figures["seconds"] >= sum(figures["phases"].values()) * 0.99
