"""Small helpers every page uses: the configured number format, readable date ranges and the
answer to a filter that matches nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import dash_bootstrap_components as dbc

from components.figures import export_filename, graph_config
from components.formatting import NumberFormat
from components.shell import SHOW_ALL_TIME, empty_state
from data_access.access import current_scope
from data_access.dimensions import get_filter_options
from data_access.filters import KpiFilter
from data_access.settings import get_settings


def number_format() -> NumberFormat:
    settings = get_settings()
    return NumberFormat(settings.currency, settings.locale)


def range_label(start: dt.date, end: dt.date) -> str:
    if start == end:
        return f"{start:%d %b %Y}"
    return f"{start:%d %b %Y} – {end:%d %b %Y}"


# A caption names this many values of a dimension, then says how many more.
CAPTION_VALUES = 3
CAPTION_DIMENSIONS = (
    ("segments", "Segment", "Segments"),
    ("regions", "Region", "Regions"),
    ("categories", "Category", "Categories"),
    ("stores", "Store", "Stores"),
)


def filter_caption(f: KpiFilter) -> str:
    """'06 Dec 2025 – 05 Dec 2026 · Segment: Consumer · Stores: Marketplace, Web Shop': what a
    chart shows, under its title in an exported image. A viewer limited to some segments or
    regions sees those only: the caption names them as if filtered (an image passed on said
    nothing of it)."""
    f = replace(f, **{name: values for name, values in current_scope().limits().items() if not getattr(f, name)})
    parts = [range_label(f.start, f.end)]
    for field, one, several in CAPTION_DIMENSIONS:
        values = getattr(f, field)
        if values:
            named = ", ".join(values[:CAPTION_VALUES])
            more = len(values) - CAPTION_VALUES
            parts.append(f"{one if len(values) == 1 else several}: {named}{f' and {more} more' if more > 0 else ''}")
    return " · ".join(parts)


def export_config(chart: str, f: KpiFilter) -> dict:
    """A chart's dcc.Graph config: its downloads named after the chart and f's dates, the
    image titled with the chart ("sales by store": "Sales by store") and filter_caption(f)."""
    return graph_config(export_filename(chart, f.start, f.end), chart[:1].upper() + chart[1:], filter_caption(f))


def clicked_value(click_data: dict | None, index: int | None = None):
    """The customdata of a clicked point (or one item of it): what a chart click selects."""
    if not click_data or not click_data.get("points"):
        return None
    value = click_data["points"][0].get("customdata")
    if index is not None and isinstance(value, list):
        return value[index]
    return value


def days_phrase(days: int) -> str:
    """'the previous day' / 'the previous 30 days'."""
    return "the previous day" if days == 1 else f"the previous {days:,} days"


LAST_YEAR = "the same dates last year"


def previous_phrase(f) -> str:
    """What f's previous period is: days_phrase, or LAST_YEAR for a whole year (Last 12
    months), whose previous days are last year's dates."""
    return LAST_YEAR if f.previous_is_year_earlier else days_phrase(f.days)


def no_match_state(title: str, state: dict) -> dbc.Alert:
    """A filter that matches nothing: where the data lies, and a button to all of it (pages/_shell.py
    sets the period) unless the filter already covers all time."""
    options = get_filter_options()
    if not options.first_date:
        return empty_state(title, "No data has been loaded yet.")
    span = f"Your data runs from {options.first_date} to {options.last_date}."
    if state.get("period") == "all":
        return empty_state(title, f"{span} Try fewer filters.")
    button = dbc.Button("Show all time", id={"type": SHOW_ALL_TIME, "index": 0}, size="sm", className="mt-2")
    return empty_state(title, f"{span} Try a wider date range or fewer filters.", action=button)
