"""Publish realistic sales of the demo shop to the live feed, so a newcomer can watch it move."""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Callable

import redis
from sqlalchemy import Engine, text

from data_access.settings import get_settings
from ingest.demo import SOURCE, generate
from ingest.live_feed import DEFAULT_STREAM, publish

EDIT_SHARE, CANCEL_SHARE = 0.02, 0.01  # of messages: a correction or cancellation of a recent order


def catalog(engine: Engine) -> tuple[list[dict], list[dict]]:
    """The demo shop's own products and customers (so sales join its history); a small
    generated shop when the database has no demo data."""
    with engine.connect() as conn:
        products = [
            dict(r._mapping)
            for r in conn.execute(
                text(
                    "SELECT product_id, name AS product_name, category, sub_category, unit_price, unit_cost "
                    "FROM products WHERE source = :s ORDER BY product_key"
                ),
                {"s": SOURCE},
            )
        ]
        customers = [
            dict(r._mapping)
            for r in conn.execute(
                text(
                    "SELECT customer_id, name AS customer_name, segment, region, city FROM customers "
                    "WHERE source = :s ORDER BY customer_key LIMIT 5000"
                ),
                {"s": SOURCE},
            )
        ]
    if products and customers:
        return products, customers
    demo = generate(2_000, seed=1)
    products = [
        {
            "product_id": p.product_id,
            "product_name": p.name,
            "category": p.category,
            "sub_category": p.sub_category,
            "unit_price": p.price_cents / 100,
            "unit_cost": p.cost_cents / 100,
        }
        for p in demo.products.itertuples()
    ]
    customers = demo.customers.rename(columns={"name": "customer_name"})
    return products, customers[["customer_id", "customer_name", "segment", "region", "city"]].to_dict("records")


def make_order(rng: random.Random, products: list[dict], customers: list[dict], now: dt.datetime) -> dict:
    customer = rng.choice(customers)
    lines = []
    for product in rng.sample(products, k=min(len(products), rng.choice([1, 1, 2, 2, 3, 4]))):
        lines.append(
            {
                "product_id": product["product_id"],
                "product_name": product["product_name"],
                "category": product["category"],
                "sub_category": product["sub_category"],
                "quantity": rng.choice([1, 1, 1, 2, 2, 3]),
                "unit_price": str(product["unit_price"]),
                "discount": rng.choice(["0", "0", "0", "0", "0.1", "0.2"]),
                **({"unit_cost": str(product["unit_cost"])} if product.get("unit_cost") is not None else {}),
            }
        )
    return {
        "event_id": str(uuid.uuid4()),
        "source": SOURCE,
        "order_id": f"LIVE-{uuid.uuid4().hex[:10].upper()}",
        "order_date": now.isoformat(timespec="seconds"),
        **{k: customer[k] for k in ("customer_id", "customer_name", "segment", "region", "city")},
        "store": "Web Shop",
        "status": "completed",
        "lines": lines,
    }


def simulate(
    engine: Engine,
    client: redis.Redis,
    rate: float,
    count: int | None = None,
    stream: str = DEFAULT_STREAM,
    seed: int | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Publish about `rate` messages a second until count are sent or should_stop(); returns
    how many. Now and then one corrects or cancels a recent order (same order_id, new event)."""
    rng = random.Random(seed)
    products, customers = catalog(engine)
    tz = get_settings().tz
    recent: list[dict] = []
    sent, started = 0, time.monotonic()
    while (count is None or sent < count) and not should_stop():
        now = dt.datetime.now(tz)
        roll = rng.random()
        if recent and roll < EDIT_SHARE + CANCEL_SHARE:
            order = dict(rng.choice(recent), event_id=str(uuid.uuid4()))
            if roll < CANCEL_SHARE:
                order["status"] = "cancelled"
            else:
                order["lines"] = order["lines"][:-1] or order["lines"]
        else:
            order = make_order(rng, products, customers, now)
            recent = [*recent, order][-200:]
        publish(client, order, stream)
        sent += 1
        ahead = sent / rate - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
    return sent
