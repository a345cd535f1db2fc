"""Row-level limits: which customers' data the person asking may see.

A viewer may be limited to some segments and/or regions. The limit is applied by the one WHERE
builder (filters.where_sql) and is part of every cache key (cache.cached_query), so no page can
forget it and one person's cached result never reaches another.

Inside a web request the scope comes from flask.g, set by the login guard for that request
only; a request without one is refused rather than shown everything. Outside requests (the
command line, background imports, tests) the scope is unrestricted unless set with row_scope().
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask import g, has_request_context


class ScopeMissing(PermissionError):
    """A web request reached data access without the login guard deciding what it may see."""


@dataclass(frozen=True)
class RowScope:
    """Empty tuple = no limit on that dimension."""

    segments: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "segments", tuple(sorted(set(self.segments))))
        object.__setattr__(self, "regions", tuple(sorted(set(self.regions))))

    def allows(self, dimension: str, value: str) -> bool:
        limit = getattr(self, dimension, ())
        return not limit or value in limit

    def describe(self) -> str:
        parts = [f"{name} {', '.join(values)}" for name, values in self.limits().items()]
        return "; ".join(parts) if parts else "all data"

    def limits(self) -> dict[str, tuple[str, ...]]:
        """{"segments": (...), "regions": (...)} for the limited dimensions only."""
        return {name: getattr(self, name) for name in ("segments", "regions") if getattr(self, name)}


UNRESTRICTED = RowScope()
_outside_requests: ContextVar[RowScope] = ContextVar("row_scope", default=UNRESTRICTED)


def set_request_scope(scope: RowScope) -> None:
    """Called by the login guard once per request, before any callback runs."""
    g.row_scope = scope


def current_scope() -> RowScope:
    if has_request_context():
        scope = g.get("row_scope")
        if scope is None:
            raise ScopeMissing("this request has no access scope; refusing to read data")
        return scope
    return _outside_requests.get()


@contextmanager
def row_scope(scope: RowScope) -> Iterator[None]:
    """Limit data access outside a request (tests, command line)."""
    token = _outside_requests.set(scope)
    try:
        yield
    finally:
        _outside_requests.reset(token)
