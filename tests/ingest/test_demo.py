"""The demo shop: exact size, deterministic, realistic shape, and loadable in one transaction."""

import datetime as dt

import numpy as np
import pytest
from sqlalchemy import text

from ingest.demo import generate
from ingest.demo_load import load_demo
from ingest.migrate import migrate
from tests.conftest import create_database

END = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo():
    return generate(20_000, seed=7, end_date=END, years=2)


def test_exact_line_count_and_date_span(demo):
    assert len(demo.lines) == 20_000
    assert demo.orders.order_date.max() <= END
    assert demo.orders.order_date.min() >= END - dt.timedelta(days=730)


def test_same_seed_same_data_other_seed_other_data(demo):
    again = generate(20_000, seed=7, end_date=END, years=2)
    assert demo.lines.equals(again.lines) and demo.orders.equals(again.orders)
    other = generate(20_000, seed=8, end_date=END, years=2)
    assert not demo.lines.net_cents.equals(other.lines.net_cents)


def test_money_is_consistent_to_the_cent(demo):
    lines = demo.lines
    gross = lines.price_cents * lines.quantity.abs() * (100 - lines.discount_pct)
    assert (lines.net_cents == np.sign(lines.quantity) * ((gross + 50) // 100)).all()


def test_shape_has_returns_cancellations_repeat_customers_and_seasonality(demo):
    assert 0.005 < (demo.orders.status == "cancelled").mean() < 0.05
    assert (demo.lines.quantity < 0).sum() > 50
    orders_per_customer = demo.orders.groupby("customer_key").size()
    assert (orders_per_customer >= 2).mean() > 0.3
    months = demo.orders.assign(m=lambda d: [x.month for x in d.order_date]).groupby("m").size()
    assert months[12] > months[2] * 1.3  # the holiday peak
    assert set(demo.customers.segment) == {"Consumer", "Corporate", "Home Office"}


def test_load_demo_into_a_fresh_database(pg_server_url):
    from sqlalchemy import create_engine

    engine = create_engine(create_database(pg_server_url, "demo_load_test"))
    try:
        migrate(engine)
        counts = load_demo(engine, 5_000, seed=3, end_date=END)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM order_lines")).scalar_one() == 5_000
            assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == counts["orders"]
            version = conn.execute(text("SELECT version FROM data_state")).scalar_one()
            assert version == 1
            # Postal codes keep leading zeros (text, not numbers).
            assert conn.execute(text("SELECT bool_and(length(postal_code) = 5) FROM customers")).scalar_one()
        with pytest.raises(Exception, match="already loaded"):
            load_demo(engine, 5_000, seed=3, end_date=END)
        load_demo(engine, 4_000, seed=3, end_date=END, replace=True)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM order_lines")).scalar_one() == 4_000
    finally:
        engine.dispose()
