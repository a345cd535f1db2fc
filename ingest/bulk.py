"""Bulk-load helpers shared by every writer: COPY a frame, record the import, bump the data version."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, text


def cents_to_text(cents: np.ndarray) -> pd.Series:
    """Integer cents -> exact decimal text ('-12.05'), so money never passes through a float."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    whole, frac = np.divmod(np.abs(cents), 100)
    return pd.Series(sign) + pd.Series(whole).astype(str) + "." + pd.Series(frac).astype(str).str.zfill(2)


def copy_csv(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """COPY any frame (text from real files included: quotes, tabs, backslashes, newlines) in CSV
    format, written by Arrow's C++ writer (several times faster than pandas' to_csv). Missing
    values and empty strings both arrive as NULL."""
    buffer = pa.BufferOutputStream()
    table_data = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table_data, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    raw = conn.connection.driver_connection
    statement = f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(buffer.getvalue())
    return len(frame)


def reserve_keys(conn: Connection, table: str, key: str, count: int) -> np.ndarray:
    """count consecutive new keys, taken from the table's identity sequence in one step.

    Sequences are not transactional, so the block is ours at once and stays ours. The advisory
    lock keeps two writers from interleaving between nextval and setval; every writer of the
    fact tables takes its keys here (a nextval per row cost more than the COPY it fed)."""
    if count == 0:
        return np.empty(0, dtype=np.int64)
    sequence = f"pg_get_serial_sequence('{table}', '{key}')"
    lock = {"lock": f"reserve_keys:{table}"}
    conn.execute(text("SELECT pg_advisory_lock(hashtext(:lock))"), lock)
    try:
        last = conn.execute(text(f"SELECT setval({sequence}, nextval({sequence}) + :n - 1)"), {"n": count}).scalar_one()
    finally:
        conn.execute(text("SELECT pg_advisory_unlock(hashtext(:lock))"), lock)
    return np.arange(last - count + 1, last + 1, dtype=np.int64)


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


def record_import(
    conn: Connection, source: str, file_name: str, rows: int, user: str | None, file_hash: str | None = None
) -> int:
    return conn.execute(
        text(
            "INSERT INTO imports (source, file_name, file_hash, rows_read, rows_loaded, user_name, finished_at) "
            "VALUES (:source, :file_name, :file_hash, :rows, :rows, :user, now()) RETURNING import_id"
        ),
        {"source": source, "file_name": file_name, "file_hash": file_hash, "rows": rows, "user": user},
    ).scalar_one()


def delete_orders(conn: Connection, condition: str, params: dict) -> int:
    """Delete the orders matching condition (SQL over orders' columns) with their lines, which no
    cascading FK removes since migration 0003; returns how many orders."""
    conn.execute(
        text(f"DELETE FROM order_lines WHERE order_key IN (SELECT order_key FROM orders WHERE {condition})"), params
    )
    return conn.execute(text(f"DELETE FROM orders WHERE {condition}"), params).rowcount


def bump_data_version(conn: Connection, newest_event: dt.datetime | None = None) -> int:
    """Called inside every load's transaction: caches key on the version; "data as of" becomes
    now for a file load, and the newest event's time for a live-feed batch."""
    return conn.execute(
        text(
            "UPDATE data_state SET version = version + 1, loaded_at = now(), "
            "as_of = CASE WHEN CAST(:event AS timestamptz) IS NULL THEN now() "
            "ELSE greatest(as_of, CAST(:event AS timestamptz)) END RETURNING version"
        ),
        {"event": newest_event},
    ).scalar_one()
