"""flask-caching memoize keyed on the arguments plus the data version every load bumps.

Why the version is in the key: a new import must show at once on every worker and host, and
a per-function delete would race with readers. Old entries simply expire (CACHE_TIMEOUT_S).
Every key also carries a digest of the code that computes answers (cache_generation): the
file cache outlives a restart and Redis a release, and a new release must not serve the old
one's answers.
The memoized name is the wrapped function's module + qualname, identical in every gunicorn
worker, so workers share entries (cf. vizro's data manager).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from flask import Flask, g, has_request_context
from flask_caching import Cache
from sqlalchemy import text

from data_access.access import current_scope
from data_access.db import get_engine
from data_access.instrumentation import count_cache
from data_access.settings import get_settings

cache = Cache()
CACHED_QUERIES: list[Callable] = []  # every query function, for tests that must cover them all
P = ParamSpec("P")
R = TypeVar("R")


ROOT = Path(__file__).resolve().parents[1]
# What a cached query result or page answer is computed by (data from the database aside).
ANSWER_CODE = ("app.py", "data_access", "components", "pages", "web")


@functools.cache
def code_digest(root: Path = ROOT) -> str:
    """Short digest of the Python sources under ANSWER_CODE (read once per process)."""
    digest = hashlib.sha256()
    for name in ANSWER_CODE:
        top = root / name
        for path in sorted(top.rglob("*.py")) if top.is_dir() else [top]:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cache_config() -> dict:
    settings = get_settings()
    config = {"CACHE_DEFAULT_TIMEOUT": settings.cache_timeout_s, "CACHE_KEY_PREFIX": "kpi:"}
    if settings.redis_url:
        return config | {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url}
    return config | {
        "CACHE_TYPE": "data_access.file_cache.WriteBehindFileSystemCache",
        "CACHE_DIR": str(settings.data_dir / "cache"),
        "CACHE_THRESHOLD": 20000,
    }


def init_cache(app: Flask | None = None) -> None:
    """Bind the cache to the Dash server's Flask app, or to a bare one for the CLI and tests."""
    cache.init_app(app or Flask("data_access"), config=cache_config())


def _ensure_cache() -> None:
    if getattr(cache, "app", None) is None:
        init_cache()


def data_state() -> tuple[int, dt.datetime | None]:
    """(version, loaded_at): one indexed single-row read, deliberately never cached."""
    with get_engine().connect() as conn:
        row = conn.execute(
            text("SELECT version, coalesce(as_of, loaded_at) AS loaded_at FROM data_state WHERE id = 1")
        ).one()
    return row.version, row.loaded_at


def request_data_version() -> int:
    """The data version, read once per web request: a callback's several queries then cost one
    round trip for it, and its figures all come from the same version of the data."""
    if not has_request_context():
        return data_state()[0]
    if "data_version" not in g:
        g.data_version = data_state()[0]
    return g.data_version


def cache_generation() -> str:
    """What every cached result and answer is keyed under besides its arguments: the code that
    computed it and the data version. (Not CACHE_KEY_PREFIX: the file cache ignores it.)"""
    return f"{code_digest()}:{request_data_version()}"


class _SingleFlight:
    """One computation per key at a time in this process: a thread asking for what another is
    computing waits for it, then reads the cache. A page fires its callbacks at once (the
    customers page's two both need new vs returning), and each computed the same cold answer,
    competing for the same two cores."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._flights: dict[str, list] = {}  # key -> [lock, threads using it]

    @contextmanager
    def __call__(self, key: str) -> Iterator[None]:
        with self._guard:
            flight = self._flights.setdefault(key, [threading.Lock(), 0])
            flight[1] += 1
        try:
            with flight[0]:
                yield
        finally:
            with self._guard:
                flight[1] -= 1
                if not flight[1]:
                    del self._flights[key]


_single_flight = _SingleFlight()


def cached_query(func: Callable[P, R]) -> Callable[P, R]:
    """Memoize a query function on its arguments, the current data version and the asker's
    row-level limits (two viewers with different limits never share an entry). Concurrent
    equal calls in one process compute once (_SingleFlight)."""

    def versioned(generation: str, scope, *args, **kwargs):
        this_call.missed = True  # memoize calls this only on a miss
        return func(*args, **kwargs)

    this_call = threading.local()  # gunicorn threads share the wrapper

    # memoize names entries by module + qualname: give the inner function the outer's name.
    versioned.__module__ = func.__module__
    versioned.__qualname__ = f"{func.__qualname__}@v"
    memoized = cache.memoize()(versioned)

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        _ensure_cache()
        generation = cache_generation()
        this_call.missed = False
        scope = current_scope()
        with _single_flight(f"{func.__module__}.{func.__qualname__}|{generation}|{scope!r}|{args!r}|{kwargs!r}"):
            result = memoized(generation, scope, *args, **kwargs)
        count_cache(hit=not this_call.missed)
        return result

    wrapper.uncached = func  # type: ignore[attr-defined]
    CACHED_QUERIES.append(wrapper)
    return wrapper
