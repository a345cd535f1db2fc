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


def test_two_processes_starting_at_once_both_start(pg_server_url):
    # The app and a manage.py command started together both upgraded from the same revision;
    # the one that waited on the other's locks failed ("expected to match one row when updating
    # '0052' to '0053'") and did not start. Processes: alembic's context is one per process.
    import subprocess
    import sys

    from sqlalchemy import text

    url = create_database(pg_server_url, "migrate_race")
    script = "import sys; from sqlalchemy import create_engine; from ingest.migrate import migrate; "
    script += "migrate(create_engine(sys.argv[1]))"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    errors = [p.communicate(timeout=300)[1] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], errors
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
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


def test_purchase_day_bits_mark_each_day_from_the_first():
    """Migration 0030: bit i (from 1) set when lower(days) + i - 1 is one of the days; every
    activity row's stored bits agree with its day set, checked day by day."""
    from sqlalchemy import text

    from data_access import db

    cases = {
        "{[2025-01-01,2025-01-02)}": "1",
        "{[2025-01-01,2025-01-04)}": "111",
        "{[2025-01-01,2025-01-02), [2025-01-03,2025-01-05), [2025-01-09,2025-01-10)}": "101100001",
        "{[2024-12-31,2025-01-01), [2025-03-01,2025-03-02)}": "1" + "0" * 59 + "1",  # 2025: no 29 February
    }
    tables = ("customer_activity", "customer_activity_store", "customer_activity_category", "customer_activity_detail")
    bits_of = text("SELECT purchase_day_bits(CAST(:d AS datemultirange))::text")
    with db.get_engine().connect() as conn:
        for days, bits in cases.items():
            assert conn.execute(bits_of, {"d": days}).scalar() == bits
        for table in tables:
            wrong = conn.execute(
                text(f"""
                    SELECT count(*) FROM {table} a, generate_series(a.first_day, a.last_day, '1 day') d
                    WHERE (get_bit(a.days, (d::date - a.first_day)) = 1) <> (d::date <@ a.active)""")
            ).scalar()
            rows, lengths_right = conn.execute(
                text(f"SELECT count(*), bool_and(length(days) = last_day - first_day + 1) FROM {table}")
            ).one()
            assert wrong == 0 and rows > 0 and lengths_right, table


def test_an_upgrade_that_rewrites_a_table_vacuums_it(pg_server_url):
    """Migration 0030 rewrites the activity tables (a stored column added): without a vacuum
    their pages are not all-visible and the index-only scans that count customers read every
    row's page, and autovacuum does not come back for a rewrite. migrate() vacuums the tables
    an upgrade left unmapped once it is committed."""
    from sqlalchemy import text

    from tests.fixture_data import load_fixture

    engine = create_engine(create_database(pg_server_url, "migrate_vacuum_test"))
    vacuums = text(
        "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'customer_activity'"
        " AND pg_stat_force_next_flush() IS NOT NULL"
    )
    try:
        migrate(engine)
        load_fixture(engine)
        downgrade(engine, "0029")
        with engine.connect() as conn:
            conn.execute(text("ANALYZE customer_activity"))  # its pages counted, none all-visible
            conn.commit()
            before = conn.execute(vacuums).scalar()
        migrate(engine)  # 0030 again: the table rewritten with its rows
        migrate(engine)  # nothing to do
        with engine.connect() as conn:
            assert conn.execute(vacuums).scalar() == before + 1
    finally:
        engine.dispose()


def _table_options(which: str) -> dict[str, dict[str, float]]:
    """The storage options (reloptions) set on the tables `which` (SQL over pg_class c) names."""
    from sqlalchemy import text

    from data_access import db

    due = text(
        f"""SELECT c.relname, opt.option_name, opt.option_value
            FROM pg_class c, pg_options_to_table(c.reloptions) opt
            WHERE {which} AND c.relkind = 'r'"""
    )
    options: dict[str, dict[str, float]] = {}
    with db.get_engine().connect() as conn:
        for table, name, value in conn.execute(due):
            options.setdefault(table, {})[name] = float(value)
    return options


def test_autovacuum_comes_to_the_activity_tables_after_a_few_hundred_rows():
    """Migration 0031: the counts of customers read the activity tables' covering indexes
    alone only while their pages are marked all-visible, and every row an import or live event
    writes unmarks its page. Autovacuum, which marks them again, is due after 200 + 0.2 % of
    the rows changed or inserted (by default 50 + 20 % and 1000 + 20 %)."""
    options = _table_options("c.relname LIKE 'customer_activity%'")
    expected = {
        "autovacuum_vacuum_threshold": 200,
        "autovacuum_vacuum_scale_factor": 0.002,
        "autovacuum_vacuum_insert_threshold": 200,
        "autovacuum_vacuum_insert_scale_factor": 0.002,
    }
    tables = {"customer_activity", "customer_activity_store", "customer_activity_category", "customer_activity_detail"}
    assert options == {table: expected for table in tables}


def test_autovacuum_comes_to_orders_and_lines_after_a_few_thousand_deleted_rows():
    """Migration 0046: an undo leaves its orders and lines dead at the end of both tables'
    primary keys, and the planner walks those entries in every join of lines to orders until a
    vacuum removes them. Autovacuum is due after 1,000 + 0.2 % of the rows deleted or updated
    (by default 50 + 20 %); inserts keep PostgreSQL's defaults."""
    options = _table_options("c.relname IN ('orders', 'order_lines')")
    expected = {"autovacuum_vacuum_threshold": 1000, "autovacuum_vacuum_scale_factor": 0.002}
    assert options == {"orders": expected, "order_lines": expected}
