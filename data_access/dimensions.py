"""What the filter bar offers: dimension values, the data's date span, and its freshness."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import text

from data_access.access import current_scope
from data_access.cache import cached_query, data_state
from data_access.db import read_connection


@dataclass(frozen=True)
class FilterOptions:
    segments: tuple[str, ...]
    regions: tuple[str, ...]
    categories: tuple[str, ...]
    stores: tuple[str, ...]
    first_date: dt.date | None
    last_date: dt.date | None


@cached_query
def get_filter_options() -> FilterOptions:
    """Values the asker may pick: a viewer limited to some segments or regions is offered only
    those. The date span is the whole shop's (dates say nothing about anyone's sales)."""
    scope = current_scope()
    with read_connection() as conn:

        def values(sql: str) -> tuple[str, ...]:
            return tuple(r[0] for r in conn.execute(text(sql)) if r[0] is not None)

        all_segments = values("SELECT DISTINCT segment FROM customers ORDER BY 1")
        all_regions = values("SELECT DISTINCT region FROM customers ORDER BY 1")
        segments = tuple(v for v in all_segments if scope.allows("segments", v))
        regions = tuple(v for v in all_regions if scope.allows("regions", v))
        categories = values("SELECT DISTINCT category FROM products ORDER BY 1")
        stores = values("SELECT DISTINCT name FROM stores ORDER BY 1")
        first, last = conn.execute(text("SELECT min(order_date), max(order_date) FROM orders")).one()
    return FilterOptions(segments, regions, categories, stores, first, last)


def get_data_as_of() -> dt.datetime | None:
    """Time of the latest committed load (kpis.md "Data freshness")."""
    return data_state()[1]
