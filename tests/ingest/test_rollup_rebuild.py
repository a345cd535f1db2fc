"""rebuild-rollups puts drifted rollups right and leaves the facts as they were."""

from click.testing import CliRunner
from sqlalchemy import create_engine, text

from data_access.rollup_check import rollup_drift
from ingest.migrate import migrate
from ingest.rollup_rebuild import rebuild_rollups
from tests.conftest import create_database
from tests.fixture_data import load_fixture

FACTS = "SELECT count(*), sum(net_amount), sum(profit), sum(quantity) FROM order_lines"


def _facts(engine):
    with engine.connect() as conn:
        return tuple(conn.execute(text(FACTS)).one())


def test_a_rebuild_puts_right_what_a_partial_delete_put_wrong(pg_server_url):
    engine = create_engine(create_database(pg_server_url, "rollup_rebuild"))
    try:
        migrate(engine)
        load_fixture(engine)
        # One line of a two-line order deleted by hand: the case the triggers leave drifted.
        with engine.begin() as conn:
            conn.execute(
                text(
                    "DELETE FROM order_lines WHERE (order_key, line_no) = (SELECT order_key, max(line_no) "
                    "FROM order_lines GROUP BY order_key HAVING count(*) >= 2 ORDER BY order_key LIMIT 1)"
                )
            )
        assert rollup_drift(engine), "the partial delete should have left the rollups drifted"
        with engine.connect() as conn:
            version = conn.execute(text("SELECT version FROM data_state")).scalar_one()
        facts = _facts(engine)
        assert rebuild_rollups(engine) == facts[0]
        assert rollup_drift(engine) == {}
        assert _facts(engine) == facts
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version FROM data_state")).scalar_one() == version + 1
    finally:
        engine.dispose()


def test_the_command_asks_first():
    from manage import cli

    result = CliRunner().invoke(cli, ["rebuild-rollups"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
