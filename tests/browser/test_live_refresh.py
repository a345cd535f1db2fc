"""Auto-refresh: an order published to the live feed shows on the Overview without a reload."""

import time
import uuid

import pytest
import redis
from selenium.webdriver.support.ui import Select
from sqlalchemy import text

from data_access.db import get_engine
from ingest.bulk import bump_data_version, delete_orders
from ingest.live_feed import Consumer, publish

SOURCE = "browser-live"


@pytest.fixture
def cleanup():
    """The shared fixture shop is left as it was."""
    yield
    with get_engine().begin() as conn:
        params = {"s": SOURCE}
        delete_orders(conn, "source = :s", params)
        for table in ("customers", "products", "stores", "live_events", "live_orders", "imports"):
            conn.execute(text(f"DELETE FROM {table} WHERE source = :s"), params)
        bump_data_version(conn)


def test_brws401_auto_refresh_follows_the_live_feed(started, redis_url, cleanup):
    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_text_to_equal("#overview-kpi-sales-value", "$600.00")
    Select(dash_duo.find_element("#auto-refresh")).select_by_value("5")

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    stream = f"sales-{uuid.uuid4().hex[:8]}"
    sale = {
        "event_id": str(uuid.uuid4()),
        "source": SOURCE,
        "order_id": "LIVE-1",
        "order_date": "2026-01-15T12:30:00+00:00",
        "customer_id": "W1",
        "segment": "Consumer",
        "region": "North",
        "lines": [
            {
                "product_id": "W-MUG",
                "product_name": "Mug",
                "category": "Furniture",
                "quantity": 1,
                "unit_price": "25.00",
            }
        ],
    }
    time.sleep(6)  # the figures are now older than the 5 s interval
    published = time.monotonic()
    publish(client, sale, stream)
    # Its import history row under the test's source too, so the cleanup takes it (left, it was
    # the Data page tests' oldest import when they ran after this one).
    Consumer(get_engine(), client, stream, source=SOURCE).drain()

    dash_duo.wait_for_text_to_equal("#overview-kpi-sales-value", "$625.00", timeout=10)
    assert time.monotonic() - published < 5  # publish to visible, consumer included
    assert "Data as of" in dash_duo.find_element("#data-as-of").text
    assert dash_duo.get_logs() == []
