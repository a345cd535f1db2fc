"""A backup restores to the same numbers: `manage.py backup`, then `restore` into a new database."""

from __future__ import annotations

from click.testing import CliRunner

from data_access import db
from data_access.cache import cache
from data_access.report import all_time_filter, kpi_report
from manage import cli
from tests.conftest import _use_environment, create_database


def test_backup_then_restore_gives_the_same_kpis(pg_server_url, fixture_database, tmp_path):
    dump = tmp_path / "shop.dump"
    made = CliRunner().invoke(cli, ["backup", str(dump)])
    assert made.exit_code == 0, made.output
    before = kpi_report(all_time_filter())

    empty = create_database(pg_server_url, "kpi_restore_test")
    try:
        _use_environment(DATABASE_URL=empty)
        restored = CliRunner().invoke(cli, ["restore", str(dump), "--yes"])
        assert restored.exit_code == 0, restored.output
        with db.get_engine().connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM order_lines").scalar_one() == 11
        cache.clear()  # same data version in both databases: answers must come from the restored one
        assert kpi_report(all_time_filter()) == before
    finally:
        _use_environment(DATABASE_URL=fixture_database)


def test_restore_of_a_damaged_file_changes_nothing(fixture_database, tmp_path):
    bad = tmp_path / "bad.dump"
    bad.write_bytes(b"PGDMP not really")
    result = CliRunner().invoke(cli, ["restore", str(bad), "--yes"])
    assert result.exit_code == 1 and "restore failed, nothing changed" in result.output
    assert "Traceback" not in result.output
    with db.get_engine().connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM order_lines").scalar_one() == 11
