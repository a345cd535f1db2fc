"""Migrations apply to an empty database, are idempotent, and downgrade cleanly."""

from sqlalchemy import create_engine, inspect

from ingest.migrate import downgrade, migrate
from tests.conftest import create_database

TABLES = {
    "customers",
    "products",
    "stores",
    "orders",
    "order_lines",
    "imports",
    "data_state",
    "alembic_version",
    "replaced_orders",
    "replaced_order_lines",
}


def test_upgrade_twice_then_downgrade(pg_server_url):
    engine = create_engine(create_database(pg_server_url, "migrate_test"))
    try:
        migrate(engine)
        migrate(engine)  # already at head: nothing to do
        assert set(inspect(engine).get_table_names()) >= TABLES
        money = {c["name"]: str(c["type"]) for c in inspect(engine).get_columns("order_lines")}
        assert money["net_amount"].startswith("NUMERIC") and money["profit"].startswith("NUMERIC")
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
