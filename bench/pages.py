"""Page latency at scale, measured the way a browser asks: `python manage.py bench --lines N`.

For a database of N demo lines (built once, then reused: `bench_<N>` on the configured server),
this starts the app twice under gunicorn, ours and a naive baseline (QUERY_ROUTER=facts: every
query a plain GROUP BY over the fact table), and replays every page's data callbacks
(POST /_dash-update-component, bench/replay.py) for a fixed, seeded set of filters:

0. both apps warmed with a few filters outside the timed set (warm_up_states),
1. naive pass (also warms the database),
2. ours with the result cache cold (distinct filters, empty cache),
3. ours again with the same requests (cache hits).

Every answer of ours must equal the naive answer for the same request; the report says
whether all did, and lists the first differences.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests
from sqlalchemy import create_engine, make_url, text

from bench.replay import PAGES, CallbackRequest, page_requests

ROOT = Path(__file__).resolve().parents[1]
GUNICORN_COMMAND = [str(Path(sys.executable).with_name("gunicorn")), "app:server"]  # the Procfile's
# The shop: ~100k customers whatever the lines (130k over the simulated 7 years, of
# whom ~100k buy in the 5 visible ones), so 10M lines means loyal customers, not 1.4M of them.
BENCH_CUSTOMERS = 130_000
DIMENSIONS = {"segment": "segment", "region": "region", "category": "category", "store": "store"}


def bench_database(lines: int, years: int = 5) -> str:
    """URL of `bench_<lines>` on the configured server, with exactly `lines` demo lines."""
    from data_access.db import database_url
    from ingest.demo_load import load_demo
    from ingest.migrate import migrate

    server = make_url(database_url())
    name = f"bench_{lines}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(database=name)
    engine = create_engine(url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            present = conn.execute(text("SELECT count(*) FROM order_lines")).scalar_one()
        if present != lines:
            print(f"building {name}: {lines:,} demo lines over {years} years…", flush=True)
            load_demo(engine, lines, seed=42, years=years, replace=True, end_date=None, max_customers=BENCH_CUSTOMERS)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


def free_port() -> int:
    """A loopback port nobody listens on (for the app, Redis or a test server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen

    def rss_mb(self) -> float:
        """Largest resident memory of one worker (what a worker costs whatever the data)."""
        workers = psutil.Process(self.process.pid).children()
        return max((w.memory_info().rss for w in workers), default=0) / 1e6


def _exit_on_sigterm(signum, _frame) -> None:
    raise SystemExit(128 + signum)


@contextmanager
def app_server(database_url: str, workdir: Path, extra_env: dict[str, str]) -> Iterator[AppServer]:
    """`gunicorn app:server` (the Procfile) on a free loopback port with its own DATA_DIR
    (cache, logs in workdir/gunicorn.log); no Redis unless extra_env names one. Stopped on
    leaving, and when this process is asked to stop (SIGTERM): by default that ended the
    process at once, and the app lived on (idle, ~225 MB)."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(workdir),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        **extra_env,
    }
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(GUNICORN_COMMAND, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the app did not start: see {workdir / 'gunicorn.log'}")
            try:
                if requests.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or its first answer is slow on a busy machine: ask again
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not answer /healthz within 2 minutes")
            time.sleep(0.3)
        yield AppServer(url, process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def seeded_filters(count: int, options: dict[str, list[str]], first: str, last: str, seed: int = 5) -> list[dict]:
    """Filter states as the filter bar stores them: any date range, now and then 1–2 values of
    a dimension (the mix managers use: mostly dates, sometimes a segment or category)."""
    import datetime as dt

    rng = random.Random(seed)
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    span = (end - start).days
    states: list[dict] = []
    while len(states) < count:  # distinct, so the first pass of ours is all cache misses
        length = rng.choice([7, 30, 90, 365, span])
        begin = start + dt.timedelta(days=rng.randint(0, max(0, span - length)))
        finish = min(end, begin + dt.timedelta(days=length))
        state = {"period": "custom", "from": begin.isoformat(), "to": finish.isoformat()}
        for key in DIMENSIONS:
            values = options[key]
            pick = rng.random() < 0.25 and values
            state[key] = sorted(rng.sample(values, k=min(len(values), rng.choice([1, 2])))) if pick else []
        if state not in states:
            states.append(state)
    return states


def _options(database_url: str) -> tuple[dict[str, list[str]], str, str]:
    engine = create_engine(database_url)
    queries = {
        "segment": "SELECT DISTINCT segment FROM customers WHERE segment IS NOT NULL",
        "region": "SELECT DISTINCT region FROM customers WHERE region IS NOT NULL",
        "category": "SELECT DISTINCT category FROM products",
        "store": "SELECT DISTINCT name FROM stores",
    }
    with engine.connect() as conn:
        options = {key: conn.execute(text(sql)).scalars().all() for key, sql in queries.items()}
        first, last = conn.execute(text("SELECT min(order_date), max(order_date) FROM orders")).one()
    engine.dispose()
    return {k: sorted(v) for k, v in options.items()}, first.isoformat(), last.isoformat()


def warm_up_states(options: dict[str, list[str]], first: str, last: str, timed: list[dict]) -> list[dict]:
    """Filters for each app's first requests, none of them timed. A worker that has just started
    opens its database connections, whose server processes load the catalog of every table
    they touch, and runs code for the first time: the first timed requests paid for it (at 10M
    lines the overview's first answer ~0.65-1.1 s, ~0.16 s in process once warm), where an app
    that has been up a while has long done it. Short ranges at both ends of the data, with and
    without a value of each dimension, so the naive app warms in seconds too; the timed
    filters still miss the result cache (any of these among them is left out)."""
    import datetime as dt

    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    none = {key: [] for key in DIMENSIONS}
    one_of_each = {key: options[key][:1] for key in DIMENSIONS}
    ranges = [
        (end - dt.timedelta(days=30), end, none),
        (end - dt.timedelta(days=7), end, one_of_each),
        (start, start + dt.timedelta(days=30), none),
        (end - dt.timedelta(days=44), end - dt.timedelta(days=30), one_of_each),
    ]
    states = [{"period": "custom", "from": a.isoformat(), "to": b.isoformat(), **dims} for a, b, dims in ranges]
    return [state for state in states if state not in timed]


@dataclass
class Timings:
    cold_ms: list[float] = field(default_factory=list)
    cached_ms: list[float] = field(default_factory=list)
    naive_ms: list[float] = field(default_factory=list)


class Replayer:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()

    def post(self, path: str, body: dict):
        response = self.session.post(self.url + path, json=body, timeout=3600)
        return response.status_code, (response.json() if response.content else None)

    def requests_per_state(self, states: list[dict]) -> list[list[CallbackRequest]]:
        """Every page's data callback requests for each state, one list per state."""
        dependencies = self.session.get(self.url + "/_dash-dependencies", timeout=30).json()
        return [
            [
                request
                for path, prefix in PAGES.items()
                for request in page_requests(self.post, dependencies, path, prefix, state)
            ]
            for state in states
        ]

    def requests_for(self, states: list[dict]) -> list[CallbackRequest]:
        return [request for requests_of_state in self.requests_per_state(states) for request in requests_of_state]

    def timed(self, request: CallbackRequest) -> tuple[float, object, bool]:
        """(ms, the answer, whether it redrew anything: 204 is Dash's 'nothing to update')."""
        started = time.perf_counter()
        status, body = self.post("/_dash-update-component", request.body)
        elapsed = (time.perf_counter() - started) * 1000
        if status not in (200, 204):
            raise RuntimeError(f"{request.page} {request.output} answered {status}")
        return elapsed, (body or {}).get("response"), status == 200


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def differences(ours: dict, naive: dict) -> list[str]:
    """Request keys whose answers differ (a speed-up that changes a number is a bug)."""
    return [key for key in ours if ours[key] != naive.get(key)]


def run(lines: int, filters: int = 50, years: int = 5) -> dict:
    url = bench_database(lines, years)
    options, first, last = _options(url)
    states = seeded_filters(filters, options, first, last)
    timings: dict[str, Timings] = {path: Timings() for path in PAGES}
    ours_answers: dict[str, object] = {}
    naive_answers: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as folder:
        ours_dir, naive_dir, warmer_dir = Path(folder, "ours"), Path(folder, "naive"), Path(folder, "warmer")
        for workdir in (ours_dir, naive_dir, warmer_dir):
            workdir.mkdir()
        # No query or worker time limit: at 10M lines the baseline's queries take minutes, and a
        # cancelled query would be timed and compared as if it were an answer.
        unlimited = {"STATEMENT_TIMEOUT_MS": "3600000", "WEB_TIMEOUT_S": "3600"}
        with (
            app_server(url, ours_dir, unlimited) as ours,
            app_server(url, naive_dir, unlimited | {"QUERY_ROUTER": "facts"}) as naive,
            app_server(url, warmer_dir, unlimited) as warmer,
        ):
            ours_client, naive_client, warmer_client = Replayer(ours.url), Replayer(naive.url), Replayer(warmer.url)
            per_state = ours_client.requests_per_state(states)
            plan = [request for requests_of_state in per_state for request in requests_of_state]
            state_of = [
                state for state, requests_of_state in zip(states, per_state, strict=True) for _ in requests_of_state
            ]
            for request in ours_client.requests_for(warm_up_states(options, first, last, states)):
                naive_client.timed(request)
                ours_client.timed(request)
            # A callback with nothing to redraw for a filter (the RFM group list when no group
            # is chosen) answers 204 at once: not a page answer, so not timed, still compared.
            drawn = []
            for n, request in enumerate(plan):
                ms, naive_answers[f"{n}"], redrew = naive_client.timed(request)
                if redrew:
                    drawn.append(n)
                    timings[request.page].naive_ms.append(ms)
            # "Result cache cold, database warm": the naive pass reads the fact table and spills
            # to temporary files (at 10M lines up to 44 GB), which pushes the rollups ours reads
            # out of PostgreSQL's buffers and the OS cache, as whatever ran before the bench
            # (another database) may have. An app with a result cache of its own replays the
            # plan first, so the database holds what ours reads, as in an app that has been up
            # a while, and ours still misses its cache. At 1M lines after the 10M database had
            # been read, p95 of the overview 232 -> 57 ms and of the customers 238 -> 142 ms.
            for request in plan:
                warmer_client.timed(request)
            cold_at: dict[int, float] = {}
            for n, request in enumerate(plan):
                ms, ours_answers[f"{n}"], _ = ours_client.timed(request)
                if n in drawn:
                    timings[request.page].cold_ms.append(ms)
                    cold_at[n] = ms
            for n in drawn:
                ms, _, _ = ours_client.timed(plan[n])
                timings[plan[n].page].cached_ms.append(ms)
            rss = ours.rss_mb()
    mismatched = differences(ours_answers, naive_answers)
    pages = {}
    for path, t in timings.items():
        name = PAGES[path].rstrip("-")
        p50, naive_p50 = statistics.median(t.cold_ms), statistics.median(t.naive_ms)
        pages[name] = {
            "requests": len(t.cold_ms),
            "p50_ms": round(p50, 1),
            "p95_ms": round(_percentile(t.cold_ms, 0.95), 1),
            "cached_p50_ms": round(statistics.median(t.cached_ms), 1),
            "cached_p95_ms": round(_percentile(t.cached_ms, 0.95), 1),
            "naive_p50_ms": round(naive_p50, 1),
            "naive_p95_ms": round(_percentile(t.naive_ms, 0.95), 1),
            "ratio": round(naive_p50 / p50, 2) if p50 else None,
            "slowest": _slowest(path, cold_at, plan, state_of),
        }
    return {
        "lines": lines,
        "filters": filters,
        "equal": not mismatched,
        "mismatches": [plan[int(k)].page + " " + plan[int(k)].output for k in mismatched[:10]],
        "pages": pages,
        "rss_mb": round(rss, 1),
        "machine": {"cpus": os.cpu_count(), "ram_gb": round(psutil.virtual_memory().total / 1e9, 1)},
    }


def _slowest(path: str, cold_at: dict[int, float], plan: list[CallbackRequest], states: list[dict]) -> list[dict]:
    """The page's three slowest cold answers (what its p95 is made of): milliseconds, the
    callback's first output and the filter (states[n]: request n's), dimensions left out when empty."""
    mine = sorted(((ms, n) for n, ms in cold_at.items() if plan[n].page == path), reverse=True)[:3]
    return [
        {
            "ms": round(ms, 1),
            "callback": plan[n].output.strip(".").split("...")[0],
            "filter": {key: value for key, value in states[n].items() if value and key != "period"},
        }
        for ms, n in mine
    ]


def table(report: dict) -> str:
    header = "page        requests  p50 ms  p95 ms  cached p95  naive p50  naive/ours"
    rows = [header, "-" * len(header)]
    for name, p in report["pages"].items():
        rows.append(
            f"{name:<11} {p['requests']:>8}  {p['p50_ms']:>6}  {p['p95_ms']:>6}  {p['cached_p95_ms']:>10}"
            f"  {p['naive_p50_ms']:>9}  {p['ratio']!s:>10}"
        )
    rows.append(f"lines {report['lines']:,}; worker RSS {report['rss_mb']} MB; equal to naive: {report['equal']}")
    for name, p in report["pages"].items():
        for answer in p.get("slowest", []):
            named = {key: ",".join(v) if isinstance(v, list) else v for key, v in answer["filter"].items()}
            where = " ".join(f"{key}={value}" for key, value in named.items())
            rows.append(f"  slow {name}: {answer['ms']} ms {answer['callback']} ({where})")
    return "\n".join(rows)


def write(report: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
