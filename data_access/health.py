"""/healthz: is this process able to answer? (process up, database and cache reachable)"""

from __future__ import annotations

import time

from flask_caching import Cache
from sqlalchemy import Engine, text


def check_health(engine: Engine, cache: Cache) -> tuple[bool, dict[str, str]]:
    """(healthy, {"database": ..., "cache": ...}); each part says "ok" or why not, briefly
    (no connection strings or secrets: the endpoint is public for load balancers)."""
    parts = {"database": _database(engine), "cache": _cache(cache)}
    return all(v == "ok" for v in parts.values()), parts


def _database(engine: Engine) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(text("SET statement_timeout = 2000"))
            conn.execute(text("SELECT 1 FROM data_state")).scalar()
        return "ok"
    except Exception as exc:  # any failure means "not reachable"; the kind is enough to act on
        return f"unreachable ({type(exc).__name__})"


def _cache(cache: Cache) -> str:
    probe = f"{time.time():.6f}"
    try:
        cache.set("healthz:probe", probe, timeout=30)
        flush = getattr(cache.cache, "flush", None)  # the file cache writes behind: read it from disk
        if flush and not flush(timeout=5):
            return "not writing values"
        return "ok" if cache.get("healthz:probe") == probe else "not storing values"
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"
