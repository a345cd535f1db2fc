"""The global filter as it travels: URL query <-> store dict <-> KpiFilter.

The store holds {"period", "from", "to", "segment": [...], ...}. The URL holds the same, except
that a preset period is written by name only (?period=ytd), so a shared link keeps meaning
"year to date" tomorrow, while a custom range is written as dates (?from=...&to=...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlencode

from components.filters import DEFAULT_PERIOD
from data_access.filters import DIMENSION_KEYS, KpiFilter
from data_access.periods import PRESETS, auto_grain, resolve_period

FILTER_KEYS = ("period", "from", "to", *DIMENSION_KEYS)


def parse_search(search: str | None) -> dict[str, list[str]]:
    return parse_qs((search or "").lstrip("?"), keep_blank_values=False)


def default_state(today: dt.date, first: dt.date | None, last: dt.date | None) -> dict[str, Any]:
    return make_state(DEFAULT_PERIOD, None, None, {}, today, first, last)


def make_state(period, start, end, dims: dict, today, first, last) -> dict[str, Any]:
    """A complete, valid state: preset dates resolved, custom dates checked and ordered."""
    period = period if period in PRESETS else "custom"
    if period != "custom":
        start, end = resolve_period(period, today, first, last)
    else:
        try:
            start = _date(start) if start else today
            end = _date(end) if end else start
        except ValueError:  # a hand-edited URL: fall back rather than fail
            start, end = resolve_period(DEFAULT_PERIOD, today, first, last)
        start, end = min(start, end), max(start, end)
    state: dict[str, Any] = {"period": period, "from": start.isoformat(), "to": end.isoformat()}
    for key in DIMENSION_KEYS:
        values = dims.get(key) or []
        state[key] = sorted({str(v) for v in ([values] if isinstance(values, str) else values)})
    return state


def _date(value: Any) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def state_from_query(query: dict[str, list[str]], today, first, last) -> dict[str, Any] | None:
    """The state a URL asks for, or None when it names no filter at all."""
    if not any(key in query for key in FILTER_KEYS):
        return None
    period = (query.get("period") or [None])[0]
    start, end = (query.get("from") or [None])[0], (query.get("to") or [None])[0]
    if period is None:
        period = "custom" if (start or end) else DEFAULT_PERIOD
    dims = {key: query.get(key, []) for key in DIMENSION_KEYS}
    return make_state(period, start, end, dims, today, first, last)


def search_from_state(state: dict[str, Any]) -> str:
    pairs: list[tuple[str, str]] = []
    if state["period"] == "custom":
        pairs += [("from", state["from"]), ("to", state["to"])]
    elif state["period"] != DEFAULT_PERIOD:
        pairs.append(("period", state["period"]))
    for key in DIMENSION_KEYS:
        pairs += [(key, v) for v in state.get(key, [])]
    return "?" + urlencode(pairs) if pairs else ""


def filter_from_state(state: dict[str, Any], grain: str | None = None) -> KpiFilter:
    start, end = dt.date.fromisoformat(state["from"]), dt.date.fromisoformat(state["to"])
    if grain in (None, "auto"):
        grain = auto_grain(start, end)
    return KpiFilter.from_query({**state, "grain": grain}, default_start=start, default_end=end)
