"""A 500k-line export imports whole, to the cent, in one transaction."""

from decimal import Decimal

from sqlalchemy import create_engine, text

from bench.import_throughput import demo_csv
from ingest.file_import import import_file
from ingest.migrate import migrate
from tests.conftest import create_database

LINES = 500_000


def test_half_a_million_lines(pg_server_url, tmp_path):
    engine = create_engine(create_database(pg_server_url, "imp_large"))
    try:
        migrate(engine)
        path = tmp_path / "big.csv"
        data = demo_csv(LINES, path)
        result = import_file(engine, path, source="big")
        completed = data.orders.order_key[data.orders.status == "completed"]
        kept = data.lines[data.lines.order_key.isin(completed)]
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT count(*) AS lines, count(DISTINCT o.order_key) AS orders, sum(l.net_amount) AS sales "
                    "FROM order_lines l JOIN orders o USING (order_key) WHERE o.status = 'completed'"
                )
            ).one()
            all_lines = conn.execute(text("SELECT count(*) FROM order_lines")).scalar_one()
        assert (result.rows_read, all_lines) == (LINES, LINES)
        assert (row.lines, row.orders) == (len(kept), kept.order_key.nunique())
        assert row.sales == Decimal(int(kept.net_cents.sum())) / 100
    finally:
        engine.dispose()
