"""Customer KPIs (kpis.md "Customers"): ranking, repeat rate, new vs returning, cohorts, LTV.

"Whole history" (first/last order, lifetime value) means every purchase of the customer,
whatever the filter's dates, categories or stores; cohorts count activity up to the
filter's end. A purchase is a line with positive quantity on an order that is not cancelled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, text

from data_access.cache import cached_query
from data_access.customer_scores import (
    LTV_BINS,
    Lifetimes,
    LtvStatistics,
    RfmCells,
    ltv_statistics,
    packed_sql,
    rfm_cells,
    unpacked,
)
from data_access.db import frame, picker, read_connection
from data_access.facts import FIRST_PURCHASE, LAST_PURCHASE, ORDER_COUNT, PROFIT, QUANTITY, SALES, filtered_facts
from data_access.filters import KpiFilter, bucket_sql, whole_weeks
from data_access.rfm import every_group, groups_of_cells_sql, rfm_groups_sql
from data_access.rollups import (
    HISTORY,
    UNITS,
    MonthSplit,
    buyers_sql,
    customer_category_rows_sql,
    customer_days_known,
    customer_orders_in_categories_sql,
    customer_rows_sql,
    customer_split,
    dims_sql,
    names_customer_attributes,
    ragged_customer_rows_sql,
    reads_all_time,
    reads_store_history,
    rollups_enabled,
    sum_of,
)

FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(9999, 12, 31)


def history_facts(f: KpiFilter, customer_dims: bool = False, up_to_end: bool = False) -> tuple[str, dict]:
    """FROM/WHERE for each customer's whole history (or up to f.end); with customer_dims, the
    filter's segments and regions still apply (they describe the customer, not the sale)."""
    keep = {"segments": f.segments, "regions": f.regions} if customer_dims else {"segments": (), "regions": ()}
    end = f.end if up_to_end else LAST_DAY
    everything = replace(f, start=FIRST_DAY, end=end, categories=(), stores=(), **keep)
    facts, params = filtered_facts(everything, prefix="h_")
    return f"{facts} AND o.customer_key IS NOT NULL", params


def _history_sql(f: KpiFilter) -> tuple[str, dict]:
    """customer_key, first_order, last_order, lifetime_sales (and from the rollups
    lifetime_sales_x10000, in UNITS): every customer's whole history.
    The rollups' version has no row limits: every use joins it to customers the filter kept."""
    if rollups_enabled():
        return HISTORY, {}
    facts, params = history_facts(f)
    sql = f"""
        SELECT o.customer_key,
               {FIRST_PURCHASE} AS first_order,
               {LAST_PURCHASE} AS last_order,
               {SALES} AS lifetime_sales
        {facts}
        GROUP BY o.customer_key
    """
    return sql, params


def _customer_rows(f: KpiFilter, bucket: bool, prefix: str = "o_", counts_orders: bool = True) -> tuple[str, dict]:
    """FROM/WHERE over t(customer_key, day, sales, orders, ...) of the rollups, money in UNITS
    (add it up with sum_of). For an f naming at most one category (per
    category from 0015) as coarse as a bucket of f.grain allows (whole years when not
    bucketed); under two or more, their periods' sums per category and orders per set of
    categories (0042) without a store, one row per order (0024) for ragged days or stores
    (without counts_orders, where only orders > 0 is read, per order and category)."""
    coarsest = ("month" if f.grain == "month" else "day") if bucket else "year"
    if len(f.categories) >= 2:
        return customer_orders_in_categories_sql(f, prefix, coarsest, counts_orders)
    rows_sql = customer_category_rows_sql if f.categories else customer_rows_sql
    return rows_sql(f, prefix=prefix, coarsest=coarsest)


def per_customer_sql(f: KpiFilter, bucket: bool = False, units: bool = False) -> tuple[str, dict]:
    """customer_key, [bucket (f.grain, parameter :grain),] sales, orders, quantity, profit,
    last_in_range (last purchase day): each customer's orders in f; with units under the
    rollups' router, sales, quantity and profit in UNITS (bigint; in_money turns them back).
    From the customers' years, months and orders (migrations 0009, 0010), per category when f
    names one (0015); under two or more from their sums per category and orders per set of
    categories (0042; an order of both counts once) or their orders' rows per category (0024).
    Over every customer day, from each customer's one row of their whole history (0026), or
    per store under a store filter (0052)."""
    if not bucket and reads_all_time(f):
        # One row per customer already: the sums as they are (grouping 114k rows took ~115 ms).
        source, params = _customer_rows(f, bucket)
        measures = ", ".join(f"t.{name}{'' if units else f' * {unit}'} AS {name}" for name, (_, unit) in UNITS.items())
        sql = f"SELECT t.customer_key, {measures}, t.orders, t.last_bought AS last_in_range {source}"
        return sql, params
    if rollups_enabled():
        source, params = _customer_rows(f, bucket)
        alias, day = "t", "t.day"
        total = {name: f"bigint_sum(t.{name})" if units else sum_of(name, "t") for name in UNITS}
        measures = f"{total['sales']} AS sales, bigint_sum(t.orders) AS orders, "
        measures += f"{total['quantity']} AS quantity, {total['profit']} AS profit, "
        measures += "max(t.last_bought) AS last_in_range"
    else:
        facts, params = filtered_facts(f)
        source = f"{facts} AND o.customer_key IS NOT NULL"
        alias, day = "o", "o.order_date"
        measures = f"{SALES} AS sales, {ORDER_COUNT} AS orders, {QUANTITY} AS quantity, {PROFIT} AS profit, "
        measures += f"{LAST_PURCHASE} AS last_in_range"
    by_bucket = f"{bucket_sql(day, f.grain)} AS bucket, " if bucket else ""
    sql = f"""
        SELECT {alias}.customer_key, {by_bucket}{measures}
        {source}
        GROUP BY {alias}.customer_key{", bucket" if bucket else ""}
    """
    return sql, params | ({"grain": f.grain} if bucket else {})


# The customers page's ranking: this many (and their ties) is what its grid lists.
TOP_CUSTOMERS = 1000
TOP_COLUMNS = [
    "rank", "customer_key", "customer_id", "customer", "segment", "region", "sales", "orders",
    "quantity", "profit", "first_order", "last_order", "recency_days",
]  # fmt: skip
RFM_COLUMNS = ["rfm_group", "customers", "sales", "avg_recency_days", "avg_frequency"]


@dataclass(frozen=True)
class RepeatRate:
    customers: int
    repeat_customers: int

    @property
    def rate(self) -> Decimal | None:
        return Decimal(self.repeat_customers) / self.customers if self.customers else None


@dataclass(frozen=True)
class LtvDistribution:
    customers: int
    median: Decimal | None  # a real customer's value (percentile_disc), exact
    mean: Decimal | None
    bins: pd.DataFrame  # bin_start, bin_end, customers; the last bin holds everything above


@dataclass(frozen=True)
class CustomerSummary:
    """What the customers page derives from each customer's sums in the filter."""

    repeat: RepeatRate
    rfm: pd.DataFrame  # data_access.rfm.every_group
    top: pd.DataFrame  # TOP_COLUMNS, best first, the first TOP_CUSTOMERS (ties ranked alike)
    ltv: LtvDistribution  # the lifetime value of the customers with a purchase in the filter


def _lifetime_is_per_customer(f: KpiFilter) -> bool:
    """Whether each customer's sums in f are their lifetime's (_lifetime_values)."""
    return not f.categories and reads_all_time(f)


def _lifetime_values(f: KpiFilter) -> str:
    """v: the lifetime value of each customer of per_customer (r) with a purchase, for the
    facts' route (the rollups' looks them up: _lifetimes). Over every customer day and every
    category and store, a customer's sums are their whole history already (both count every
    line not cancelled): no join to customer_lifetime."""
    if _lifetime_is_per_customer(f):
        return "SELECT r.sales AS v FROM per_customer r WHERE r.orders > 0"
    return "SELECT l.lifetime_sales AS v FROM per_customer r JOIN lifetime l USING (customer_key) WHERE r.orders > 0"


def in_money(expr: str, name: str, units: bool) -> str:
    """SQL for a sum of `name` (sales, profit, quantity) as the exact numeric: from UNITS when units."""
    return f"{expr} * {UNITS[name][1]}" if units else expr


def _ltv_sql(units: bool) -> tuple[str, str, str]:
    """The lifetime values' (ltv) statistics, their bins and the 'ltv' rows' columns, in UNITS
    or in numeric. In UNITS the two percentiles sort bigints, not numerics (at 10M lines all
    time, 114k customers: ~10-20 % of the summary), and a bin is the same floor((v - lo) * bins
    / (hi - lo)) as width_bucket's, in integer division (v >= lo); the mean is the sum in money
    over the count, which is how avg computes it."""
    one = UNITS["sales"][0] if units else "1"  # hi is at least lo plus one in money
    mean = f"bigint_sum(v) * {UNITS['sales'][1]} / NULLIF(count(*), 0)" if units else "avg(v)"
    stats = f"""
            SELECT count(*) AS n, {mean} AS mean,
                   percentile_disc(0.5) WITHIN GROUP (ORDER BY v) AS median,
                   LEAST(min(v), 0) AS lo,
                   GREATEST(percentile_disc(0.99) WITHIN GROUP (ORDER BY v), LEAST(min(v), 0) + {one}) AS hi
            FROM ltv"""
    # width_bucket is floor((v - lo) * bins / (hi - lo)) + 1, exact in numeric, in one call per
    # customer; bins + 1 is everything from hi up, which the last bin holds.
    bin_of = f"LEAST(width_bucket(v, lo, hi, {LTV_BINS}), {LTV_BINS}) - 1"
    if units:
        bin_of = f"LEAST((v - lo) * {LTV_BINS} / (hi - lo), {LTV_BINS - 1})"
    bins = f"SELECT {bin_of} AS bin, count(*) AS customers FROM ltv, ltv_stats GROUP BY 1"
    money = [in_money(f"s.{column}", "sales", units) for column in ("median", "lo")]
    width = f"{in_money('(s.hi - s.lo)', 'sales', units)} / {LTV_BINS}"
    columns = f"s.n AS ltv_customers, s.mean AS ltv_mean, {money[0]} AS ltv_median, b.bin AS ltv_bin, "
    columns += f"{money[1]} AS ltv_lo, {width} AS ltv_width, b.customers AS ltv_in_bin"
    return stats, bins, columns


SUMMARY_PARTS = ("top", "rfm", "repeat", "ltv")
# Each part's columns as NULLs, in the other parts' rows of _summary_sql.
SUMMARY_NULLS = {
    "top": "NULL::text AS rfm_group, NULL::bigint AS customers, NULL::numeric AS avg_recency_days, "
    "NULL::numeric AS avg_frequency, NULL::bigint AS repeat_customers",
    "rank": "NULL::bigint AS rank, NULL::bigint AS customer_key, NULL::text AS customer_id, "
    "NULL::text AS customer, NULL::text AS segment, NULL::text AS region",
    "measures": "NULL::bigint AS orders, NULL::numeric AS quantity, NULL::numeric AS profit, "
    "NULL::date AS first_order, NULL::date AS last_order, NULL::integer AS recency_days, NULL::bigint AS seq",
    "ltv": "NULL::bigint AS ltv_customers, NULL::numeric AS ltv_mean, NULL::numeric AS ltv_median, "
    "NULL::integer AS ltv_bin, NULL::numeric AS ltv_lo, NULL::numeric AS ltv_width, NULL::bigint AS ltv_in_bin",
}


def _summary_sql(f: KpiFilter) -> tuple[str, dict]:
    """One statement, one row set of every part: part = 'top' rows (TOP_COLUMNS and
    seq, their order), 'rfm' rows (RFM_COLUMNS), one 'repeat' row (customers, repeat_customers)
    and 'ltv' rows (the lifetime value's statistics, one row per bin), all from one pass over
    the customers' sums.
    As three statements each summed every customer again: at 10M lines, five years, 2.0 s of
    work where this is ~1.1 s. The lifetime value found its buyers apart (from the activity
    tables or the orders): at 10M lines 56-300 ms a filter in the page. The facts' route: under
    the rollups' router the summary comes from _summary_values_sql (the customers' sums in
    UNITS) and customer_scores instead. The CTEs no part reads are left out by the planner."""
    units = False
    ctes, params = _summary_ctes(f, units)
    ltv_stats, ltv_bins, ltv_columns = _ltv_sql(units)
    sql = f"""
        {ctes},
        rfm AS ({rfm_groups_sql("per_customer")}),
        ltv_stats AS ({ltv_stats}),
        ltv_bins AS ({ltv_bins})
        {" UNION ALL ".join(_summary_selects(units, ltv_columns)[part] for part in SUMMARY_PARTS)}
    """
    return sql, params


def _summary_ctes(f: KpiFilter, units: bool) -> tuple[str, dict]:
    """WITH per_customer (per_customer_sql), top (the ranked customers with their names and
    histories, seq their order) and, in numeric (not units: the facts' route), ltv (v: the
    lifetime value of each customer of per_customer with a purchase)."""
    per_customer, params = per_customer_sql(f, units=units)
    history, history_params = _history_sql(f)
    # Read twice (statistics, bins). Straight from per_customer (kept already) rather than kept
    # again: at 10M lines, all time's 114k customers ~20 ms less. A join to the lifetimes is
    # kept, not made twice.
    ltv_kept = "NOT MATERIALIZED " if _lifetime_is_per_customer(f) else ""
    ltv = "" if units else f", lifetime AS ({history}), ltv AS {ltv_kept}({_lifetime_values(f)})"
    # Ranked before the names and histories are joined, for the top rows and their ties only
    # (joining all ~100k customers of a long range first took ~0.5 s at 10M lines). The
    # limit-th best sales (a sort bounded to the limit, not of every customer: at 10M lines,
    # five years ~45 -> ~5 ms) keep the rows that rank: a dense rank counts the distinct values
    # above a row's, all of them kept.
    ctes = f"""
        WITH per_customer AS MATERIALIZED ({per_customer}),
        cutoff AS (SELECT sales FROM per_customer ORDER BY sales DESC OFFSET :limit - 1 LIMIT 1),
        ranked AS (
            SELECT dense_rank() OVER (ORDER BY r.sales DESC) AS rank, r.*
            FROM per_customer r
            WHERE r.sales >= coalesce((SELECT sales FROM cutoff), r.sales)  -- fewer customers: all
            ORDER BY r.sales DESC
            FETCH FIRST (:limit) ROWS WITH TIES
        ),
        history AS ({history}),
        top AS (
            SELECT r.rank, c.customer_key, c.customer_id, c.name AS customer, c.segment, c.region,
                   {in_money("r.sales", "sales", units)} AS sales, r.orders,
                   {in_money("r.quantity", "quantity", units)} AS quantity,
                   {in_money("r.profit", "profit", units)} AS profit, h.first_order, h.last_order,
                   CAST(:end AS date) - r.last_in_range AS recency_days,
                   row_number() OVER (ORDER BY r.rank, c.name, c.customer_key) AS seq
            FROM ranked r
            JOIN customers c USING (customer_key)
            LEFT JOIN history h USING (customer_key)
        ){ltv}"""
    return ctes, params | history_params | {"limit": TOP_CUSTOMERS, "end": f.end}


# The arrays of _summary_values_sql's 'values' row (customer_scores.PACKED), in this order:
# the order count, sales and recency days of each customer with a purchase in the filter, and
# their keys (whose lifetime values _lifetimes holds; NULL when the sales are those).
PACKED_COLUMNS = ("orders_of", "sales_of", "recency_of", "customers_of")


def _summary_values_sql(f: KpiFilter) -> tuple[str, dict]:
    """_summary_sql's 'top' rows (and PACKED_COLUMNS, NULL) under the rollups' router, then one
    'values' row: the customers' sums the other parts come from, as packed arrays."""
    ctes, params = _summary_ctes(f, units=True)
    packed = [
        packed_sql("orders"),
        packed_sql("sales"),
        packed_sql("CAST(:end AS date) - last_in_range"),
        # Over every day, store and category, the lifetime values are the sales (NULL: read those).
        "NULL" if _lifetime_is_per_customer(f) else packed_sql("customer_key"),
    ]
    no_top = ", ".join("NULL" for _ in ["rank", *TOP_COLUMNS[1:], "seq"])
    sql = f"""
        {ctes}
        SELECT 'top' AS part, rank, {", ".join(TOP_COLUMNS[1:])}, seq,
               {", ".join(f"NULL::bytea AS {name}" for name in PACKED_COLUMNS)}
        FROM top WHERE seq <= :limit
        UNION ALL
        SELECT 'values', {no_top}, {", ".join(packed)}
        FROM per_customer WHERE orders > 0
    """
    return sql, params


def _summary_from_values(conn: Connection, f: KpiFilter) -> dict[str, list]:
    """_summary_parts under the rollups' router: the top rows as _summary_sql ranks them, the
    repeat counts, RFM cells and lifetime values' statistics from the customers' sums as
    arrays (customer_scores), then the groups' averages and the money in one small statement
    (summary_groups_sql)."""
    _no_parallel_sums(conn, f)
    sql, params = _summary_values_sql(f)
    result = conn.execute(text(sql), params)
    part_and_seq, top_values = picker(result, ["part", "seq"]), picker(result, TOP_COLUMNS)
    packed = picker(result, list(PACKED_COLUMNS))
    found: dict[str, list] = {"top": []}
    for row in result.all():
        part, seq = part_and_seq(row)
        if part == "top":
            found["top"].append((seq, top_values(row)))
        else:
            orders, sales, recency_days, customers = (
                None if value is None else unpacked(value) for value in packed(row)
            )
    found["repeat"] = [RepeatRate(len(orders), int((orders >= 2).sum()))]
    cells = rfm_cells(orders, sales, recency_days)
    lifetime = sales if customers is None else _lifetimes(conn).of(customers)
    ltv = ltv_statistics(lifetime, int(UNITS["sales"][0]))
    sql, params = summary_groups_sql(cells, ltv)
    result = conn.execute(text(sql), params)
    rfm_values = picker(result, RFM_COLUMNS)
    found |= {"rfm": [], "ltv": []}
    for row in result.all():
        found[row.part].append(rfm_values(row) if row.part == "rfm" else row)
    return found


# The last lifetimes read (by _lifetimes), while the data stays as it was.
_last_lifetimes: list[Lifetimes] = []


def _lifetimes(conn: Connection) -> Lifetimes:
    """Every customer's lifetime value as of conn's snapshot, read again only when the data
    changed. Joining ~100k customers of a filter to customer_lifetime by hash was 30-40 ms of
    the summary at 10M lines (a year in two regions, all time in two stores); found here by
    binary search in ~3 ms. Every write of the data bumps data_state's version in its own
    transaction (ingest.bulk.bump_data_version: what the answer cache relies on too), so the
    row's version, with the row version's writer (xmin) and the database, names the state: a
    database made again from scratch (tests) starts at version 1 again, with another xmin."""
    row = conn.execute(text("SELECT current_database(), xmin::text, version FROM data_state WHERE id = 1")).one()
    state = (*row, str(conn.engine.url))
    known = _last_lifetimes[-1] if _last_lifetimes else None
    if known is None or known.state != state:
        row = conn.execute(
            text(f"SELECT {packed_sql('customer_key')}, {packed_sql('sales_x10000')} FROM customer_lifetime")
        ).one()
        known = Lifetimes.from_packed(state, *row)
        _last_lifetimes[:] = [known]
    return known


def summary_groups_sql(cells: RfmCells, ltv: LtvStatistics) -> tuple[str, dict]:
    """The 'rfm' and 'ltv' rows of _summary_sql from customer_scores' sums: the same SQL over
    them, so the averages and money come in PostgreSQL's numeric scales."""
    _, _, ltv_columns = _ltv_sql(units=True)
    selects = _summary_selects(True, ltv_columns)
    sql = f"""
        WITH cells AS (
            SELECT * FROM unnest(
                CAST(:c_r AS integer[]), CAST(:c_f AS integer[]), CAST(:c_customers AS bigint[]),
                CAST(:c_sales AS bigint[]), CAST(:c_recency AS bigint[]), CAST(:c_frequency AS bigint[])
            ) AS c(r, f, customers, sales, recency_days, frequency)
        ),
        rfm AS ({groups_of_cells_sql("cells")}),
        ltv_stats AS (
            SELECT CAST(:n AS bigint) AS n,
                   CAST(:total AS bigint) * {UNITS["sales"][1]} / NULLIF(CAST(:n AS bigint), 0) AS mean,
                   CAST(:median AS bigint) AS median, CAST(:lo AS bigint) AS lo, CAST(:hi AS bigint) AS hi
        ),
        ltv_bins AS (SELECT * FROM unnest(CAST(:b_bin AS bigint[]), CAST(:b_in AS bigint[])) AS b(bin, customers))
        {selects["rfm"]}
        UNION ALL
        {selects["ltv"]}
    """
    params = {
        "c_r": cells.r, "c_f": cells.f, "c_customers": cells.customers, "c_sales": cells.sales,
        "c_recency": cells.recency_days, "c_frequency": cells.frequency,
        "n": ltv.customers, "total": ltv.total, "median": ltv.median, "lo": ltv.lo, "hi": ltv.hi,
        "b_bin": ltv.bins, "b_in": ltv.in_bin,
    }  # fmt: skip
    return sql, params


def _summary_selects(units: bool, ltv_columns: str) -> dict[str, str]:
    """Each part's SELECT of _summary_sql, in its columns (SUMMARY_NULLS: the others')."""
    no = SUMMARY_NULLS
    return {
        "top": f"""
        SELECT 'top' AS part, rank, customer_key, customer_id, customer, segment, region, sales, orders,
               quantity, profit, first_order, last_order, recency_days, seq, {no["top"]}, {no["ltv"]}
        FROM top WHERE seq <= :limit""",
        "rfm": f"""
        SELECT 'rfm' AS part, {no["rank"]}, {in_money("sales", "sales", units)} AS sales, {no["measures"]},
               rfm_group, customers, avg_recency_days, avg_frequency, NULL::bigint AS repeat_customers,
               {no["ltv"]}
        FROM rfm""",
        "repeat": f"""
        SELECT 'repeat' AS part, {no["rank"]}, NULL::numeric AS sales, {no["measures"]}, NULL::text AS rfm_group,
               count(*) FILTER (WHERE orders >= 1) AS customers, NULL::numeric AS avg_recency_days,
               NULL::numeric AS avg_frequency, count(*) FILTER (WHERE orders >= 2) AS repeat_customers, {no["ltv"]}
        FROM per_customer""",
        "ltv": f"""
        SELECT 'ltv' AS part, {no["rank"]}, NULL::numeric AS sales, {no["measures"]}, {no["top"]},
               {ltv_columns}
        FROM ltv_stats s LEFT JOIN ltv_bins b ON true""",
    }


def _no_parallel_sums(conn: Connection, f: KpiFilter) -> None:
    """Every customer's sums over every store, or read per store over every day: merging two
    workers' partial sums of ~100k customers cost more than it saved (at 10M lines five years
    616 -> 482 ms serial, a year 200-239 -> 188-226 ms), and the page runs its other statements
    meanwhile. Under a segment or region the workers won (74-123 ms vs 102-140), under two
    stores too, but not over every day per store (all time in two stores 206 -> 172 ms)."""
    if not (f.stores or f.categories or names_customer_attributes(f)) or reads_store_history(f):
        conn.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))


def _summary_parts(conn: Connection, f: KpiFilter) -> dict[str, list]:
    """_summary_sql(f)'s rows by part, read on conn within customer_days_known(conn): 'top' as
    (seq, TOP_COLUMNS values), 'rfm' as RFM_COLUMNS values, the others as rows."""
    _no_parallel_sums(conn, f)
    sql, params = _summary_sql(f)
    result = conn.execute(text(sql), params)
    # By position (db.picker): the 1,000 top rows' values by name took ~11 ms.
    part_and_seq, top_values, rfm_values = (picker(result, c) for c in (["part", "seq"], TOP_COLUMNS, RFM_COLUMNS))
    found: dict[str, list] = {part: [] for part in SUMMARY_PARTS}
    for row in result.all():
        part, seq = part_and_seq(row)
        found[part].append((seq, top_values(row)) if part == "top" else rfm_values(row) if part == "rfm" else row)
    return found


@cached_query
def get_customer_summary(f: KpiFilter) -> CustomerSummary:
    """The repeat rate, the RFM groups, the top customers and the lifetime values of f."""
    with read_connection() as conn, customer_days_known(conn):
        parts = _summary_from_values(conn, f) if rollups_enabled() else _summary_parts(conn, f)
    (repeat,) = parts["repeat"]
    top = [values for _, values in sorted(parts["top"], key=lambda seq_and_values: seq_and_values[0])]
    return CustomerSummary(
        repeat=RepeatRate(repeat.customers, repeat.repeat_customers),
        rfm=every_group(pd.DataFrame(parts["rfm"], columns=RFM_COLUMNS)),
        top=pd.DataFrame(top, columns=TOP_COLUMNS),
        ltv=_ltv_distribution(parts["ltv"]),
    )


def _ltv_distribution(rows: list) -> LtvDistribution:
    """The summary's 'ltv' rows as a distribution: every row carries the statistics, and a bin
    with its customers unless there are none (one row, bin NULL)."""
    stats = rows[0]
    binned = sorted((r for r in rows if r.ltv_bin is not None), key=lambda r: r.ltv_bin)
    bins = pd.DataFrame(
        [(r.ltv_lo + r.ltv_bin * r.ltv_width, r.ltv_lo + (r.ltv_bin + 1) * r.ltv_width, r.ltv_in_bin) for r in binned],
        columns=["bin_start", "bin_end", "customers"],
    )
    return LtvDistribution(stats.ltv_customers, stats.ltv_median, stats.ltv_mean, bins)


def get_top_customers(f: KpiFilter, limit: int = TOP_CUSTOMERS) -> pd.DataFrame:
    """rank (dense by sales), customer_key, customer_id, customer, segment, region, sales, orders,
    quantity, profit, first_order, last_order (whole history), recency_days (last order in the
    filter to its end); best first, at most `limit` (up to TOP_CUSTOMERS) rows."""
    if limit > TOP_CUSTOMERS:
        raise ValueError(f"at most {TOP_CUSTOMERS} top customers")
    return get_customer_summary(f).top.head(limit)


def get_repeat_customer_rate(f: KpiFilter) -> RepeatRate:
    """Customers with at least 2 distinct orders in the filter ÷ customers in the filter."""
    return get_customer_summary(f).repeat


def _new_vs_returning_sql(f: KpiFilter) -> tuple[str, dict]:
    """bucket, new (whether the bucket holds the customer's first-ever purchase; NULL: the
    customer's lines are all returns), customers (with a purchase in the bucket), sales: f's
    customers per bucket. Without stores or categories from rollup_cohorts by month (migration
    0012), rollup_cohort_buckets by day or week (0022), their ragged days from the orders;
    otherwise from each customer's rows per bucket (_new_vs_returning_from_customer_rows), whose
    whole months by month under one category come from rollup_category_cohorts (0027). The
    facts' version joins every customer's whole history to the customers' buckets."""
    if rollups_enabled() and not (f.stores or f.categories):
        return _new_vs_returning_by_month(f) if f.grain == "month" else _new_vs_returning_from_buckets(f)
    if rollups_enabled():
        return _new_vs_returning_from_customer_rows(f)
    bucketed, params = per_customer_sql(f, bucket=True)
    history, history_params = _history_sql(f)
    sql = f"""
        SELECT b.bucket, {bucket_sql("h.first_order", f.grain)} = b.bucket AS new,
               (b.orders > 0)::int AS customers, b.sales
        FROM ({bucketed}) b JOIN ({history}) h USING (customer_key)
    """
    return sql, params | history_params


def _new_vs_returning_by_month(f: KpiFilter) -> tuple[str, dict]:
    """_new_vs_returning_sql by month, without stores or categories: whole months from
    rollup_cohorts (cohort = first-purchase month), the ragged days from the customers' rows."""
    split = customer_split(f.start, f.end)
    dims, params = dims_sql(f, None, "n_")
    params |= {"n_start": f.start, "n_end": f.end, "n_mfrom": split.months_from, "n_mto": split.months_to}
    ragged, ragged_params = ragged_customer_rows_sql(split, "n_")
    sql = f"""
        SELECT month AS bucket, cohort = month AS new, customers, sales FROM rollup_cohorts
        WHERE month >= :n_mfrom AND month < :n_mto AND {dims}
        UNION ALL
        SELECT e.bucket, h.cohort = e.bucket, (e.orders > 0)::int, e.sales
        FROM (SELECT customer_key, {bucket_sql("day", "month")} AS bucket,
                     bigint_sum(orders) AS orders, {sum_of("sales", "r")} AS sales
              FROM ({ragged}) r
              GROUP BY 1, 2) e
        JOIN customer_cohorts h USING (customer_key)
        WHERE {dims}
    """
    return sql, params | ragged_params


def _new_vs_returning_from_buckets(f: KpiFilter) -> tuple[str, dict]:
    """_new_vs_returning_sql by day or week, without stores or categories: whole days or weeks
    from rollup_cohort_buckets (migration 0022); a week the range cuts, from the customers'
    orders of its days. At 10M lines a quarter by week took 0.6-0.75 s from the orders."""
    first, after = (f.start, f.end + dt.timedelta(days=1)) if f.grain == "day" else whole_weeks(f.start, f.end)
    if first >= after:  # no whole week inside: all from the orders
        return _new_vs_returning_from_customer_rows(f)
    dims, params = dims_sql(f, None, "b_")
    params |= {"b_kind": f.grain[0], "b_first": first, "b_after": after}
    parts = [
        f"""SELECT bucket, new, customers, sales FROM rollup_cohort_buckets
            WHERE kind = :b_kind AND bucket >= :b_first AND bucket < :b_after AND {dims}"""
    ]
    edges = [(f.start, first - dt.timedelta(days=1)), (after, f.end)]
    for i, (start, end) in enumerate(edges):
        if start <= end:
            sql, edge_params = _new_vs_returning_from_customer_rows(replace(f, start=start, end=end), f"e{i}_")
            parts.append(sql)
            params |= edge_params
    return " UNION ALL ".join(f"({part})" for part in parts), params


def _cohorts_sql(grain: str) -> str:
    """Each customer's cohort at a chart's grain: the month of the first purchase is kept
    (customer_cohorts, migration 0012); a week or day comes from the first purchase day
    (first_day, 0013: reading lower(active) made the join carry every customer's day set, a
    41 MB hash at 10M lines where the dates take 4)."""
    if grain == "month":
        return "SELECT customer_key, cohort FROM customer_cohorts"
    return f"SELECT customer_key, {bucket_sql('first_day', grain)} AS cohort FROM customer_activity"


def _new_vs_returning_from_customer_rows(
    f: KpiFilter, prefix: str = "o_", whole_months: bool = True
) -> tuple[str, dict]:
    """_new_vs_returning_sql from the customers' periods and orders (per category when f names
    one, per order and category under two or more: at 10M lines a month of two categories
    245 -> 110 ms, where the buckets were joined to every customer's whole history), for store
    and category filters: each customer's rows grouped per bucket once (bought
    in it, sales), then the customer's cohort joined. At 10M lines (a slower day), the last 12
    months of Furniture: 1.7-1.8 s, where counting the distinct buyers and adding up the sales
    as two aggregates of the same rows took 2.1-2.2 s. (The grouped form was once slower: it
    joined each customer's whole history, a far wider join than the cohort.)
    whole_months=False: not from _whole_months_apart (the ragged ends it hands back)."""
    split = customer_split(f.start, f.end)
    if whole_months and f.grain == "month" and not (f.stores and len(f.categories) >= 2) and split.has_months:
        return _whole_months_apart(f, split, prefix)
    # Whether a customer bought in a bucket, not how many orders: no grouping per order.
    source, params = _customer_rows(f, bucket=True, prefix=prefix, counts_orders=False)
    cohorts = _cohorts_sql(f.grain)
    sql = f"""
        WITH h AS ({cohorts})
        SELECT g.bucket, h.cohort = g.bucket AS new, count(*) FILTER (WHERE g.bought) AS customers,
               sum(g.sales) AS sales
        FROM (SELECT t.customer_key, {bucket_sql("t.day", f.grain)} AS bucket, bool_or(t.orders > 0) AS bought,
                     {sum_of("sales", "t")} AS sales
              {source}
              GROUP BY 1, 2) g
        LEFT JOIN h USING (customer_key)
        GROUP BY 1, 2
    """
    return sql, params


# The cohort rollups by month of _whole_months_apart under stores or categories, by (stores,
# categories) named: the sales per store or category, the customers per set of them, and how
# the sets' table tests the categories (migrations 0027, 0043, 0044; one category in stores 0050).
_COHORT_TABLES = {
    (True, False): ("rollup_store_cohorts", "rollup_store_set_cohorts", None),
    (False, True): ("rollup_category_cohorts", "rollup_set_cohorts", "set"),
    (True, True): ("rollup_category_store_cohorts", "rollup_category_store_set_cohorts", "column"),
}


def _whole_months_apart(f: KpiFilter, split: MonthSplit, prefix: str) -> tuple[str, dict]:
    """_new_vs_returning_from_customer_rows by month under categories over every store, under
    stores over every category, or under one category and stores: the whole months from cohort
    rollups, only the ragged ends from the customers' rows. Under one category
    rollup_category_cohorts (migration 0027: customers and sales per category, cohort, month,
    segment and region; at 10M lines, five years of one category for two segments grouped ~700k
    customer-months joined to their cohorts, ~0.6 s). The sales add up across categories or
    stores, but a customer of two counts once: under two or more categories the customers come
    from rollup_set_cohorts (0043: per cohort, month, segment and region by the set of
    categories bought in the month, counted when it meets f's), under stores from
    rollup_store_set_cohorts (0044, the same by the set of stores) and the sales from
    rollup_store_cohorts (all time in two stores: 1.1-2.2 s, where each customer's months in
    the stores were grouped); under one category and stores from the same per category (0050:
    all time of one category in two stores ~0.5-0.6 s from the customers' category months)."""
    p = f"{prefix}w_"
    params = {f"{p}mfrom": split.months_from, f"{p}mto": split.months_to}
    months = f"month >= :{p}mfrom AND month < :{p}mto"
    dims, dim_params = dims_sql(f, "column" if f.categories else None, p)
    params |= dim_params
    if len(f.categories) == 1 and not f.stores:
        parts = [
            f"""
        SELECT month AS bucket, cohort = month AS new, customers, sales FROM rollup_category_cohorts
        WHERE {months} AND {dims}"""
        ]
    else:
        sales_table, sets_table, set_categories = _COHORT_TABLES[bool(f.stores), bool(f.categories)]
        sets, set_params = dims_sql(f, set_categories, p, stores="set")
        params |= set_params
        parts = [
            f"""
        SELECT month AS bucket, cohort = month AS new, 0::bigint AS customers, sales FROM {sales_table}
        WHERE {months} AND {dims}""",
            f"""
        SELECT month, cohort = month, customers, NULL::numeric FROM {sets_table}
        WHERE {months} AND {sets}""",
        ]
    for i, edge in enumerate(split.edges(f)):
        # Ragged, but an end in the customers' last month widens again to whole months after
        # it (customer_split): sent back here, it came back as itself until Python's recursion
        # limit (a range from mid-month of the data's last month, by month, in two stores).
        sql, edge_params = _new_vs_returning_from_customer_rows(edge, f"{prefix}{i}_", whole_months=False)
        parts.append(sql)
        params |= edge_params
    return " UNION ALL ".join(f"({part})" for part in parts), params


@cached_query
def get_new_vs_returning_by_period(f: KpiFilter) -> pd.DataFrame:
    """bucket, new_customers, returning_customers, new_sales, returning_sales. A customer is new
    in the bucket holding their first-ever purchase. Sales without a customer are in neither."""
    with read_connection() as conn, customer_days_known(conn):
        rows, params = _new_vs_returning_sql(f)
        sql = f"""
            SELECT bucket,
                   coalesce(sum(customers) FILTER (WHERE new), 0)::bigint AS new_customers,
                   coalesce(sum(customers) FILTER (WHERE NOT new), 0)::bigint AS returning_customers,
                   coalesce(sum(sales) FILTER (WHERE new), 0) AS new_sales,
                   coalesce(sum(sales) FILTER (WHERE NOT new), 0) AS returning_sales
            FROM ({rows}) r
            GROUP BY bucket
            ORDER BY bucket
        """
        return frame(conn.execute(text(sql), params | {"grain": f.grain}))


def _cohort_cells_sql(f: KpiFilter) -> tuple[str, dict]:
    """cohort, month, customers: how many customers of each cohort from f's first month on
    bought in each month up to f.end (parameter :k_from, the first cohort). Segments, regions
    and row limits apply; dates before, categories and stores do not (a cohort is about
    customers, not products). From rollup_cohorts (migration 0012) up to f.end's last whole
    month, the buyers of its ragged days from customer_activity (a cohort is the month of the
    first purchase day: at 10M lines a quarter's last 25 days for a segment ~45 -> ~7 ms, where
    the days' orders were made distinct and joined to customer_cohorts); or from each
    customer's months of activity."""
    first_cohort = f.start.replace(day=1)
    if rollups_enabled():
        months_to = customer_split(FIRST_DAY, f.end).months_to
        customers = replace(f, stores=(), categories=())
        dims, params = dims_sql(customers, None, "k_")
        params |= {"k_from": first_cohort, "k_mto": months_to}
        sql = f"""
            SELECT cohort, month, sum(customers)::bigint AS customers FROM rollup_cohorts
            WHERE cohort >= :k_from AND month < :k_mto AND {dims}
            GROUP BY 1, 2 HAVING sum(customers) > 0"""
        if months_to <= f.end:
            buyers, buyer_params = buyers_sql(replace(customers, start=months_to), "k_")
            params |= buyer_params
            sql += f"""
            UNION ALL
            SELECT date_trunc('month', a.first_day)::date, CAST(:k_mto AS date), count(*)
            {buyers} AND a.first_day >= :k_from
            GROUP BY 1"""
        return sql, params
    facts, params = history_facts(f, customer_dims=True, up_to_end=True)
    month = bucket_sql("o.order_date", "month")
    sql = f"""
        WITH activity AS (
            SELECT DISTINCT o.customer_key, {month} AS month {facts} AND l.quantity > 0
        ),
        cohorts AS (SELECT customer_key, min(month) AS cohort FROM activity GROUP BY customer_key)
        SELECT c.cohort, a.month, count(*) AS customers
        FROM cohorts c JOIN activity a USING (customer_key)
        WHERE c.cohort >= :k_from
        GROUP BY 1, 2
    """
    return sql, params | {"k_from": first_cohort}


@cached_query
def get_cohort_retention(f: KpiFilter) -> pd.DataFrame:
    """cohort (month of first-ever purchase, within the filter's range), months_since (k),
    customers active in month cohort + k, cohort_size, share. Segments and regions apply;
    categories and stores do not (a cohort is about customers, not products)."""
    with read_connection() as conn, customer_days_known(conn):
        cells, params = _cohort_cells_sql(f)
        sql = f"""
            WITH cells AS ({cells}),
            sizes AS (SELECT cohort, customers AS cohort_size FROM cells WHERE month = cohort)
            SELECT c.cohort,
                   ((extract(year FROM c.month) - extract(year FROM c.cohort)) * 12
                     + extract(month FROM c.month) - extract(month FROM c.cohort))::int AS months_since,
                   c.customers, s.cohort_size,
                   c.customers::numeric / s.cohort_size AS share
            FROM cells c
            JOIN sizes s USING (cohort)
            ORDER BY c.cohort, months_since
        """
        return frame(conn.execute(text(sql), params))
