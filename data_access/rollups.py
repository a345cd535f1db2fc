"""The query router's building blocks: SQL over the rollup tables (migrations 0007 to 0028).

A rollup answers exactly what the fact query answers for the same filter; the router (the
query functions) uses one when it can and the facts otherwise, so QUERY_ROUTER=facts is the
naive baseline with identical results. Segment and region columns are the customer's (NULL
without a customer, so a segment filter drops those rows as the facts' join does); stores are
keyed by store_key and filtered by name through the small stores table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, text

from data_access.access import current_scope
from data_access.facts import (
    NO_CUSTOMER,
    NO_STORE,
)
from data_access.filters import KpiFilter, limit_sql
from data_access.settings import get_settings

# The customer's attributes, as every rollup names them (KpiFilter / RowScope field -> column).
CUSTOMER_COLUMNS = {"segments": "segment", "regions": "region"}


def rollups_enabled() -> bool:
    return get_settings().query_router == "rollups"


def _first_of_next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class MonthSplit:
    """A date range as whole months [months_from, months_to) plus the ragged days at its ends."""

    start: dt.date
    end: dt.date
    months_from: dt.date
    months_to: dt.date

    @classmethod
    def of(cls, start: dt.date, end: dt.date) -> MonthSplit:
        months_from = start if start.day == 1 else _first_of_next_month(start)
        after_end = end + dt.timedelta(days=1)
        months_to = after_end if after_end.day == 1 else after_end.replace(day=1)
        if months_to <= months_from:  # no whole month inside: everything is ragged
            months_from = months_to = after_end
        return cls(start, end, months_from, months_to)

    @property
    def has_months(self) -> bool:
        return self.months_from < self.months_to

    def edges(self, f: KpiFilter) -> list[KpiFilter]:
        """The filter over each ragged end (zero, one or two of them)."""
        parts = []
        if self.start < self.months_from:
            parts.append(replace(f, end=min(self.end, self.months_from - dt.timedelta(days=1))))
        if self.has_months and self.months_to <= self.end:
            parts.append(replace(f, start=self.months_to))
        return parts


@dataclass(frozen=True)
class RaggedReads:
    """How to read f's dates from a month rollup and the lines: the month rows of
    [months_from, months_to), plus (sign '') or less (sign '-') the lines of each of `lines`'
    days. Only for additive measures (sums, lines, and orders per product or pair, an order
    having one date), which subtract exactly."""

    months_from: dt.date
    months_to: dt.date
    lines: tuple[tuple[KpiFilter, str], ...]


def ragged_reads(f: KpiFilter) -> RaggedReads:
    """f's whole months, and its ragged days (MonthSplit.edges) cut at month ends, each piece
    read the cheaper way: as its days of lines, or as its month's rows less the month's other
    days when those are fewer. At most half a month of lines per piece, where an end of 25 days
    read them all. The months read whole lie next to each other, so they are one range."""
    split = MonthSplit.of(f.start, f.end)
    months = [(split.months_from, split.months_to)] if split.has_months else []
    lines: list[tuple[KpiFilter, str]] = []
    for edge in split.edges(f):
        start = edge.start
        while start <= edge.end:
            first, after = start.replace(day=1), _first_of_next_month(start)
            end = min(edge.end, after - dt.timedelta(days=1))
            outside = [
                (first, start - dt.timedelta(days=1)),
                (end + dt.timedelta(days=1), after - dt.timedelta(days=1)),
            ]
            outside = [(a, b) for a, b in outside if a <= b]
            if sum((b - a).days + 1 for a, b in outside) < (end - start).days + 1:
                months.append((first, after))
                lines += [(replace(edge, start=a, end=b), "-") for a, b in outside]
            else:
                lines.append((replace(edge, start=start, end=end), ""))
            start = after
    if not months:
        return RaggedReads(split.months_to, split.months_to, tuple(lines))
    return RaggedReads(min(a for a, _ in months), max(b for _, b in months), tuple(lines))


# The first and last day of the customers' orders (customer_orders, which every customer
# rollup is built from), as read in the current read transaction; None outside one.
_CUSTOMER_DAYS: ContextVar[tuple[dt.date, dt.date] | None] = ContextVar("customer_days", default=None)


@contextmanager
def _first_and_last_day_known(conn: Connection, days: ContextVar, query: str) -> Iterator[None]:
    """Within: `days` holds the (first, last) day `query` reads on conn (None over no rows)."""
    first, last = conn.execute(text(query)).one()
    token = days.set((first, last) if first is not None else None)
    try:
        yield
    finally:
        days.reset(token)


def customer_days_known(conn: Connection) -> AbstractContextManager[None]:
    """Within: customer_split may widen ranges to the customers' first and last days, read on
    conn. The statements built within must run on conn: its transaction is repeatable read
    (data_access.db.read_connection), so no order can appear in the widened days meanwhile."""
    return _first_and_last_day_known(
        conn, _CUSTOMER_DAYS, "SELECT min(order_date), max(order_date) FROM customer_orders"
    )


# The first and last day with a line of an order not cancelled (rollup_category's day rows,
# which every such line is added to), as read in the current read transaction; None outside one.
_SALES_DAYS: ContextVar[tuple[dt.date, dt.date] | None] = ContextVar("sales_days", default=None)


def sales_days_known(conn: Connection) -> AbstractContextManager[None]:
    """Within: in_whole_months may widen ranges to the first and last day of the sales, read on
    conn (repeatable read, as customer_days_known)."""
    return _first_and_last_day_known(
        conn, _SALES_DAYS, "SELECT min(day), max(day) FROM rollup_category WHERE kind = 'd'"
    )


def in_whole_months(f: KpiFilter) -> KpiFilter:
    """f with a start on or before the first day of the sales moved back to its month's first
    day, and an end on or after their last day on to its month's last (read within
    sales_days_known): the same lines, and the ragged ends a rollup read from day rows or the
    facts are whole months. "All time" and five years end on such days: at 10M lines, five
    years of a category for two segments ranked its products from ~30 days of lines (~150 ms)."""
    days = _SALES_DAYS.get()
    if days is None:
        return f
    start = f.start.replace(day=1) if f.start <= days[0] else f.start
    end = _first_of_next_month(f.end) - dt.timedelta(days=1) if f.end >= days[1] else f.end
    return replace(f, start=start, end=end)


def customer_split(start: dt.date, end: dt.date) -> MonthSplit:
    """MonthSplit of start..end for the customer rollups. A range starting on or before the
    customers' first day starts, for them, at its year's start, and one ending on or after the
    last day ends at its year's end: no row lies in the days added, so the answer is the same
    and it reads whole years instead of ragged days and months (at 10M lines, the whole five
    years of every customer: 182k year rows instead of 419k rows of years, months and days).
    "Last 12 months" ends on the last day too."""
    days = _CUSTOMER_DAYS.get()
    if days is not None:
        first, last = days
        if start <= first:
            start = start.replace(month=1, day=1)
        if end >= last:
            end = end.replace(month=12, day=31)
    return MonthSplit.of(start, end)


def period_sql(f: KpiFilter, prefix: str = "r_", months: bool = True) -> tuple[str, dict[str, Any]]:
    """Which rows of a day+month rollup cover f's dates: month rows for the whole months
    (when `months`; a weekly or daily chart needs day rows), day rows for the rest."""
    split = MonthSplit.of(f.start, f.end)
    params = {f"{prefix}start": f.start, f"{prefix}end": f.end}
    if not (months and split.has_months):
        return f"kind = 'd' AND day BETWEEN :{prefix}start AND :{prefix}end", params
    params |= {f"{prefix}mfrom": split.months_from, f"{prefix}mto": split.months_to}
    return (
        f"((kind = 'm' AND day >= :{prefix}mfrom AND day < :{prefix}mto) OR (kind = 'd' AND "
        f"((day >= :{prefix}start AND day < :{prefix}mfrom) OR (day >= :{prefix}mto AND day <= :{prefix}end))))",
        params,
    )


# How each rollup is filtered by category: its own column, the set of categories an order
# bought (any overlap counts the order), the product's current category, or both products'
# of a pair (rollup_pairs: only the categories' lines make baskets).
IN_CATEGORIES = "IN (SELECT product_key FROM products WHERE category = ANY(:{p}categories))"
CATEGORY_TESTS = {
    "column": "category = ANY(:{p}categories)",
    "set": "categories && CAST(:{p}categories AS text[])",
    "product": f"product_key {IN_CATEGORIES}",
    "pair": f"product_key {IN_CATEGORIES} AND other_key {IN_CATEGORIES}",
}


# A store filter, by name: a semi-join to stores (the planner sees the keys and their share of
# the rows), or the keys read once as an array ("keys"): ranking products by store from the
# partitioned rollup_product_stores (migration 0020), the planner took the join for a loop over
# the stores that skip-scanned the whole day index per store (at 10M lines, a year of two stores
# 92 ms; 15 ms with the array. The array everywhere made the overview and also bought slower.)
STORE_TESTS = {
    "join": "store_key IN (SELECT store_key FROM stores WHERE name = ANY(:{p}stores))",
    "keys": "store_key = ANY(ARRAY(SELECT store_key FROM stores WHERE name = ANY(:{p}stores)))",
    "set": "stores && ARRAY(SELECT store_key FROM stores WHERE name = ANY(:{p}stores))",
}


def dims_sql(
    f: KpiFilter, category: str | None, prefix: str = "r_", stores: str = "join"
) -> tuple[str, dict[str, Any]]:
    """Segment, region, store and category filters plus the asker's row-level limits, over a
    rollup's columns; `category` names a CATEGORY_TESTS entry (None: f has no categories),
    `stores` a STORE_TESTS entry."""
    clauses, params = limit_sql(CUSTOMER_COLUMNS, prefix)
    for name, column in CUSTOMER_COLUMNS.items():
        values = getattr(f, name)
        if values:
            clauses.append(f"{column} = ANY(:{prefix}{name})")
            params[f"{prefix}{name}"] = list(values)
    if f.stores:
        clauses.append(STORE_TESTS[stores].format(p=prefix))
        params[f"{prefix}stores"] = list(f.stores)
    if f.categories:
        if category is None:
            raise ValueError("this rollup cannot filter by category")
        clauses.append(CATEGORY_TESTS[category].format(p=prefix))
        params[f"{prefix}categories"] = list(f.categories)
    return " AND ".join(clauses) or "true", params


def rollup_where(
    f: KpiFilter, category: str | None, prefix: str = "r_", months: bool = True, stores: str = "join"
) -> tuple[str, dict[str, Any]]:
    period, params = period_sql(f, prefix, months)
    dims, dim_params = dims_sql(f, category, prefix, stores)
    return f"{period} AND {dims}", params | dim_params


# The customer_activity table at the grain a count needs, by (per store, per category): a
# customer's days, per store or category only when a filter or the breakdown names them
# (migrations 0007, 0013).
ACTIVITY_TABLES = {
    (False, False): "customer_activity",
    (False, True): "customer_activity_category",
    (True, False): "customer_activity_store",
    (True, True): "customer_activity_detail",
}


def _activity_rows(f: KpiFilter, label: str | None, prefix: str) -> tuple[str, str, bool, dict[str, Any]]:
    """The activity table for f and the breakdown `label`, the WHERE that keeps the rows of f's
    segments, regions, stores, categories and row limits (any dates), and whether its rows are
    already one per customer and label (else they need a DISTINCT): a table per customer and
    store or category is, when that is the label or, for the category, f names just one (a
    store name may be two stores'). At 10M lines five years of one category's buyers per store
    took ~170-210 ms with the DISTINCT, ~125-140 without."""
    grain = (bool(f.stores) or label == "store", bool(f.categories) or label == "category")
    dims, params = dims_sql(f, "column" if grain[1] else None, prefix)
    unique = (not grain[0] or label == "store") and (not grain[1] or label == "category" or len(f.categories) == 1)
    return f"{ACTIVITY_TABLES[grain]} a", dims, unique, params


def _bought_between(p: str, f: KpiFilter) -> str:
    """An activity row with a purchase between :{p}start and :{p}end (f's dates). A first or
    last day inside the range is a purchase in it: only customers whose days span the whole
    range need their days read, as bits from the covering index (migration 0030; the day set
    in the row took ~30 ms for a quarter at 10M lines, the bits ~9). A range from the
    customers' first day on (or up to their last, read within customer_days_known) holds every
    day before its end (after its start): the first (last) day alone decides, and the covering
    indexes of migration 0029 answer without the rows (at 10M lines, five years of one
    category's buyers per store ~180 -> 25 ms). Presets ("last 30 days") and all time are such
    ranges."""
    days = _CUSTOMER_DAYS.get()
    if days is not None and f.start <= days[0]:
        return f"first_day <= :{p}end"
    if days is not None and f.end >= days[1]:
        return f"last_day >= :{p}start"
    # A customer whose days span the range bought in it when a bit of the range's days is set
    # (days: bit 1 is the first day).
    range_days = f"substring(days FROM :{p}start - first_day + 1 FOR :{p}end - :{p}start + 1)"
    return (
        f"first_day <= :{p}end AND last_day >= :{p}start AND (first_day >= :{p}start OR last_day <= :{p}end "
        f"OR bit_count({range_days}) > 0)"
    )


def _activity(f: KpiFilter, label: str | None, prefix: str) -> tuple[str, str, bool, dict[str, Any]]:
    """_activity_rows, its WHERE keeping the customers who bought in f's dates too."""
    table, dims, unique, params = _activity_rows(f, label, prefix)
    params |= {f"{prefix}start": f.start, f"{prefix}end": f.end}
    return table, f"{_bought_between(prefix, f)} AND {dims}", unique, params


def buyers_sql(f: KpiFilter, prefix: str) -> tuple[str, dict[str, Any]]:
    """FROM/WHERE over customer_activity a (a row per customer: segment, region, first_day,
    last_day, days) keeping the customers who bought in f's dates; its segments, regions and
    row limits apply, f must not name stores or categories. Answered from the covering index."""
    if f.stores or f.categories:
        raise ValueError("customer_activity answers for every store and category")
    table, where, _, params = _activity(f, None, prefix)
    return f"FROM {table} WHERE {where}", params


# A period up to this many days counts its customers from their orders: at 10M lines, three
# periods of 7 days took 27-40 ms that way and 80-130 ms from the activity table when it was read
# whole; from its covering index (0030) 7 days took 19 ms from the orders and 31 from the
# activity, 14 days ~30 ms either way.
SHORT_PERIOD_DAYS = 14
# Per store, one period of up to this many days (a month whatever its length, and a few days)
# counts its customers from their orders: customer_activity_store holds a row per customer and
# store (~300k at 10M lines), read whole whatever the period. By store at 10M: a month of 2025
# 23-26 ms from the orders / 53-61 ms from the activity, 46 days of late 2026 61-111 / 38-44.
STORE_PERIOD_DAYS = 35
# Under a category filter, periods of up to this many days times categories in all count their
# customers from the orders' rows per category (migration 0024), read by category and date.
# Since the activity tables answer from their covering indexes (0030), at 10M lines the
# overview's three periods of one category took, from the orders / from
# customer_activity_category: 21 days 32 / 41 ms, 31 days 42 / 43, 40 days 51 / 41, 57 days
# 86 / 54. Two categories' activity rows need a DISTINCT: 31 days 69 / 90 ms, 45 days 114 / 106.
ONE_CATEGORY_PERIOD_DAYS = 90
CATEGORY_PERIOD_DAYS = 240


def _orders_table(periods: list[KpiFilter], short_days: int = SHORT_PERIOD_DAYS) -> str | None:
    """The table of orders that answers who bought in these periods (filters differing only in
    their dates), if one does cheaper than the activity tables: customer_orders for short
    periods without a category, customer_order_categories (0024) for periods under a category
    short enough in all. Neither when they name a customer attribute (neither has one; row
    limits name them too). Short: up to `short_days` days."""
    f = periods[0]
    if names_customer_attributes(f):
        return None
    if not f.categories:
        return "customer_orders" if all(period.days <= short_days for period in periods) else None
    read = sum(period.days for period in periods) * len(f.categories)
    most = ONE_CATEGORY_PERIOD_DAYS if len(f.categories) == 1 else CATEGORY_PERIOD_DAYS
    return "customer_order_categories" if read <= most else None


def _orders_of(periods: list[KpiFilter], p: str) -> tuple[list[str], dict[str, Any]]:
    """For each period (_orders_table ones), the WHERE over its table that keeps its purchases;
    dims_sql leaves only their stores and categories to test."""
    dims, params = dims_sql(periods[0], "column" if periods[0].categories else None, p)
    wheres = []
    for i, period in enumerate(periods):
        params |= {f"{p}{i}_start": period.start, f"{p}{i}_end": period.end}
        wheres.append(f"order_date BETWEEN :{p}{i}_start AND :{p}{i}_end AND bought_lines > 0 AND {dims}")
    return wheres, params


def _customers_from_orders(periods: list[KpiFilter], table: str, p: str) -> tuple[str, dict[str, Any]]:
    """customers_in_periods_sql for periods _orders_table answers: each period's distinct
    customers from its days' orders."""
    wheres, params = _orders_of(periods, p)
    counts = [
        f"(SELECT count(*) FROM (SELECT DISTINCT customer_key FROM {table} WHERE {where}) d) AS customers_{i}"
        for i, where in enumerate(wheres)
    ]
    return f"SELECT {', '.join(counts)}", params


def _store_buyers_from_orders(f: KpiFilter, table: str, p: str) -> tuple[str, dict[str, Any]]:
    """SELECT DISTINCT store_key, customer_key of f's purchases from its days' orders (an f
    _orders_table answers)."""
    (where,), params = _orders_of([f], p)
    return f"SELECT DISTINCT store_key, customer_key FROM {table} WHERE {where}", params


def customers_in_periods_sql(
    periods: list[KpiFilter], label: str | None = None, prefix: str = "c_"
) -> tuple[str, dict[str, Any]]:
    """SELECT [label,] customers_0, customers_1, ...: distinct customers with a purchase in each
    of filters that differ only in their dates (per label of a breakdown), from one read of
    the activity table, or for short periods of every customer, from their orders."""
    orders = _orders_table(periods)
    if label is None and orders:
        return _customers_from_orders(periods, orders, prefix)
    if label == "store" and len(periods) == 1:  # one period: shared store names counted cheaper
        orders = _orders_table(periods, STORE_PERIOD_DAYS)
        if orders:  # a week by store at 10M: 15-21 ms, where the activity took ~100 ms
            rows, params = _store_buyers_from_orders(periods[0], orders, prefix)
        else:
            table, where, unique, params = _activity(periods[0], label, prefix)
            rows = f"SELECT {'' if unique else 'DISTINCT '}store_key, customer_key FROM {table} WHERE {where}"
        return f"SELECT label, customers AS customers_0 FROM ({_customers_by_store_name(rows)}) s", params
    table, dims, unique, params = _activity_rows(periods[0], label, prefix)
    tests = []
    for i, period in enumerate(periods):
        p = f"{prefix}{i}_"
        params |= {f"{p}start": period.start, f"{p}end": period.end}
        tests.append(_bought_between(p, period))
    where = f"({' OR '.join(f'({t})' for t in tests)}) AND {dims}"
    if unique and label != "store":  # one row per customer (and label): count the rows
        counts = ", ".join(f"count(*) FILTER (WHERE {t}) AS customers_{i}" for i, t in enumerate(tests))
        if label is None:
            return f"SELECT {counts} FROM {table} WHERE {where}", params
        return f"SELECT {label_sql(label, 'a')} AS label, {counts} FROM {table} WHERE {where} GROUP BY 1", params
    # Several rows per customer (per store or category), or stores that may share a name:
    # each customer once per label and period.
    flags = ", ".join(f"bool_or({t}) AS in_{i}" for i, t in enumerate(tests))
    counts = ", ".join(f"count(*) FILTER (WHERE in_{i}) AS customers_{i}" for i in range(len(tests)))
    if label is None:
        inner = f"SELECT customer_key, {flags} FROM {table} WHERE {where} GROUP BY 1"
        return f"SELECT {counts} FROM ({inner}) a", params
    if label == "store":  # by name: a customer of two stores called alike counts once
        key, named = f"{label_sql('store', 'a')} AS label", "a.label"
    else:
        key, named = LABEL_COLUMNS[label], label_sql(label, "a")
    inner = f"SELECT {key}, customer_key, {flags} FROM {table} WHERE {where} GROUP BY 1, 2"
    return f"SELECT {named} AS label, {counts} FROM ({inner}) a GROUP BY 1", params


def _customers_by_store_name(rows: str) -> str:
    """label, customers from rows of distinct (store_key, customer_key). Two stores may share a
    name (two sources' "Main Store"): their customers are made distinct again, by name. The
    other names add up their stores' counts (hashing every named pair cost ~200 ms at 10M;
    count(DISTINCT) over each row's looked-up name sorted them all: 1.7 s instead of 0.2 s)."""
    return f"""
        WITH r AS NOT MATERIALIZED ({rows}),
        named AS (
            SELECT k.store_key, k.customers, coalesce(s.name, '{NO_STORE}') AS label,
                   count(*) OVER (PARTITION BY coalesce(s.name, '{NO_STORE}')) AS stores
            FROM (SELECT store_key, count(*) AS customers FROM r GROUP BY 1) k LEFT JOIN stores s USING (store_key)
        )
        SELECT label, customers FROM named WHERE stores = 1
        UNION ALL
        SELECT n.label, count(DISTINCT r.customer_key)
        FROM named n JOIN r ON r.store_key IS NOT DISTINCT FROM n.store_key
        WHERE n.stores > 1
        GROUP BY 1"""


# Each customer's whole history (kpis.md): first and last purchase from the days they bought
# on, lifetime sales from customer_lifetime (migration 0008; in UNITS too, 0045), which also
# lists the customers whose only lines are returns (no purchase days, so no first or last order).
HISTORY = """
    SELECT t.customer_key, lower(a.active) AS first_order, upper(a.active) - 1 AS last_order,
           t.sales AS lifetime_sales, t.sales_x10000 AS lifetime_sales_x10000
    FROM customer_lifetime t LEFT JOIN customer_activity a USING (customer_key)"""


def _whole_years(split: MonthSplit) -> tuple[dt.date, dt.date]:
    """[years_from, years_to): the whole calendar years inside split's whole months (empty:
    both at months_to)."""
    years_from = split.months_from if split.months_from.month == 1 else dt.date(split.months_from.year + 1, 1, 1)
    years_to = split.months_to.replace(month=1)
    return (years_from, years_to) if years_from < years_to else (split.months_to, split.months_to)


# Periods of customer_periods (migration 0010) a range may be read from: a chart by month must
# not get year rows, a chart by week or day only days.
COARSEST = {"year": ("y", "m"), "month": ("m",), "day": ()}


def _whole_periods(split: MonthSplit, kinds: tuple[str, ...], p: str) -> tuple[str, dict[str, Any]]:
    """WHERE over the (kind, period) rows of customer_periods or customer_category_periods:
    split's whole years (when kinds has 'y'), then its whole months around them (split has
    some). Only the ranges that hold a period are written: with an empty one ORed in, the
    planner no longer seeks the (kind, period, ...) index by kind and period but filters what it
    reads (at 10M lines, five years of one category in two stores: an empty year branch read
    340k month rows in 308 ms; empty month branches around whole years, 310k rows for 139k,
    ~460 -> ~180 ms)."""
    years = _whole_years(split) if "y" in kinds else (split.months_to, split.months_to)
    params = {f"{p}mfrom": split.months_from, f"{p}mto": split.months_to, f"{p}yfrom": years[0], f"{p}yto": years[1]}
    months = []
    if split.months_from < years[0]:
        months.append(f"(period >= :{p}mfrom AND period < :{p}yfrom)")
    if years[1] < split.months_to:
        months.append(f"(period >= :{p}yto AND period < :{p}mto)")
    branches = [f"(kind = 'y' AND period >= :{p}yfrom AND period < :{p}yto)"] if years[0] < years[1] else []
    if months:
        branches.append(f"(kind = 'm' AND ({' OR '.join(months)}))")
    return f"({' OR '.join(branches)})", params


def names_customer_attributes(f: KpiFilter) -> bool:
    """Whether f or the asker's row limits name a segment or region (the customer's)."""
    return bool(f.segments or f.regions or current_scope().limits())


def _customer_join(f: KpiFilter, alias: str) -> str:
    """segment and region are the customer's: joined only when a filter or limit names them."""
    if names_customer_attributes(f):
        return f"JOIN customers c ON c.customer_key = {alias}.customer_key"
    return ""


# The customers' rows (customer_rows_sql, customer_category_rows_sql,
# customer_orders_in_categories_sql) give sales, profit and quantity as bigint units: every
# table they read keeps them so (migrations 0018, 0023, 0024, 0028). A sum of them times its
# unit is the exact numeric, got several times faster than adding up numerics (sum_of).
# column: (units in one, one unit); multiplying by the unit keeps the facts' scale (4, 3 digits).
UNITS = {"sales": ("10000", "0.0001"), "profit": ("10000", "0.0001"), "quantity": ("1000", "0.001")}
# Each table's column holding a measure in UNITS.
UNIT_COLUMNS = {"sales": "sales_x10000", "profit": "profit_x10000", "quantity": "quantity_x1000"}


def reads_store_totals(f: KpiFilter) -> bool:
    """Whether customer_rows_sql(f) or customer_category_rows_sql(f) reads each customer's sums
    over every store (customer_period_totals, customer_category_period_totals): without a
    store filter, and with at most one category (orders do not add up across categories)."""
    return not f.stores and len(f.categories) <= 1


def _holds_every_customer_day(f: KpiFilter, coarsest: str) -> bool:
    """Whether f's dates hold every customer day (read within customer_days_known) and whole
    years are allowed, under the rollups' router."""
    days = _CUSTOMER_DAYS.get()
    if days is None or coarsest != "year" or not rollups_enabled():
        return False
    return f.start <= days[0] and f.end >= days[1]


def _covers_every_customer_day(f: KpiFilter, coarsest: str) -> bool:
    """_holds_every_customer_day with no store filter: each customer's one row of their whole
    history (kind 'a', migrations 0026, 0042) answers it."""
    return not f.stores and _holds_every_customer_day(f, coarsest)


def reads_whole_history(f: KpiFilter, coarsest: str = "year") -> bool:
    """Whether customer_rows_sql(f) or customer_category_rows_sql(f) reads each customer's whole
    history: f names at most one category and its dates hold every customer day. Over every
    store one row per customer (kind 'a', migration 0026: reads_all_time), under a store filter
    one per customer and store (customer_store_totals, customer_category_store_totals, 0052:
    reads_store_history)."""
    return len(f.categories) <= 1 and _holds_every_customer_day(f, coarsest)


def reads_store_history(f: KpiFilter, coarsest: str = "year") -> bool:
    """reads_whole_history under a store filter: a customer of two of f's stores has two rows,
    which per_customer_sql groups."""
    return bool(f.stores) and reads_whole_history(f, coarsest)


def reads_all_time(f: KpiFilter, coarsest: str = "year") -> bool:
    """Whether customer_rows_sql(f) or customer_category_rows_sql(f) reads each customer's one
    row of their whole history (kind 'a', migration 0026): f's dates hold every customer day
    (read within customer_days_known), no store filter (the rows are over every store), at most
    one category, and whole years allowed, under the rollups' router. Those rows are one per
    customer: per_customer_sql then reads them without grouping."""
    return reads_store_totals(f) and _covers_every_customer_day(f, coarsest)


def sum_of(column: str, alias: str) -> str:
    """SQL adding up a customer row column (sales, profit, quantity) in UNITS as an exact
    numeric: as a bigint (migration 0025), then scaled."""
    return f"bigint_sum({alias}.{column}) * {UNITS[column][1]}"


def unit_columns(alias: str = "") -> str:
    """A table's sales, profit and quantity in UNITS (UNIT_COLUMNS), named as the measures."""
    return ", ".join(f"{alias}{column} AS {name}" for name, column in UNIT_COLUMNS.items())


def ragged_days_sql(column: str, p: str) -> str:
    """The days from :{p}start to :{p}end outside the whole months [:{p}mfrom, :{p}mto), as two
    ranges a date index seeks. Written as "in the range and not in the months", the index read
    every day of the range and dropped the months' rows one by one (at 10M lines, a year's
    ragged days from customer_orders: 884k rows read for 136k, ~0.5 s)."""
    return f"(({column} >= :{p}start AND {column} < :{p}mfrom) OR ({column} >= :{p}mto AND {column} <= :{p}end))"


# A ragged start is read as its month less the days before it when those are at most this
# share of the days read: at 10M lines, six months from the 2nd of March summed every customer
# 15 % faster that way, from the 6th as fast, from the 8th slower (the month's rows are read
# whole, and the days before are grouped per customer apart).
DAYS_BEFORE_SHARE = 5


def start_month_read_whole(split: MonthSplit) -> dt.date | None:
    """The first day of the month holding split's ragged start, when those days are read as the
    month's rows less the days before the start: when they run to the month's end (the range
    goes on into the next month, whole or not) and the days before are few (DAYS_BEFORE_SHARE).
    At 10M lines "last 12 months" from 3 December read 132k orders for its 29 ragged days; the
    month's 21k customer rows less the 9k orders of its first 2 days answer the same, 25-30 %
    faster."""
    first = split.start.replace(day=1)
    after = _first_of_next_month(split.start)
    if split.start == first or split.end < after - dt.timedelta(days=1):
        return None
    return first if (split.start - first) * DAYS_BEFORE_SHARE <= after - split.start else None


def _order_rows(days: str) -> str:
    """customer_orders as customer rows (customer_key, store_key, day, sales, profit, quantity
    in UNITS, orders, last_bought) for the days a WHERE keeps. The units are stored (migration
    0028): made from the numerics per order, a month of ragged days summed ~30 % slower."""
    return f"""
        SELECT customer_key, store_key, order_date AS day, {unit_columns()},
               (bought_lines > 0)::int::bigint AS orders,
               CASE WHEN bought_lines > 0 THEN order_date END AS last_bought, lines
        FROM customer_orders WHERE {days}"""


def _month_less_days_before(p: str) -> str:
    """Customer rows of the month from :{p}cfrom on less its days before :{p}start, over every
    store in UNITS: each customer's month row of customer_period_totals with the orders of those
    days taken off, kept when a line is left. The month's last purchase is the part's when a
    purchase is left (the part is the month's end). Sums stay bigint (bigint_sum): as numeric
    they made the customers' sums ~2x slower."""
    before = _order_rows(f"order_date >= :{p}cfrom AND order_date < :{p}start")
    sums = ", ".join(f"bigint_sum({name}) AS {name}" for name in UNITS)
    taken = ", ".join(f"m.{column} - coalesce(x.{name}, 0)" for name, column in UNIT_COLUMNS.items())
    return f"""
        SELECT m.customer_key, NULL::integer, m.period, {taken}, m.orders - coalesce(x.orders, 0),
               CASE WHEN m.orders > coalesce(x.orders, 0) THEN m.last_bought END, m.lines - coalesce(x.lines, 0)
        FROM customer_period_totals m
        LEFT JOIN (SELECT customer_key, {sums}, bigint_sum(orders) AS orders, bigint_sum(lines) AS lines
                   FROM ({before}) b GROUP BY customer_key) x USING (customer_key)
        WHERE m.kind = 'm' AND m.period = :{p}cfrom AND m.lines > coalesce(x.lines, 0)"""


def ragged_customer_rows_sql(split: MonthSplit, p: str, stores: str = "") -> tuple[str, dict[str, Any]]:
    """Customer rows (customer_key, store_key, day, sales, profit, quantity in UNITS, orders,
    last_bought, lines) of split's ragged days (all its days when it has no whole month) from
    customer_orders; over every store (no `stores`), a ragged start that is most of its month
    as that month's rows less the days before it (start_month_read_whole), then the days from
    the next month's first on that are not whole months. Not per store: the month's rows of
    customer_periods per store read more than they saved (at 10M, a quarter of one store 60 ->
    80 ms). `stores` (store_test) keeps the orders of f's stores. Parameters :{p}start,
    :{p}end, :{p}mfrom, :{p}mto are the caller's."""
    first = None if stores else start_month_read_whole(split)
    if first is None:
        return _order_rows(ragged_days_sql("order_date", p) + stores), {}
    rest = split.months_to if split.has_months else _first_of_next_month(first)
    rows = _order_rows(f"order_date >= :{p}crest AND order_date <= :{p}end")
    return f"{rows}\n        UNION ALL{_month_less_days_before(p)}", {f"{p}cfrom": first, f"{p}crest": rest}


def customer_rows_sql(f: KpiFilter, prefix: str = "o_", coarsest: str = "year") -> tuple[str, dict[str, Any]]:
    """FROM/WHERE over t(customer_key, store_key, day, sales, profit, quantity, orders = orders
    with a purchase, last_bought, lines): each customer's whole years and months in f's dates
    from customer_periods or, without a store filter, customer_period_totals (as coarse as
    `coarsest` allows; day = the period's first day; store_key NULL from the totals), the ragged
    days from customer_orders (migration 0009; ragged_customer_rows_sql); over every customer
    day each customer's whole history (0026), per store under a store filter (0052, day
    -infinity: reads_store_history); sales, profit and
    quantity in UNITS (add them up with sum_of). f's stores, segments, regions
    and the row limits apply; f must not name categories: only the lines carry them
    (customer_category_rows_sql)."""
    p = prefix
    if reads_whole_history(f, coarsest):
        dims, dim_params = dims_sql(f, None, prefix)
        store, table, rows_of = (
            ("store_key", "customer_store_totals", "true")
            if f.stores
            else ("NULL::integer", "customer_period_totals", "kind = 'a'")
        )
        rows = f"""SELECT customer_key, {store} AS store_key, '-infinity'::date AS day, {unit_columns()},
                   orders, last_bought, lines
            FROM {table} WHERE {rows_of}"""
        return f"FROM ({rows}) t {_customer_join(f, 't')} WHERE {dims}", dim_params
    split = customer_split(f.start, f.end)
    kinds = COARSEST[coarsest] if split.has_months else ()
    stores, params = store_test(f, p)
    params |= {f"{p}start": f.start, f"{p}end": f.end}
    # A ragged start most of its month is read as that month even without whole months after
    # it (at 10M lines, 7 November to 7 December: ~130k orders -> 21k month rows less ~25k
    # orders, and December's ~30k).
    month_start = "m" in COARSEST[coarsest] and not f.stores and start_month_read_whole(split)
    if not (kinds or month_start):
        rows = _order_rows(f"order_date BETWEEN :{p}start AND :{p}end{stores}")
    else:
        rows, ragged_params = ragged_customer_rows_sql(split, p, stores)
        params |= ragged_params | {f"{p}mfrom": split.months_from, f"{p}mto": split.months_to}
    if kinds:
        periods, period_params = _whole_periods(split, kinds, p)
        params |= period_params
        # Without a store filter, each customer's periods over every store (migration 0018):
        # 2-2.6x fewer rows than one per customer and store.
        table = "customer_period_totals" if not f.stores else "customer_periods"
        store = "NULL::integer" if not f.stores else "store_key"
        source = f"{store}, period, {unit_columns()}, orders, last_bought, lines FROM {table}"
        rows += f"""
        UNION ALL
        SELECT customer_key, {source} WHERE {periods}{stores}"""
    dims, dim_params = dims_sql(replace(f, stores=()), None, prefix)
    return f"FROM ({rows}) t {_customer_join(f, 't')} WHERE {dims}", params | dim_params


def store_test(f: KpiFilter, p: str) -> tuple[str, dict[str, Any]]:
    """f's store test, to append to a WHERE over one table with a store_key (" AND ...", empty
    without a store filter). Inside each branch of a union the planner sees the store's share
    of that table's rows; above the union it guessed 1 % and joined the customers for their
    segment by an index loop (at 10M lines, a year of two stores for a segment: 150k lookups,
    ~120 ms)."""
    if not f.stores:
        return "", {}
    return f" AND {STORE_TESTS['join'].format(p=p)}", {f"{p}stores": list(f.stores)}


def customer_category_rows_sql(f: KpiFilter, prefix: str = "o_", coarsest: str = "year") -> tuple[str, dict[str, Any]]:
    """customer_rows_sql for an f that names one category: FROM/WHERE over t(customer_key, day,
    sales, profit, quantity, orders, last_bought) of that category; whole years and months from
    customer_category_periods (migration 0015) or, without a store filter, its sums over the
    stores (customer_category_period_totals, 0023), the ragged days from
    customer_order_categories (0024, one row per order: at 10M lines a month of one category
    ~4x faster than from the lines); over every customer day each customer's whole history in
    the category (0026), per store under a store filter (0052); sales, profit and quantity in
    UNITS (add them up with sum_of). f's stores,
    segments, regions and the row limits apply. Orders do not add up across categories: f must
    not name two (customer_orders_in_categories_sql)."""
    if len(f.categories) != 1:
        raise ValueError("customer_category_periods answers one category")
    p = prefix
    dims, params = dims_sql(f, "column", p)
    if reads_whole_history(f, coarsest):
        table, rows_of = (
            ("customer_category_store_totals", "true")
            if f.stores
            else ("customer_category_period_totals", "t.kind = 'a'")
        )
        return (
            f"""FROM (
            SELECT t.customer_key, '-infinity'::date AS day, {unit_columns("t.")}, t.orders, t.last_bought
            FROM {table} t {_customer_join(f, "t")}
            WHERE {rows_of} AND {dims}) t WHERE true""",
            params,
        )
    split = customer_split(f.start, f.end)
    kinds = COARSEST[coarsest] if split.has_months else ()
    parts = []
    for i, edge in enumerate(split.edges(f) if kinds else [f]):
        params |= {f"{p}e{i}_start": edge.start, f"{p}e{i}_end": edge.end}
        parts.append(f"""
        SELECT t.customer_key, t.order_date AS day, {unit_columns("t.")},
               (t.bought_lines > 0)::int AS orders, CASE WHEN t.bought_lines > 0 THEN t.order_date END AS last_bought
        FROM customer_order_categories t {_customer_join(f, "t")}
        WHERE t.order_date BETWEEN :{p}e{i}_start AND :{p}e{i}_end AND {dims}""")
    if kinds:
        periods, period_params = _whole_periods(split, kinds, p)
        params |= period_params
        # Without a store filter one row per customer, not per customer and store: ~1.8x fewer
        # at 10M lines.
        table = "customer_category_period_totals" if not f.stores else "customer_category_periods"
        source = f"{unit_columns('t.')}, t.orders, t.last_bought FROM {table} t"
        parts.append(f"""
        SELECT t.customer_key, t.period AS day, {source} {_customer_join(f, "t")}
        WHERE {periods} AND {dims}""")
    return f"FROM ({' UNION ALL '.join(parts)}) t WHERE true", params


def _orders_in_categories(f: KpiFilter, days: str, dims: str, counts_orders: bool = True) -> str:
    """customer_order_categories (migration 0024) of the `days` as customer rows in UNITS, one
    per order of f's categories: an order's rows in several of them made one (it counts once).
    Without counts_orders the rows as they are (one per order and category), whose orders is 1
    when the row holds a purchase: for readers of orders > 0 only, who group the rows
    themselves (new vs returning by week, at 10M lines a quarter of two categories for two
    segments: 210-235 -> 166-186 ms, where the rows were first grouped per customer and day).
    `dims`: dims_sql(f, "column") (f's categories, stores, segments, regions, row limits)."""
    if not counts_orders:
        # bought_lines > 0 holds of some row of a bucket exactly when it holds of their sum.
        return f"""
            SELECT t.customer_key, t.order_date AS day, {unit_columns("t.")}, (t.bought_lines > 0)::int AS orders,
                   CASE WHEN t.bought_lines > 0 THEN t.order_date END AS last_bought
            FROM customer_order_categories t {_customer_join(f, "t")}
            WHERE {days} AND {dims}"""
    sums = ", ".join(f"bigint_sum(t.{column}) AS {name}" for name, column in UNIT_COLUMNS.items())
    return f"""
            SELECT t.customer_key, t.order_date AS day, {sums}, bool_or(t.bought_lines > 0)::int AS orders,
                   max(t.order_date) FILTER (WHERE t.bought_lines > 0) AS last_bought
            FROM customer_order_categories t {_customer_join(f, "t")}
            WHERE {days} AND {dims}
            GROUP BY t.customer_key, t.order_key, t.order_date"""


def customer_orders_in_categories_sql(
    f: KpiFilter, prefix: str = "o_", coarsest: str = "year", counts_orders: bool = True
) -> tuple[str, dict[str, Any]]:
    """FROM/WHERE over t(customer_key, day, sales, profit, quantity, orders, last_bought) of f's
    categories (any number; customer_category_rows_sql is faster for one), sales, profit and
    quantity in UNITS. Without a store filter, the whole history (when f's dates hold it), years
    and months (as coarse as `coarsest` allows) come from two rollups, each read as rows of their
    own: the sums and last purchase day per category (customer_category_period_totals; they
    add up across categories), the orders per set of categories bought (customer_category_sets,
    migration 0042; an order counts when its set meets f's). At 10M lines, all time for a
    segment under two categories: the summary 7.4-9.5 s -> 0.56-0.94 s. The ragged days, and
    everything under a store filter, are one row per order (_orders_in_categories), or without
    counts_orders one per order and category whose orders only says whether it holds a
    purchase (> 0): grouping per order first was ~30 % of new vs returning by week (at 10M
    lines, a quarter of two categories for two segments: ~700 -> ~500 ms). f's stores,
    segments, regions and the row limits apply."""
    p = prefix
    dims, params = dims_sql(f, "column", p)
    split = customer_split(f.start, f.end)
    kinds = COARSEST[coarsest] if split.has_months and not f.stores else ()
    if _covers_every_customer_day(f, coarsest):
        periods, parts = "kind = 'a'", []
    elif not kinds:
        rows = _orders_in_categories(f, f"t.order_date BETWEEN :{p}start AND :{p}end", dims, counts_orders)
        return f"FROM ({rows}) t WHERE true", params | {f"{p}start": f.start, f"{p}end": f.end}
    else:
        periods, period_params = _whole_periods(split, kinds, p)
        params |= period_params
        parts = []
        for i, edge in enumerate(split.edges(f)):
            days = f"t.order_date BETWEEN :{p}e{i}_start AND :{p}e{i}_end"
            parts.append(_orders_in_categories(f, days, dims, counts_orders))
            params |= {f"{p}e{i}_start": edge.start, f"{p}e{i}_end": edge.end}
    sets, set_params = dims_sql(f, "set", p)
    parts.append(f"""
            SELECT t.customer_key, t.period AS day, {unit_columns("t.")}, 0::bigint AS orders, t.last_bought
            FROM customer_category_period_totals t {_customer_join(f, "t")}
            WHERE {periods} AND {dims}""")
    parts.append(f"""
            SELECT t.customer_key, t.period, 0::bigint, 0::bigint, 0::bigint, t.orders, NULL::date
            FROM customer_category_sets t {_customer_join(f, "t")}
            WHERE {periods} AND {sets}""")
    return f"FROM ({' UNION ALL '.join(parts)}) t WHERE true", params | set_params


# The rollup column each breakdown is labelled from.
LABEL_COLUMNS = {"segment": "segment", "region": "region", "category": "category", "store": "store_key"}


def label_sql(dimension: str, alias: str = "r") -> str:
    """A rollup row's label for a breakdown, as the fact queries label it (data_access.sales
    BREAKDOWNS). The store's name is looked up per row: a join would make the unqualified
    store_key of dims_sql ambiguous."""
    return {
        "segment": f"coalesce({alias}.segment, '{NO_CUSTOMER}')",
        "region": f"coalesce({alias}.region, '{NO_CUSTOMER}')",
        "category": f"{alias}.category",
        "store": f"coalesce((SELECT s.name FROM stores s WHERE s.store_key = {alias}.store_key), '{NO_STORE}')",
    }[dimension]
