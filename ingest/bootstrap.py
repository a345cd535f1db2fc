"""Start-up for `make run`: reach the database (embedded by default), migrate, add demo data."""

from __future__ import annotations

import logging

from sqlalchemy import text

from data_access.db import get_engine
from data_access.settings import get_settings
from ingest.demo_load import load_demo
from ingest.migrate import migrate

log = logging.getLogger(__name__)


def prepare_database(load_demo_if_empty: bool = True) -> None:
    """Idempotent: migrations are no-ops when current; demo data only into an empty database."""
    settings = get_settings()
    engine = get_engine()
    migrate(engine)
    with engine.connect() as conn:
        has_orders = conn.execute(text("SELECT EXISTS (SELECT 1 FROM orders)")).scalar_one()
    if has_orders or not load_demo_if_empty or settings.demo_lines <= 0:
        return
    log.warning("empty database: loading %s lines of demo data (about a minute per million)", settings.demo_lines)
    counts = load_demo(engine, lines=settings.demo_lines, seed=42, years=2)
    log.warning("demo data loaded: %s", counts)
