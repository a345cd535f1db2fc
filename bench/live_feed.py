"""Live-feed throughput: orders per second the consumer stores, publish to commit.

    python -m bench.live_feed --orders 20000 --redis redis://127.0.0.1:6379/0

Publishes N demo orders (2-3 lines each) to a fresh stream, then times one consumer draining
it into a scratch database on the configured server. Writes {"orders", "seconds",
"orders_per_s", "target_orders_per_s", "batch"} as JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pathlib
import random
import time
import uuid

from sqlalchemy import text

from bench.scratch import scratch_database

TARGET_ORDERS_PER_S = 2_000


def run(orders: int, redis_url: str, batch: int = 500) -> dict:
    import redis

    from ingest.feed_simulator import catalog, make_order
    from ingest.live_feed import Consumer

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    stream = f"bench-{uuid.uuid4().hex[:8]}"
    with scratch_database("bench_feed") as engine:
        try:
            products, customers = catalog(engine)
            rng, now = random.Random(5), dt.datetime.now(dt.UTC)
            pipe = client.pipeline()
            for _ in range(orders):
                pipe.xadd(stream, {"order": json.dumps(make_order(rng, products, customers, now), default=str)})
            pipe.execute()
            consumer = Consumer(engine, client, stream, name="bench", batch=batch)
            started = time.perf_counter()
            consumer.drain()
            seconds = time.perf_counter() - started
            with engine.connect() as conn:
                stored = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
        finally:
            client.delete(stream, f"{stream}:dead", f"{stream}:stats")
    return {
        "orders": stored,
        "seconds": round(seconds, 3),
        "orders_per_s": round(stored / seconds),
        "target_orders_per_s": TARGET_ORDERS_PER_S,
        "batch": batch,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--redis", required=True, help="Redis URL")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("bench/results/live_feed.json"))
    args = parser.parse_args()
    figures = run(args.orders, args.redis, args.batch)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
