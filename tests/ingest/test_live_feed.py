"""The live feed against a real redis-server and PostgreSQL: exactly-once storing, dead letters,
crash between commit and acknowledgement, a consumer killed mid-stream, and a late claim."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
import redis
from sqlalchemy import create_engine, text

from data_access.rollup_check import assert_rollups_exact
from ingest.live_feed import Consumer, dead_letters, publish, requeue, stats_key
from ingest.migrate import migrate
from tests.conftest import create_database

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def engine(pg_server_url, request):
    eng = create_engine(create_database(pg_server_url, "feed_" + request.node.name[-40:].lower()))
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def client(redis_url):
    c = redis.Redis.from_url(redis_url, decode_responses=True)
    yield c


@pytest.fixture
def stream():
    return f"sales-{uuid.uuid4().hex[:8]}"


def order(order_id, *lines, event_id=None, status="completed", when="2026-11-23T10:15:00+00:00", customer="C1"):
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "order_id": order_id,
        "order_date": when,
        "customer_id": customer,
        "customer_name": "Alice",
        "segment": "Consumer",
        "region": "North",
        "store": "Web Shop",
        "status": status,
        "lines": [
            {"product_id": p, "product_name": p, "category": "Furniture", "quantity": q, "unit_price": price}
            for p, q, price in lines
        ],
    }


def totals(engine):
    assert_rollups_exact(engine)  # every live batch (new, edited, cancelled orders) keeps them exact
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT coalesce(sum(l.net_amount), 0) AS sales, count(DISTINCT o.order_key) AS orders, "
                "count(*) AS lines FROM order_lines l JOIN orders o USING (order_key) WHERE o.status <> 'cancelled'"
            )
        ).one()


def test_duplicates_replacement_and_cancellation_give_exact_kpis(engine, client, stream):
    first = order("L-1", ("P1", 2, "10.00"))
    publish(client, first, stream)
    publish(client, first, stream)  # the publisher retried: same event id
    publish(client, order("L-2", ("P1", 1, "10.00"), ("P2", 3, "2.50")), stream)
    publish(client, order("L-1", ("P1", 5, "10.00")), stream)  # L-1 edited: replaces the order
    publish(client, first, stream)  # a late retry of the original must not undo the edit
    publish(client, order("L-3", ("P2", 1, "2.50")), stream)
    publish(client, order("L-3", ("P2", 1, "2.50"), status="cancelled"), stream)
    consumer = Consumer(engine, client, stream, batch=2)  # edits land in later batches than their orders
    consumer.drain()
    assert totals(engine) == (Decimal("67.50"), 2, 3)  # L-1 50.00 + L-2 17.50; L-3 cancelled
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders WHERE order_id = 'L-1'")).scalar_one() == 1
        assert conn.execute(text("SELECT ordered_at IS NOT NULL FROM orders LIMIT 1")).scalar_one()
        assert (
            conn.execute(text("SELECT as_of FROM data_state")).scalar_one().isoformat() == "2026-11-23T10:15:00+00:00"
        )
    assert client.xpending(stream, "dashboard")["pending"] == 0
    consumer.drain()  # nothing new: nothing changes
    assert totals(engine) == (Decimal("67.50"), 2, 3)


def test_bad_messages_go_to_dead_letters_and_good_ones_around_them_are_stored(engine, client, stream):
    publish(client, order("G-1", ("P1", 1, "4.00")), stream)
    client.xadd(stream, {"order": "{not json"})
    client.xadd(stream, {"something": "else"})
    publish(client, {**order("B-1", ("P1", 1, "4.00")), "order_id": ""}, stream)
    publish(client, order("B-2", ("P1", 1, "-4.00")), stream)
    publish(client, order("B-3", ("P1", "two", "4.00")), stream)
    publish(client, order("B-4", ("P1", 1, "4.00"), when="2026-11-23T10:15:00"), stream)
    publish(client, order("G-2", ("P1", 2, "4.00")), stream)
    Consumer(engine, client, stream).drain()
    assert totals(engine) == (Decimal("12.00"), 2, 2)
    reasons = [fields["reason"] for _, fields in dead_letters(client, stream)]
    assert len(reasons) == 6
    assert reasons[0].startswith("'order' is not JSON")
    assert reasons[1] == "the message has no 'order' field"
    assert reasons[2] == "order_id is missing"
    assert reasons[3] == "lines[1].unit_price: -4.00 is negative"
    assert reasons[4] == "lines[1].quantity: 'two' is not a number"
    assert "needs a UTC offset" in reasons[5]
    assert client.hget(stats_key(stream), "dead") == "6"
    assert client.xpending(stream, "dashboard")["pending"] == 0


def test_a_fixed_dead_letter_can_be_requeued(engine, client, stream):
    client.xadd(stream, {"order": json.dumps(order("Q-1", ("P1", 1, "4.00"), when="2026-11-23 10:15"))})
    Consumer(engine, client, stream).drain()
    assert totals(engine).orders == 0 and len(dead_letters(client, stream)) == 1
    assert requeue(client, None, stream) == 1
    Consumer(engine, client, stream).drain()
    assert totals(engine).orders == 0 and len(dead_letters(client, stream)) == 1  # still bad: back again


def test_crash_between_commit_and_ack_stores_nothing_twice(engine, client, stream):
    for i in range(5):
        publish(client, order(f"K-{i}", ("P1", 1, "10.00")), stream)

    def crash():
        raise SystemExit("killed after commit")

    with pytest.raises(SystemExit):
        Consumer(engine, client, stream, name="c1", after_commit=crash).drain()
    assert client.xpending(stream, "dashboard")["pending"] == 5  # stored but never acknowledged
    Consumer(engine, client, stream, name="c1").drain()  # restarted: its own pending come first
    assert totals(engine) == (Decimal("50.00"), 5, 5)
    assert client.xpending(stream, "dashboard")["pending"] == 0


def test_a_late_claim_of_an_older_version_does_not_overwrite_a_newer_one(engine, client, stream):
    publish(client, order("V-1", ("P1", 1, "10.00")), stream)
    publish(client, order("V-1", ("P1", 3, "10.00")), stream)
    dead = Consumer(engine, client, stream, name="dead", batch=1)
    dead.ensure_group()
    dead._read(">", None)  # takes v1 and dies without storing it
    alive = Consumer(engine, client, stream, name="alive", claim_idle_ms=0)
    alive.process(alive._read(">", None))  # stores v2
    alive.process(alive._claim())  # claims v1 from the dead consumer
    assert totals(engine) == (Decimal("30.00"), 1, 1)
    assert client.xpending(stream, "dashboard")["pending"] == 0


def test_a_killed_consumer_process_loses_nothing_and_doubles_nothing(engine, client, stream, redis_url):
    n = 3000
    pipe = client.pipeline()
    for i in range(n):
        pipe.xadd(stream, {"order": json.dumps(order(f"M-{i}", ("P1", 1, "1.00")))})
    pipe.execute()
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False), "REDIS_URL": redis_url}
    command = [sys.executable, "manage.py", "consume", "--stream", stream, "--consumer", "k"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while totals(engine).orders == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)  # mid-stream, no chance to clean up
    process.wait(timeout=10)
    assert 0 < totals(engine).orders < n, "the kill should land mid-stream"
    Consumer(engine, client, stream, name="k").drain()  # the restarted consumer
    assert totals(engine) == (Decimal(n), n, n)
