"""Wording shared by the pages' subtitles."""

import datetime as dt
from dataclasses import replace

from data_access.access import RowScope, row_scope
from data_access.filters import KpiFilter
from pages._page_helpers import export_config, filter_caption, previous_phrase


def test_previous_period_of_a_whole_year_is_named_last_year():
    last_12_months = KpiFilter(start=dt.date(2025, 12, 3), end=dt.date(2026, 12, 2))
    assert previous_phrase(last_12_months) == "the same dates last year"
    assert previous_phrase(KpiFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))) == "the previous 59 days"
    assert previous_phrase(KpiFilter(start=dt.date(2026, 2, 2), end=dt.date(2026, 2, 2))) == "the previous day"
    # 28 Feb 2024 - 28 Feb 2025, a year and a day: its previous days are not last year's dates.
    assert previous_phrase(KpiFilter(start=dt.date(2024, 2, 28), end=dt.date(2025, 2, 28))) == "the previous 367 days"


def test_an_exported_chart_is_titled_with_its_name_dates_and_filters():
    f = KpiFilter(
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        segments=("Consumer",),
        categories=("Furniture", "Technology"),
        stores=("North", "South", "East", "West", "Web Shop"),
    )
    assert filter_caption(f) == (
        "01 Jan 2026 – 31 Mar 2026 · Segment: Consumer · Categories: Furniture, Technology"
        " · Stores: East, North, South and 2 more"
    )
    assert filter_caption(KpiFilter(start=dt.date(2026, 2, 2), end=dt.date(2026, 2, 2))) == "02 Feb 2026"
    options = export_config("sales by store", f)["toImageButtonOptions"]
    assert options["title"] == "Sales by store" and options["caption"] == filter_caption(f)
    assert options["filename"] == "sales-by-store_2026-01-01_to_2026-03-31"


def test_a_viewer_s_exported_chart_names_the_segments_they_are_limited_to():
    """They see Consumer only, filtered or not: an image they pass on says so."""
    everything = KpiFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    with row_scope(RowScope(segments=("Consumer",))):
        assert filter_caption(everything) == "01 Jan 2026 – 31 Jan 2026 · Segment: Consumer"
        assert filter_caption(replace(everything, regions=("North",))).endswith("Segment: Consumer · Region: North")
    assert filter_caption(everything) == "01 Jan 2026 – 31 Jan 2026"
