"""A throwaway database for a benchmark run, beside the configured one and never that one."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, make_url, text


@contextmanager
def scratch_database(prefix: str) -> Iterator[Engine]:
    """A fresh, migrated database on the configured server; dropped afterwards whatever happens.
    The URL is derived with make_url (string surgery once hit the configured database)."""
    from data_access.db import database_url
    from ingest.migrate import migrate

    server = make_url(database_url())
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(server.set(database=name))
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
