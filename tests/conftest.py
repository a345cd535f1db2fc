"""Session fixtures: one embedded PostgreSQL per test run, a fresh database, the fixture shop."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
from sqlalchemy import create_engine, text

from bench.pages import free_port
from data_access import db
from data_access.cache import init_cache
from data_access.embedded import start_embedded_server
from data_access.settings import get_settings
from ingest.migrate import migrate
from tests.fixture_data import load_fixture


def _use_environment(**values: str | None) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    db.reset_engine()


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory) -> str:
    """URL of the embedded server's maintenance database (started once per run)."""
    return start_embedded_server(tmp_path_factory.mktemp("embedded"))


def create_database(server_url: str, name: str) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server_url.replace("/postgres?", f"/{name}?", 1)


@pytest.fixture(scope="session", autouse=True)
def fixture_database(pg_server_url, tmp_path_factory, worker_id: str = "main") -> str:
    """The fixture shop in its own database; the app and data access are pointed at it."""
    url = create_database(pg_server_url, f"kpi_test_{worker_id}")
    _use_environment(
        DATABASE_URL=url,
        DATA_DIR=str(tmp_path_factory.mktemp("data")),
        REDIS_URL=None,
        BUSINESS_TIMEZONE="UTC",
        CURRENCY="USD",
        LOCALE="en_US",
        DEMO_LINES="0",
    )
    migrate(db.get_engine())
    load_fixture(db.get_engine())
    init_cache()
    return url


@pytest.fixture
def statements(fixture_database):
    """Collects every SQL statement sent while the test runs (to see cache hits)."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real redis-server on a loopback port, for the length of the run."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; `make test` installs it from Debian's packages")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)
