"""Smoke run of `manage.py bench` (10k lines): every page's callbacks replayed over HTTP
against ours and the naive baseline, and every answer equal."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bench.pages import differences, seeded_filters, warm_up_states
from manage import cli


def test_bench_smoke_run_answers_equal_the_naive_baseline(fixture_database, tmp_path):
    out = tmp_path / "pages.json"
    result = CliRunner().invoke(cli, ["bench", "--lines", "10000", "--filters", "4", "--years", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["lines"] == 10000 and report["equal"] is True
    assert set(report["pages"]) == {"overview", "products", "customers", "segments"}
    for page in report["pages"].values():
        assert page["requests"] >= 4 and page["p95_ms"] > 0 and page["naive_p50_ms"] > 0
        slowest = [answer["ms"] for answer in page["slowest"]]
        assert len(slowest) == 3 and slowest == sorted(slowest, reverse=True) and slowest[2] <= page["p95_ms"]
        assert all("from" in answer["filter"] and answer["callback"] for answer in page["slowest"])
    assert 0 < report["rss_mb"] < 1000
    assert "equal to naive: True" in result.output


def test_a_changed_number_is_reported():
    ours = {"0": {"kpis": "$1,000.00"}, "1": {"kpis": "$5.00"}}
    naive = {"0": {"kpis": "$1,000.00"}, "1": {"kpis": "$5.01"}}
    assert differences(ours, naive) == ["1"]


def test_filters_are_seeded_and_valid():
    options = {"segment": ["A", "B"], "region": ["N"], "category": ["X", "Y", "Z"], "store": ["S"]}
    first = seeded_filters(50, options, "2022-01-01", "2026-11-23")
    assert first == seeded_filters(50, options, "2022-01-01", "2026-11-23")
    assert len({json.dumps(s, sort_keys=True) for s in first}) == 50
    assert all("2022-01-01" <= s["from"] <= s["to"] <= "2026-11-23" for s in first)
    assert any(s["segment"] for s in first) and any(not s["category"] for s in first)


def test_warm_up_filters_are_never_timed_ones():
    """The apps' first requests use filters of their own, so the timed ones still miss the
    result cache; shaped like the filter bar's, inside the data, some naming every dimension."""
    options = {"segment": ["A", "B"], "region": ["N"], "category": ["X", "Y", "Z"], "store": ["S"]}
    timed = seeded_filters(50, options, "2022-01-01", "2026-11-23")
    warm = warm_up_states(options, "2022-01-01", "2026-11-23", timed)
    assert len(warm) == 4 and not [state for state in warm if state in timed]
    assert all(set(state) == set(timed[0]) for state in warm)
    assert all("2022-01-01" <= state["from"] <= state["to"] <= "2026-11-23" for state in warm)
    assert any(all(state[key] for key in options) for state in warm)
    assert warm_up_states(options, "2022-01-01", "2026-11-23", timed + warm[:1]) == warm[1:]
