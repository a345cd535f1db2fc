"""Apply the alembic migrations in ingest/migrations to the configured database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


# Held for the upgrade's transaction: every process that starts (the app, its workers, a
# manage.py command) migrates first, and two at once both upgraded from the same revision; the
# second, having waited on the first's locks, found the version row changed and failed to start.
MIGRATION_LOCK = 0x5348_4F50_0001  # any constant of ours; "SHOP" 1


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade to revision (default: the newest) in one transaction, one process at a time;
    then, if that changed anything, vacuum the tables it left without a visibility map."""
    config = alembic_config()
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        before = MigrationContext.configure(conn).get_current_revision()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
        changed = MigrationContext.configure(conn).get_current_revision() != before
    if changed:
        vacuum_unmapped_tables(engine)


# The share of a table's pages that may lack their all-visible bit before a vacuum is due.
UNMAPPED_SHARE = 0.5


def vacuum_unmapped_tables(engine: Engine) -> list[str]:
    """VACUUM (ANALYZE) the tables most of whose pages are not marked all-visible; returns
    their names. A migration that rewrites a table (a stored column added) leaves it without
    a visibility map, and autovacuum does not come back for a rewrite: until it does, the
    index-only scans the pages count customers with (0029, 0030) read every row's page. VACUUM
    cannot run inside the upgrade's transaction."""
    unmapped = text(
        """SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relpages > 0
             AND c.relallvisible < c.relpages * :share
           ORDER BY c.relname"""
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        tables = list(conn.execute(unmapped, {"share": UNMAPPED_SHARE}).scalars())
        for table in tables:
            conn.execute(text(f'VACUUM (ANALYZE) "{table}"'))
    return tables


def downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
