"""Bulk-load helpers shared by every writer: COPY a frame, record the import, bump the data version."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text


def cents_to_text(cents: np.ndarray) -> pd.Series:
    """Integer cents -> exact decimal text ('-12.05'), so money never passes through a float."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    whole, frac = np.divmod(np.abs(cents), 100)
    return pd.Series(sign) + pd.Series(whole).astype(str) + "." + pd.Series(frac).astype(str).str.zfill(2)


def copy_frame(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """COPY frame into table (columns by name) on this connection's transaction; return row count."""
    buffer = io.StringIO()
    # Tab-separated text format; \N is NULL. Our generated text never holds tabs or newlines.
    frame.to_csv(buffer, sep="\t", header=False, index=False, na_rep="\\N")
    columns = ", ".join(frame.columns)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(buffer.getvalue())
    return len(frame)


def copy_rows(conn: Connection, table: str, columns: tuple[str, ...], rows) -> None:
    """COPY Python values (str, Decimal, date, bool, None) with psycopg's own escaping: the safe
    path for text from real files (quotes, tabs, backslashes)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def next_key(conn: Connection, table: str, key: str) -> int:
    return conn.execute(text(f"SELECT coalesce(max({key}), 0) + 1 FROM {table}")).scalar_one()


def sync_identity(conn: Connection, table: str, key: str) -> None:
    """After COPY with explicit keys, move the identity sequence past them."""
    conn.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), "
            f"(SELECT coalesce(max({key}), 0) + 1 FROM {table}), false)"
        )
    )


def record_import(conn: Connection, source: str, file_name: str, rows: int, user: str | None) -> int:
    return conn.execute(
        text(
            "INSERT INTO imports (source, file_name, rows_read, rows_loaded, user_name, finished_at) "
            "VALUES (:source, :file_name, :rows, :rows, :user, now()) RETURNING import_id"
        ),
        {"source": source, "file_name": file_name, "rows": rows, "user": user},
    ).scalar_one()


def bump_data_version(conn: Connection) -> int:
    """Called inside every load's transaction: caches key on the version, pages show loaded_at."""
    return conn.execute(
        text("UPDATE data_state SET version = version + 1, loaded_at = now() RETURNING version")
    ).scalar_one()
