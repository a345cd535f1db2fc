"""Migrations apply to an empty database, are idempotent, and downgrade cleanly."""

import pytest
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


def test_bigint_sum_adds_like_sum_and_refuses_to_overflow():
    """Migration 0025's aggregate: sum's answers as a bigint, NULL over nothing, and an error
    (never a wrapped-around number) past the bigint range."""
    from sqlalchemy import text
    from sqlalchemy.exc import DataError

    from data_access import db

    values = "(VALUES (3::bigint), (-5), (NULL), (9000000000000))"
    with db.get_engine().connect() as conn:
        assert conn.execute(text(f"SELECT bigint_sum(v), sum(v) FROM {values} t(v)")).one() == (8999999999998,) * 2
        assert conn.execute(text("SELECT bigint_sum(v) FROM (VALUES (NULL::bigint)) t(v) WHERE v > 0")).scalar() is None
        with pytest.raises(DataError, match="bigint out of range"):
            conn.execute(text("SELECT bigint_sum(v) FROM (VALUES (9223372036854775807::bigint), (1)) t(v)")).scalar()
