"""Deterministic demo shop: trend, seasonality, cohorts that fade, product affinities; COPY-loaded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.demo_catalog import (
    ADJECTIVES,
    BRANDS,
    CATALOG,
    COMPLEMENTS,
    FIRST_NAMES,
    LAST_NAMES,
    MONTH_SEASON,
    REGION_WEIGHTS,
    REGIONS,
    SEGMENT_TASTE,
    SEGMENTS,
    STORES,
    WEEKDAY_SEASON,
)

SOURCE = "demo"
MEAN_LINES_PER_ORDER = 2.3
ORDERS_PER_CUSTOMER = 3.4
WARMUP_YEARS = 2


class DemoDataExists(Exception):
    """load-demo refuses to add a second copy of the demo shop."""


@dataclass(frozen=True)
class DemoData:
    customers: pd.DataFrame
    products: pd.DataFrame
    stores: pd.DataFrame
    orders: pd.DataFrame
    lines: pd.DataFrame


def generate(
    lines: int, seed: int = 42, end_date: dt.date | None = None, years: int = 2, max_customers: int | None = None
) -> DemoData:
    """Exactly `lines` order lines over `years` years ending on end_date (default today).
    `max_customers` caps the customer base (who then order more often): a shop with 10M lines
    has ~100k loyal customers, not the 1.4M that a small shop's habits would scale to."""
    if lines < 1:
        raise ValueError("--lines must be at least 1")
    end_date = end_date or dt.date.today()
    # Simulate a warm-up year before the data starts, so the shop opens the data with a
    # customer base of its own instead of from zero (which would fake +150 % growth).
    days = pd.date_range(end=pd.Timestamp(end_date), periods=365 * (years + WARMUP_YEARS), freq="D")
    first_visible = days[365 * WARMUP_YEARS].date()
    products = _products(np.random.default_rng([seed, 1]))
    stores = pd.DataFrame(STORES, columns=["store_id", "name", "channel", "region"])
    scale = 1.15 * (years + WARMUP_YEARS) / years
    for attempt in range(6):
        rng = np.random.default_rng([seed, 2, attempt])
        customers, orders, order_lines = _simulate(rng, days, products, lines * scale, max_customers)
        orders = orders[orders.order_date >= first_visible]
        order_lines = order_lines[order_lines.order_key.isin(orders.order_key)]
        if len(order_lines) >= lines:
            break
        scale *= 1.25 * lines / max(len(order_lines), 1)
    orders, order_lines = _thin_to_exact(np.random.default_rng([seed, 3]), orders, order_lines, lines)
    customers = customers[customers.customer_key.isin(orders.customer_key)]
    return DemoData(customers, products, stores.drop(columns="region"), orders, order_lines)


def _products(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for category, subs in CATALOG.items():
        for sub, (nouns, low, high, cost_low, cost_high) in subs.items():
            for i in range(18):
                price = float(np.exp(rng.uniform(np.log(low), np.log(high))))
                # Charm prices: 19.99, 249.99...
                price_cents = round(price) * 100 - 1 if price > 20 else int(price) * 100 + 99
                cost_cents = int(price_cents * rng.uniform(cost_low, cost_high))
                adjective = ADJECTIVES[(i * 3 + len(sub)) % len(ADJECTIVES)]
                name = f"{BRANDS[i % len(BRANDS)]} {adjective} {nouns[i % len(nouns)]}"
                rows.append((category, sub, name, price_cents, cost_cents))
    frame = pd.DataFrame(rows, columns=["category", "sub_category", "name", "price_cents", "cost_cents"])
    frame = frame.drop_duplicates("name").reset_index(drop=True)
    frame["product_key"] = np.arange(1, len(frame) + 1)
    frame["product_id"] = [f"SKU-{k:05d}" for k in frame.product_key]
    # Zipf-like popularity, shuffled so every category has hits and long tails.
    frame["popularity"] = rng.permutation(1.0 / np.arange(1, len(frame) + 1) ** 0.8)
    return frame


def _simulate(rng, days: pd.DatetimeIndex, products: pd.DataFrame, target_lines: float, max_customers: int | None):
    n_orders = int(target_lines / MEAN_LINES_PER_ORDER)
    natural = max(int(n_orders / ORDERS_PER_CUSTOMER), 1)
    n = min(natural, max_customers or natural)
    customers = _customers(rng, days, n)
    customers["rate"] *= natural / n  # fewer customers, each ordering that much more often
    orders = _orders(rng, days, customers)
    lines = _lines(rng, orders, customers, products)
    return customers, orders, lines


def _day_weights(days: pd.DatetimeIndex, segment: str, trend: bool = True) -> np.ndarray:
    """Relative order volume per day. New customers follow the growth trend; repeat orders
    only the seasons (their volume already grows with the customer base)."""
    t = np.arange(len(days)) / 365.0
    growth = np.exp(0.2 * t) if trend else 1.0
    month = np.asarray(MONTH_SEASON)[days.month - 1]
    weekday = np.asarray(WEEKDAY_SEASON[segment])[days.day_of_week]
    return growth * month * weekday


def _customers(rng, days: pd.DatetimeIndex, n: int) -> pd.DataFrame:
    segments = rng.choice(list(SEGMENTS), size=n, p=list(SEGMENTS.values()))
    regions = rng.choice(list(REGION_WEIGHTS), size=n, p=list(REGION_WEIGHTS.values()))
    first_day = np.empty(n, dtype=np.int64)
    for segment in SEGMENTS:
        mask = segments == segment
        w = _day_weights(days, segment)
        first_day[mask] = rng.choice(len(days), size=mask.sum(), p=w / w.sum())
    keys = np.arange(1, n + 1)
    city = np.array([rng.choice(REGIONS[r]) for r in regions]) if n < 5000 else _cities(rng, regions)
    return pd.DataFrame(
        {
            "customer_key": keys,
            "customer_id": [f"CUST-{k:06d}" for k in keys],
            "name": pd.Series(rng.choice(FIRST_NAMES, n)) + " " + pd.Series(rng.choice(LAST_NAMES, n)),
            "segment": segments,
            "region": regions,
            "city": city,
            # Postal codes keep their leading zeros: they are text, not numbers.
            "postal_code": [f"{z:05d}" for z in rng.integers(1000, 99999, n)],
            "first_day": first_day,
            # Habit: orders per month while active, and how many months the customer stays.
            "rate": rng.gamma(1.4, 0.45, n) * np.where(segments == "Corporate", 1.4, 1.0),
            "life_months": rng.exponential(10.0, n),
        }
    )


def _cities(rng, regions: np.ndarray) -> np.ndarray:
    out = np.empty(len(regions), dtype=object)
    for region, cities in REGIONS.items():
        mask = regions == region
        out[mask] = rng.choice(cities, size=mask.sum())
    return out


def _orders(rng, days: pd.DatetimeIndex, customers: pd.DataFrame) -> pd.DataFrame:
    n_days = len(days)
    active_days = np.minimum(customers.life_months.to_numpy() * 30.4, n_days - customers.first_day)
    repeats = rng.poisson(customers.rate.to_numpy() * active_days / 30.4 * 1.6)
    owner = np.repeat(np.arange(len(customers)), repeats)
    offset = rng.uniform(1, np.repeat(np.maximum(active_days, 1), repeats))
    day = customers.first_day.to_numpy()[owner] + offset.astype(np.int64)
    segment = customers.segment.to_numpy()[owner]
    keep = day < n_days
    # Seasonality for repeat orders by thinning: keep each with probability weight / max weight.
    for seg in SEGMENTS:
        w = _day_weights(days, seg, trend=False)
        mask = keep & (segment == seg)
        keep[mask] &= rng.uniform(size=mask.sum()) < w[day[mask]] / w.max()
    owner = np.concatenate([np.arange(len(customers)), owner[keep]])
    day = np.concatenate([customers.first_day.to_numpy(), day[keep]])
    order = np.lexsort((owner, day))
    owner, day = owner[order], day[order]
    n = len(owner)
    region = customers.region.to_numpy()[owner]
    store_region = {r: i for i, (_, _, _, r) in enumerate(STORES) if r}
    local = np.array([store_region[r] for r in region]) + 1
    channel_pick = rng.uniform(size=n)
    corporate = customers.segment.to_numpy()[owner] == "Corporate"
    web_share = np.where(corporate, 0.6, 0.42)
    store_key = np.where(channel_pick < web_share, 1, np.where(channel_pick < web_share + 0.15, 2, local))
    return pd.DataFrame(
        {
            "order_key": np.arange(1, n + 1),
            "customer_key": customers.customer_key.to_numpy()[owner],
            "store_key": store_key,
            "order_date": days[day].date,
            "status": np.where(rng.uniform(size=n) < 0.02, "cancelled", "completed"),
        }
    )


def _partners(rng, products: pd.DataFrame) -> np.ndarray:
    """Four affinity partners per product, drawn from complementary sub-categories."""
    by_sub = {s: g.index.to_numpy() for s, g in products.groupby("sub_category")}
    partners = np.empty((len(products), 4), dtype=np.int64)
    for i, sub in enumerate(products.sub_category):
        pool = np.concatenate([by_sub[s] for s in COMPLEMENTS[sub]])
        partners[i] = rng.choice(pool, size=4, replace=False)
    return partners


def _lines(rng, orders: pd.DataFrame, customers: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    n = len(orders)
    segment = customers.set_index("customer_key").segment.loc[orders.customer_key].to_numpy()
    n_lines = np.minimum(1 + rng.poisson(np.where(segment == "Corporate", 1.6, 1.2)), 8)
    order_idx = np.repeat(np.arange(n), n_lines)
    position = np.arange(len(order_idx)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    line_segment = segment[order_idx]
    product = np.empty(len(order_idx), dtype=np.int64)
    for seg, taste in SEGMENT_TASTE.items():
        mask = line_segment == seg
        p = products.popularity.to_numpy() * products.category.map(taste).to_numpy()
        product[mask] = rng.choice(len(products), size=mask.sum(), p=p / p.sum())
    # Later lines often follow the first product's partners: the "also bought" signal.
    first = product[np.repeat(np.cumsum(n_lines) - n_lines, n_lines)]
    partners = _partners(rng, products)
    follow = (position > 0) & (rng.uniform(size=len(product)) < 0.5)
    product[follow] = partners[first[follow], rng.integers(0, 4, follow.sum())]
    lines = pd.DataFrame({"order_idx": order_idx, "product": product})
    lines = lines.drop_duplicates(["order_idx", "product"]).reset_index(drop=True)
    return _price_lines(rng, lines, orders, products, segment)


def _price_lines(rng, lines, orders, products, order_segment) -> pd.DataFrame:
    m = len(lines)
    office = (products.category.to_numpy() == "Office Supplies")[lines["product"]]
    quantity = 1 + rng.poisson(np.where(office, 2.5, 0.8))
    corporate = order_segment[lines.order_idx] == "Corporate"
    has_discount = rng.uniform(size=m) < np.where(corporate, 0.4, 0.22)
    discount_pct = np.where(
        has_discount, rng.choice([5, 10, 15, 20, 30, 50], m, p=[0.25, 0.3, 0.2, 0.13, 0.08, 0.04]), 0
    )
    lines = lines.assign(quantity=quantity, discount_pct=discount_pct)
    # A few orders get a return: one of their items comes back (negative quantity, same price).
    returned = rng.uniform(size=len(orders)) < 0.03
    first_line = lines.drop_duplicates("order_idx")
    back = first_line[returned[first_line.order_idx]].assign(quantity=lambda d: -np.minimum(d.quantity, 1))
    lines = pd.concat([lines, back]).sort_values("order_idx", kind="stable").reset_index(drop=True)
    lines["line_no"] = lines.groupby("order_idx").cumcount() + 1
    price = products.price_cents.to_numpy()[lines["product"]]
    cost = products.cost_cents.to_numpy()[lines["product"]]
    q = lines.quantity.to_numpy()
    gross = price * np.abs(q) * (100 - lines.discount_pct.to_numpy())
    net_cents = np.sign(q) * ((gross + 50) // 100)  # half-up to the cent, symmetric for returns
    lines["order_key"] = orders.order_key.to_numpy()[lines.order_idx]
    lines["product_key"] = products.product_key.to_numpy()[lines["product"]]
    lines["price_cents"] = price
    lines["net_cents"] = net_cents
    lines["profit_cents"] = net_cents - q * cost
    return lines.drop(columns=["order_idx", "product"])


def _thin_to_exact(rng, orders: pd.DataFrame, lines: pd.DataFrame, target: int):
    """Drop whole random orders until exactly `target` lines remain (the last one trimmed)."""
    counts = lines.groupby("order_key").size().reindex(orders.order_key, fill_value=0)
    shuffled = rng.permutation(orders.order_key.to_numpy())
    cumulative = np.cumsum(counts.loc[shuffled].to_numpy())
    cut = int(np.searchsorted(cumulative, target)) + 1
    kept = np.sort(shuffled[:cut])
    orders = orders[orders.order_key.isin(kept)].reset_index(drop=True)
    lines = lines[lines.order_key.isin(kept)].reset_index(drop=True)
    excess = len(lines) - target
    if excess > 0:
        last = lines.order_key == shuffled[cut - 1]
        drop = lines[last].index[-excess:]
        lines = lines.drop(drop).reset_index(drop=True)
    return orders, lines
