"""One frozen Settings object, read from the environment once; nothing else reads os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

# Each setting: environment variable, default, one line of help. The README table is
# generated from this list (`python manage.py settings`), so the two never disagree.
SETTINGS_HELP: dict[str, tuple[str, str]] = {
    "database_url": ("", "PostgreSQL URL; unset = start the embedded server under DATA_DIR"),
    "data_dir": ("./.data", "folder for the embedded PostgreSQL data and the file cache"),
    "redis_url": ("", "Redis URL for the shared cache; unset = file cache under DATA_DIR"),
    "secret_key": ("", "signs session cookies; required in production"),
    "host": ("127.0.0.1", "address the web server binds to"),
    "port": ("8050", "port the web server listens on"),
    "business_timezone": ("UTC", "IANA time zone that defines calendar days, weeks and months"),
    "currency": ("USD", "ISO 4217 code of the one currency all money is in"),
    "locale": ("en_US", "locale for number and money formatting, e.g. de_DE, en_GB"),
    "cache_timeout_s": ("3600", "seconds a cached query result may live (a new load invalidates it)"),
    "statement_timeout_ms": ("15000", "heavier queries are cancelled after this many ms"),
    "demo_lines": ("200000", "order lines of demo data loaded into an empty database at start"),
    "web_workers": ("2", "gunicorn worker processes (about one per CPU core)"),
    "web_threads": ("4", "threads per gunicorn worker"),
    "web_timeout_s": ("60", "gunicorn restarts a worker stuck on one request this long"),
    "session_hours": ("12", "a login lasts this many hours"),
    "trusted_proxies": ("0", "reverse proxies in front whose X-Forwarded-For/-Proto headers are believed"),
    "metrics_token": ("", "bearer token for /metrics; unset = /metrics answers internal addresses only"),
    "log_level": ("info", "log level under gunicorn (JSON lines with request ids)"),
    "query_router": ("rollups", "rollups = pre-aggregated tables where they can answer; facts = the fact table only"),
}


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    data_dir: Path = Path("./.data")
    redis_url: str = ""
    secret_key: str = ""
    host: str = "127.0.0.1"
    port: int = 8050
    business_timezone: str = "UTC"
    currency: str = "USD"
    locale: str = "en_US"
    cache_timeout_s: int = 3600
    statement_timeout_ms: int = 15000
    demo_lines: int = 200000
    web_workers: int = 2
    web_threads: int = 4
    web_timeout_s: int = 60
    session_hours: int = 12
    trusted_proxies: int = 0
    metrics_token: str = ""
    log_level: str = "info"
    query_router: str = "rollups"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)

    @property
    def uses_embedded_database(self) -> bool:
        return not self.database_url

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            default, _help = SETTINGS_HELP[f.name]
            raw = env.get(f.name.upper(), default)
            values[f.name] = _convert(f.name, raw)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        try:
            ZoneInfo(self.business_timezone)
        except Exception as exc:  # ZoneInfo raises several types for bad names
            raise ValueError(f"BUSINESS_TIMEZONE {self.business_timezone!r} is not a time zone") from exc
        if self.query_router not in ("rollups", "facts"):
            raise ValueError(f"QUERY_ROUTER must be rollups or facts, not {self.query_router!r}")
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise ValueError(f"CURRENCY {self.currency!r} is not an ISO 4217 code like USD or EUR")


INTEGER_SETTINGS = {
    "port",
    "cache_timeout_s",
    "statement_timeout_ms",
    "demo_lines",
    "web_workers",
    "web_threads",
    "web_timeout_s",
    "session_hours",
    "trusted_proxies",
}


def _convert(name: str, raw: str):
    try:
        if name in INTEGER_SETTINGS:
            return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name.upper()}={raw!r} is not a whole number") from exc
    if name == "data_dir":
        return Path(raw).expanduser().resolve()
    if name == "currency":
        return raw.upper()
    return raw


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call get_settings.cache_clear() after changing env."""
    return Settings.from_env()
