"""The customer summary's repeat counts, RFM cells and lifetime-value statistics from the
customers' sums as integer arrays (numpy), for the rollups' router: what customers.py's
summary SQL computes per customer, computed here in the same integer and float8 arithmetic.

In SQL the scores' window sums, the percentiles' sorts and the bins' grouping were ~100 ms of
single-core work per ~100k customers at 10M lines, whatever the sums came from; the arrays
arrive packed (int8send, ~4 ms a column per 100k customers) and numpy takes a few ms. Only
sums, counts and picked values leave here: the divisions and money are the SQL's own
(customers.summary_groups_sql), so their numeric scales are PostgreSQL's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# One packed column: what string_agg(int8send(x), '') gives, big-endian bigints.
PACKED = np.dtype(">i8")
# The lifetime values' histogram: this many equal bins up to the 99th percentile (_ltv_sql's too).
LTV_BINS = 20


def packed_sql(expression: str) -> str:
    """SQL for an aggregate packing a bigint expression of each row into one bytea
    (unpacked: np.frombuffer(value, PACKED)); an empty bytea for no rows."""
    return f"coalesce(string_agg(int8send(({expression})::bigint), ''::bytea), ''::bytea)"


def unpacked(value: bytes) -> np.ndarray:
    return np.frombuffer(value, PACKED).astype(np.int64)


def _value_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(customers per value in increasing order, each row's value's place in it). Days and order
    counts span few values: counted in one pass, not sorted (np.unique of 114k: ~7 ms)."""
    low = int(values.min()) if len(values) else 0
    span = int(values.max()) - low if len(values) else 0
    if span <= max(4 * len(values), 1 << 16):
        place = values - low
        return np.bincount(place), place
    _, place, counts = np.unique(values, return_inverse=True, return_counts=True)
    return counts, place


def quintile_scores(values: np.ndarray, descending: bool) -> np.ndarray:
    """1-5 per value by percent rank (rfm._score_per_value): (customers before the value) /
    (customers - 1) in float8, times 5, floored, plus 1, at most 5; ties share a score; a lone
    customer scores 1."""
    counts, place = _value_counts(values)
    smaller = np.cumsum(counts) - counts
    customers = len(values)
    before = customers - smaller - counts if descending else smaller
    rank = before.astype(np.float64) / np.float64(customers - 1) if customers > 1 else np.zeros(len(counts))
    return np.minimum(5, np.floor(rank * 5) + 1).astype(np.int8)[place]


@dataclass(frozen=True)
class RfmCells:
    """Per occupied (R, F) score pair: its customers and the sums of their sales (in UNITS),
    recency days and order counts."""

    r: list[int]
    f: list[int]
    customers: list[int]
    sales: list[int]
    recency_days: list[int]
    frequency: list[int]


def rfm_cells(orders: np.ndarray, sales: np.ndarray, recency_days: np.ndarray) -> RfmCells:
    """rfm_groups_sql's cells of the customers with a purchase (orders > 0): R from the recency
    (fewer days scores higher), F from the order count. The sums stay integers: each cell's
    rows side by side (a stable sort of small ints is a radix sort), then added up."""
    cell = (quintile_scores(recency_days, descending=True) - 1) * 5 + quintile_scores(orders, descending=False) - 1
    customers = np.bincount(cell, minlength=25)
    by_cell = np.argsort(cell, kind="stable")
    occupied = np.flatnonzero(customers)
    starts = (np.cumsum(customers) - customers)[occupied]
    sums = [
        np.add.reduceat(values[by_cell], starts).tolist() if len(starts) else []
        for values in (sales, recency_days, orders)
    ]
    return RfmCells(
        r=(occupied // 5 + 1).tolist(),
        f=(occupied % 5 + 1).tolist(),
        customers=customers[occupied].tolist(),
        sales=sums[0],
        recency_days=sums[1],
        frequency=sums[2],
    )


@dataclass(frozen=True)
class LtvStatistics:
    """customers._ltv_sql's statistics in UNITS: the count and sum of the values, the median
    (percentile_disc 0.5), the bins' low and high ends, and each occupied bin's customers."""

    customers: int
    total: int
    median: int | None
    lo: int
    hi: int
    bins: list[int]
    in_bin: list[int]


def _percentile_disc(ordered_at: np.ndarray, fraction: float, count: int) -> int:
    # PostgreSQL's percentile_disc: the value at row ceil(fraction * rows) (float8), the first
    # row at least.
    return int(ordered_at[max(math.ceil(fraction * count), 1) - 1])


def ltv_statistics(values: np.ndarray, one: int) -> LtvStatistics:
    """The lifetime values' statistics as _ltv_sql(units=True) computes them: lo is the lowest
    value or 0, hi the 99th percentile but at least lo + one (one money unit in UNITS), and a
    value's bin floor((v - lo) * bins / (hi - lo)), the last one holding everything above."""
    count = len(values)
    if count == 0:
        return LtvStatistics(0, 0, None, 0, one, [], [])
    positions = sorted({max(math.ceil(p * count), 1) - 1 for p in (0.5, 0.99)})
    ordered_at = np.partition(values, positions)
    median = _percentile_disc(ordered_at, 0.5, count)
    lo = min(int(values.min()), 0)
    hi = max(_percentile_disc(ordered_at, 0.99, count), lo + one)
    bins = np.minimum((values - lo) * LTV_BINS // (hi - lo), LTV_BINS - 1)
    in_bin = np.bincount(bins, minlength=LTV_BINS)
    occupied = np.flatnonzero(in_bin)
    return LtvStatistics(count, int(values.sum()), median, lo, hi, occupied.tolist(), in_bin[occupied].tolist())


@dataclass(frozen=True)
class Lifetimes:
    """Every customer's lifetime value (customer_lifetime.sales_x10000) by customer key, keys
    increasing, as of one state of the data (`state`: what identifies it)."""

    state: tuple
    keys: np.ndarray
    values: np.ndarray

    @classmethod
    def from_packed(cls, state: tuple, keys: bytes, values: bytes) -> Lifetimes:
        keys_of, values_of = unpacked(keys), unpacked(values)
        order = np.argsort(keys_of, kind="stable")
        return cls(state, keys_of[order], values_of[order])

    def of(self, customers: np.ndarray) -> np.ndarray:
        """The lifetime values of these customers (keys), as a join to customer_lifetime finds
        them: a customer without one is left out."""
        at = np.searchsorted(self.keys, customers)
        found = at < len(self.keys)
        found[found] = self.keys[at[found]] == customers[found]
        return self.values[at[found]]
