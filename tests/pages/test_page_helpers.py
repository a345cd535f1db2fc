"""Wording shared by the pages' subtitles."""

import datetime as dt

from data_access.filters import KpiFilter
from pages._page_helpers import previous_phrase


def test_previous_period_of_a_whole_year_is_named_last_year():
    last_12_months = KpiFilter(start=dt.date(2025, 12, 3), end=dt.date(2026, 12, 2))
    assert previous_phrase(last_12_months) == "the same dates last year"
    assert previous_phrase(KpiFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))) == "the previous 59 days"
    assert previous_phrase(KpiFilter(start=dt.date(2026, 2, 2), end=dt.date(2026, 2, 2))) == "the previous day"
    # 28 Feb 2024 - 28 Feb 2025, a year and a day: its previous days are not last year's dates.
    assert previous_phrase(KpiFilter(start=dt.date(2024, 2, 28), end=dt.date(2025, 2, 28))) == "the previous 367 days"
