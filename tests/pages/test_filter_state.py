"""URL <-> store state: presets travel by name, custom ranges by dates, bad input falls back."""

import datetime as dt

from pages._filter_state import (
    default_state,
    filter_from_state,
    parse_search,
    search_from_state,
    state_from_query,
)

TODAY, FIRST, LAST = dt.date(2026, 11, 23), dt.date(2024, 11, 24), dt.date(2026, 11, 23)


def state(search):
    return state_from_query(parse_search(search), TODAY, FIRST, LAST)


def test_no_filter_in_url_means_none():
    assert state("") is None and state("?utm_source=mail") is None


def test_default_is_last_12_months_and_writes_an_empty_query():
    default = default_state(TODAY, FIRST, LAST)
    assert (default["period"], default["from"], default["to"]) == ("last_12_months", "2025-11-24", "2026-11-23")
    assert search_from_state(default) == ""


def test_preset_travels_by_name_and_dimensions_by_value():
    s = state("?period=ytd&segment=Corporate&segment=Consumer&store=Web+Shop")
    assert (s["from"], s["to"]) == ("2026-01-01", "2026-11-23")
    assert s["segment"] == ["Consumer", "Corporate"] and s["store"] == ["Web Shop"]
    assert search_from_state(s) == "?period=ytd&segment=Consumer&segment=Corporate&store=Web+Shop"


def test_custom_dates_round_trip_and_reversed_dates_are_swapped():
    s = state("?from=2026-03-31&to=2026-01-01")
    assert (s["period"], s["from"], s["to"]) == ("custom", "2026-01-01", "2026-03-31")
    assert state(search_from_state(s)) == s


def test_garbage_dates_fall_back_to_the_default_range():
    s = state("?from=soon&to=later")
    assert (s["from"], s["to"]) == ("2025-11-24", "2026-11-23")


def test_filter_from_state_picks_a_grain_for_the_range():
    assert filter_from_state(state("?from=2026-01-01&to=2026-01-31")).grain == "day"
    assert filter_from_state(state("?period=all")).grain == "month"
    assert filter_from_state(state("?period=all"), grain="week").grain == "week"
