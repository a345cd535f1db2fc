"""Consume a Redis stream of orders into PostgreSQL: batched, idempotent, acknowledged after commit.

Delivery is at-least-once (Redis consumer groups); storing is exactly-once because each batch
is one transaction that also records its event ids, and an event already recorded, or older
than the version of its order already stored, changes nothing. A message is acknowledged only
after the transaction that stored it (or dead-lettered it) has committed.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import redis
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from data_access.settings import get_settings
from ingest import bulk
from ingest.file_import import load_lines
from ingest.live_events import BadMessage, OrderEvent, lines_frame, parse_event

log = logging.getLogger(__name__)

DEFAULT_STREAM, DEFAULT_GROUP, DEFAULT_SOURCE = "sales", "dashboard", "live"
BATCH = 500
CLAIM_IDLE_MS = 30_000  # a message pending this long belongs to a consumer presumed dead


def dead_stream(stream: str) -> str:
    return f"{stream}:dead"


def stats_key(stream: str) -> str:
    return f"{stream}:stats"


@dataclass
class BatchResult:
    stored: int = 0  # orders written (new or replacing)
    skipped: int = 0  # duplicates and superseded versions
    dead: int = 0


@dataclass
class Consumer:
    engine: Engine
    redis: redis.Redis
    stream: str = DEFAULT_STREAM
    group: str = DEFAULT_GROUP
    name: str = field(default_factory=socket.gethostname)
    source: str = DEFAULT_SOURCE
    batch: int = BATCH
    claim_idle_ms: int = CLAIM_IDLE_MS
    after_commit: Callable[[], None] = lambda: None  # tests inject a crash between commit and ack
    import_id: int | None = None  # this run's row in the import history, made with its first batch

    def ensure_group(self) -> None:
        try:
            self.redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def run(self, should_stop: Callable[[], bool] = lambda: False, block_ms: int = 1000) -> None:
        """Until should_stop(): our own unacknowledged messages first (after a restart), then
        those a dead consumer left pending, then new ones."""
        self.ensure_group()
        backlog = True
        while not should_stop():
            try:
                if backlog:
                    messages = self._read("0", block_ms=None)
                    backlog = bool(messages)
                else:
                    messages = self._claim() or self._read(">", block_ms)
                if messages:
                    self.process(messages)
            except OperationalError:
                log.exception("database unavailable; retrying the same messages in 2 s")
                backlog = True
                time.sleep(2)

    def drain(self) -> None:
        """Process everything currently in the stream, then return (tests, benchmark)."""
        self.ensure_group()
        while True:
            messages = self._read("0", block_ms=None) or self._read(">", block_ms=None)
            if not messages:
                return
            self.process(messages)

    def _read(self, start: str, block_ms: int | None) -> list[tuple[str, dict]]:
        reply = self.redis.xreadgroup(self.group, self.name, {self.stream: start}, count=self.batch, block=block_ms)
        return [(i, f) for _, entries in reply or [] for i, f in entries if f]

    def _claim(self) -> list[tuple[str, dict]]:
        reply = self.redis.xautoclaim(
            self.stream, self.group, self.name, min_idle_time=self.claim_idle_ms, start_id="0-0", count=self.batch
        )
        return [(i, f) for i, f in reply[1] if f]

    def process(self, messages: list[tuple[str, dict]]) -> BatchResult:
        """Store a batch in one transaction; a batch the database refuses is retried one message
        at a time, so one poisoned message cannot hold back the others."""
        events, dead, fields_of = [], [], dict(messages)
        for entry_id, fields in messages:
            try:
                events.append(parse_event(entry_id, fields, self.source))
            except BadMessage as exc:
                dead.append((entry_id, fields, str(exc)))
        try:
            result = self._store(events)
        except DBAPIError as exc:
            if isinstance(exc, OperationalError) or len(events) == 1:
                raise
            log.warning("batch refused (%s); storing its %d messages one by one", exc.orig, len(events))
            result = BatchResult()
            for event in events:
                try:
                    one = self._store([event])
                    result.stored, result.skipped = result.stored + one.stored, result.skipped + one.skipped
                except DBAPIError as single:
                    if isinstance(single, OperationalError):
                        raise
                    dead.append((event.entry_id, fields_of[event.entry_id], f"refused by the database: {single.orig}"))
        self.after_commit()
        for entry_id, fields, reason in dead:
            self.redis.xadd(
                dead_stream(self.stream),
                {**fields, "reason": reason, "original_id": entry_id, "consumer": self.name},
            )
        pipe = self.redis.pipeline()
        pipe.xack(self.stream, self.group, *[entry_id for entry_id, _ in messages])
        pipe.hincrby(stats_key(self.stream), "stored", result.stored)
        pipe.hincrby(stats_key(self.stream), "skipped", result.skipped)
        pipe.hincrby(stats_key(self.stream), "dead", len(dead))
        pipe.execute()
        result.dead = len(dead)
        if dead:
            log.warning("%d message(s) sent to %s", len(dead), dead_stream(self.stream))
        return result

    def _store(self, events: list[OrderEvent]) -> BatchResult:
        result = BatchResult()
        import_id = self.import_id
        with self.engine.begin() as conn:
            fresh = _not_yet_stored(conn, events)
            result.skipped = len(events) - len(fresh)
            if fresh:
                if import_id is None:
                    import_id = bulk.record_import(
                        conn, self.source, f"live feed: stream {self.stream}, consumer {self.name}", 0, user=None
                    )
                for source in sorted({e.source for e in fresh}):
                    batch = [e for e in fresh if e.source == source]
                    load_lines(conn, lines_frame(batch, get_settings().tz), source, import_id)
                conn.execute(
                    text("UPDATE imports SET rows_read = rows_read + :n, rows_loaded = rows_loaded + :n, "
                         "finished_at = now() WHERE import_id = :i"),
                    {"n": sum(len(e.lines) for e in fresh), "i": import_id},
                )  # fmt: skip
                bulk.bump_data_version(conn, newest_event=max(e.ordered_at for e in fresh))
            _remember(conn, events, fresh)
            result.stored = len(fresh)
        self.import_id = import_id  # only once committed: a rolled-back batch takes its row with it
        return result


def _not_yet_stored(conn, events: list[OrderEvent]) -> list[OrderEvent]:
    """Drop events already stored (redelivery), and all but the newest version of each order,
    including versions older than the one the database already holds (a late claim)."""
    if not events:
        return []
    known = set(
        conn.execute(
            text("SELECT event_id FROM live_events WHERE event_id = ANY(:ids)"), {"ids": [e.event_id for e in events]}
        ).scalars()
    )
    newest: dict[tuple[str, str], OrderEvent] = {}
    for event in events:
        key = (event.source, event.order_id)
        if event.event_id not in known and (key not in newest or event.entry_key > newest[key].entry_key):
            newest[key] = event
    if not newest:
        return []
    stored = {
        (r.source, r.order_id): (r.entry_ms, r.entry_seq)
        for r in conn.execute(
            text(
                "SELECT source, order_id, entry_ms, entry_seq FROM live_orders "
                "WHERE (source, order_id) IN (SELECT * FROM unnest(CAST(:s AS text[]), CAST(:o AS text[])))"
            ),
            {"s": [k[0] for k in newest], "o": [k[1] for k in newest]},
        )
    }
    return [e for k, e in newest.items() if k not in stored or e.entry_key > stored[k]]


def _remember(conn, events: list[OrderEvent], fresh: list[OrderEvent]) -> None:
    unique = {e.event_id: e for e in events}
    if unique:
        conn.execute(
            text(
                "INSERT INTO live_events (event_id, source, order_id, entry_id) "
                "SELECT * FROM unnest(CAST(:e AS text[]), CAST(:s AS text[]), CAST(:o AS text[]), CAST(:i AS text[])) "
                "ON CONFLICT (event_id) DO NOTHING"
            ),
            {
                "e": list(unique),
                "s": [e.source for e in unique.values()],
                "o": [e.order_id for e in unique.values()],
                "i": [e.entry_id for e in unique.values()],
            },
        )
    if fresh:
        conn.execute(
            text(
                "INSERT INTO live_orders (source, order_id, entry_ms, entry_seq) "
                "SELECT * FROM unnest(CAST(:s AS text[]), CAST(:o AS text[]), CAST(:m AS bigint[]), "
                "CAST(:q AS bigint[])) ON CONFLICT (source, order_id) DO UPDATE "
                "SET entry_ms = EXCLUDED.entry_ms, entry_seq = EXCLUDED.entry_seq"
            ),
            {
                "s": [e.source for e in fresh],
                "o": [e.order_id for e in fresh],
                "m": [e.entry_key[0] for e in fresh],
                "q": [e.entry_key[1] for e in fresh],
            },
        )


def publish(client: redis.Redis, order: dict, stream: str = DEFAULT_STREAM) -> str:
    """Add one order message (the format of docs/live-feed.md); returns its stream id."""
    return client.xadd(stream, {"order": json.dumps(order, default=str)})


def dead_letters(client: redis.Redis, stream: str = DEFAULT_STREAM, count: int = 100) -> list[tuple[str, dict]]:
    return client.xrange(dead_stream(stream), count=count)


def requeue(client: redis.Redis, ids: list[str] | None, stream: str = DEFAULT_STREAM) -> int:
    """Publish dead letters again (after the publisher or the data was fixed); all when ids is None."""
    entries = (
        client.xrange(dead_stream(stream))
        if ids is None
        else [e for i in ids for e in client.xrange(dead_stream(stream), i, i)]
    )
    for entry_id, fields in entries:
        original = {k: v for k, v in fields.items() if k not in ("reason", "original_id", "consumer")}
        client.xadd(stream, original)
        client.xdel(dead_stream(stream), entry_id)
    return len(entries)


class FeedNotConfigured(Exception):
    """No Redis to read the feed from."""


def redis_client(url: str | None = None) -> redis.Redis:
    url = url or get_settings().redis_url
    if not url:
        raise FeedNotConfigured("the live feed needs Redis: set REDIS_URL (e.g. redis://localhost:6379/0)")
    return redis.Redis.from_url(url, decode_responses=True)
