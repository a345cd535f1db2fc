"""Import a shop export in one transaction: stage with COPY, upsert dimensions, replace orders.

Re-importing the same file changes nothing (file hash). A file that names orders already
loaded from the same source replaces those orders' lines instead of adding them twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, text

from data_access.settings import get_settings
from ingest import bulk
from ingest.files import ImportRejected, Mapping, detect_mapping, file_hash, load_mapping, read_table
from ingest.validate import normalize

STAGING_COLUMNS = (
    "row_no", "order_id", "order_date", "customer_id", "customer_name", "segment", "region", "city",
    "postal_code", "store", "product_id", "product_name", "category", "sub_category", "quantity",
    "unit_price", "discount", "net_amount", "profit", "cancelled", "line_no",
)  # fmt: skip


@dataclass
class ImportResult:
    mapping: Mapping
    rows_read: int = 0
    orders: int = 0
    replaced_orders: int = 0
    import_id: int | None = None
    already_imported_as: int | None = None
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


def import_file(
    engine: Engine,
    path: Path,
    mapping_path: Path | None = None,
    source: str = "import",
    dry_run: bool = False,
    user: str | None = None,
    mapping: Mapping | None = None,
) -> ImportResult:
    """Validate the whole file, then load it in one transaction (nothing at all if invalid).
    The mapping comes from mapping (the browser's editor), mapping_path (TOML) or the headers."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRejected(f"{path}: {exc.strerror}") from None
    given = mapping or (load_mapping(mapping_path) if mapping_path else None)
    frame = read_table(path, raw, given.options if given else {})
    mapping = given or detect_mapping(list(frame.columns))
    lines, warnings = normalize(frame, mapping, get_settings().tz)
    result = ImportResult(mapping, rows_read=len(lines), orders=lines.order_id.nunique(), warnings=warnings)
    digest = file_hash(raw)
    with engine.begin() as conn:
        earlier = conn.execute(
            text("SELECT import_id FROM imports WHERE source = :s AND file_hash = :h AND status = 'committed'"),
            {"s": source, "h": digest},
        ).scalar()
        if earlier is not None:
            result.already_imported_as = earlier
            return result
        if dry_run:
            result.dry_run = True
            return result
        result.import_id = _record(conn, source, path.name, digest, len(lines), user)
        result.replaced_orders = _load(conn, lines, source, result.import_id)
        bulk.bump_data_version(conn)
    return result


def _record(conn, source: str, name: str, digest: str, rows: int, user: str | None) -> int:
    return conn.execute(
        text(
            "INSERT INTO imports (source, file_name, file_hash, rows_read, rows_loaded, user_name, finished_at) "
            "VALUES (:s, :n, :h, :r, :r, :u, now()) RETURNING import_id"
        ),
        {"s": source, "n": name, "h": digest, "r": rows, "u": user},
    ).scalar_one()


def _load(conn, lines: pd.DataFrame, source: str, import_id: int) -> int:
    """Returns how many orders already there were replaced."""
    conn.execute(
        text(
            "CREATE TEMP TABLE staging (row_no int, order_id text, order_date date, customer_id text, "
            "customer_name text, segment text, region text, city text, postal_code text, store text, "
            "product_id text, product_name text, category text, sub_category text, quantity numeric, "
            "unit_price numeric, discount numeric, net_amount numeric, profit numeric, cancelled boolean, "
            "line_no int) ON COMMIT DROP"
        )
    )
    columns = lines[list(STAGING_COLUMNS)].astype(object).where(lines[list(STAGING_COLUMNS)].notna(), None)
    bulk.copy_rows(conn, "staging", STAGING_COLUMNS, columns.itertuples(index=False, name=None))
    conn.execute(text("ANALYZE staging"))  # temp tables get no statistics otherwise: bad join plans
    params = {"source": source, "import_id": import_id}
    replaced = 0
    for statement in LOAD_STATEMENTS:
        result = conn.execute(text(statement), params)
        if statement.lstrip().startswith("DELETE FROM orders"):
            replaced = result.rowcount
    return replaced


ORDER_COLUMNS = "order_key, source, order_id, customer_key, store_key, order_date, ordered_at, status, import_id"
LINE_COLUMNS = "order_key, line_no, product_key, quantity, unit_price, discount, net_amount, profit"

LOAD_STATEMENTS = (
    # Dimensions: new ones added, known ones keep their first name (a product id seen with two
    # names stays one product) but take newly given attributes.
    """INSERT INTO customers (source, customer_id, name, segment, region, city, postal_code)
       SELECT DISTINCT ON (customer_id) :source, customer_id, customer_name, coalesce(segment, 'Unknown'),
              coalesce(region, 'Unknown'), city, postal_code
       FROM staging WHERE customer_id IS NOT NULL ORDER BY customer_id, row_no
       ON CONFLICT (source, customer_id) DO UPDATE SET
           name = coalesce(customers.name, EXCLUDED.name),
           segment = CASE WHEN EXCLUDED.segment = 'Unknown' THEN customers.segment ELSE EXCLUDED.segment END,
           region = CASE WHEN EXCLUDED.region = 'Unknown' THEN customers.region ELSE EXCLUDED.region END,
           city = coalesce(EXCLUDED.city, customers.city),
           postal_code = coalesce(EXCLUDED.postal_code, customers.postal_code)""",
    """INSERT INTO products (source, product_id, name, category, sub_category, unit_price)
       SELECT DISTINCT ON (product_id) :source, product_id, product_name, coalesce(category, 'Uncategorized'),
              coalesce(sub_category, coalesce(category, 'Uncategorized')), unit_price
       FROM staging ORDER BY product_id, row_no
       ON CONFLICT (source, product_id) DO UPDATE SET
           category = CASE WHEN EXCLUDED.category = 'Uncategorized' THEN products.category ELSE EXCLUDED.category END,
           sub_category = CASE WHEN EXCLUDED.sub_category = 'Uncategorized'
                               THEN products.sub_category ELSE EXCLUDED.sub_category END""",
    """INSERT INTO stores (source, store_id, name)
       SELECT DISTINCT :source, store, store FROM staging WHERE store IS NOT NULL
       ON CONFLICT (source, store_id) DO NOTHING""",
    # Orders the file names again are replaced whole (their lines go with them: ON DELETE CASCADE).
    # The originals are kept, tagged with this import, so undoing it restores them exactly.
    f"""INSERT INTO replaced_orders (replaced_by, {ORDER_COLUMNS})
       SELECT :import_id, {ORDER_COLUMNS} FROM orders
       WHERE source = :source AND order_id IN (SELECT order_id FROM staging)""",
    f"""INSERT INTO replaced_order_lines (replaced_by, {LINE_COLUMNS})
       SELECT :import_id, {", ".join("l." + c for c in LINE_COLUMNS.split(", "))}
       FROM order_lines l JOIN orders o USING (order_key)
       WHERE o.source = :source AND o.order_id IN (SELECT order_id FROM staging)""",
    """DELETE FROM orders WHERE source = :source AND order_id IN (SELECT order_id FROM staging)""",
    """INSERT INTO orders (source, order_id, customer_key, store_key, order_date, status, import_id)
       SELECT :source, s.order_id, c.customer_key, st.store_key, s.order_date,
              CASE WHEN s.cancelled THEN 'cancelled' ELSE 'completed' END, :import_id
       FROM (SELECT order_id, (array_agg(customer_id ORDER BY row_no))[1] AS customer_id,
                    (array_agg(store ORDER BY row_no))[1] AS store, min(order_date) AS order_date,
                    bool_or(cancelled) AS cancelled
             FROM staging GROUP BY order_id) s
       LEFT JOIN customers c ON c.source = :source AND c.customer_id = s.customer_id
       LEFT JOIN stores st ON st.source = :source AND st.store_id = s.store""",
    """INSERT INTO order_lines (order_key, line_no, product_key, quantity, unit_price, discount, net_amount, profit)
       SELECT o.order_key, s.line_no, p.product_key, s.quantity, s.unit_price, s.discount, s.net_amount, s.profit
       FROM staging s
       JOIN orders o ON o.source = :source AND o.order_id = s.order_id
       JOIN products p ON p.source = :source AND p.product_id = s.product_id""",
)


UNDO_STATEMENTS = (
    # Put back what this import replaced, as it was.
    f"""INSERT INTO orders ({ORDER_COLUMNS})
        SELECT {ORDER_COLUMNS} FROM replaced_orders WHERE replaced_by = :i""",
    f"""INSERT INTO order_lines ({LINE_COLUMNS})
        SELECT {LINE_COLUMNS} FROM replaced_order_lines WHERE replaced_by = :i""",
    "DELETE FROM replaced_order_lines WHERE replaced_by = :i",
    "DELETE FROM replaced_orders WHERE replaced_by = :i",
    # This import's own orders that a later import had replaced must not come back either.
    """DELETE FROM replaced_order_lines WHERE order_key IN
       (SELECT order_key FROM replaced_orders WHERE import_id = :i)""",
    "DELETE FROM replaced_orders WHERE import_id = :i",
    "UPDATE imports SET status = 'undone' WHERE import_id = :i",
)


def undo_import(engine: Engine, import_id: int) -> int:
    """Remove the orders an import added and restore those it replaced; returns how many it
    removed. Customers and products stay (other data may use them)."""
    with engine.begin() as conn:
        status = conn.execute(text("SELECT status FROM imports WHERE import_id = :i"), {"i": import_id}).scalar()
        if status is None:
            raise ImportRejected(f"there is no import #{import_id}")
        if status == "undone":
            raise ImportRejected(f"import #{import_id} was already undone")
        removed = conn.execute(text("DELETE FROM orders WHERE import_id = :i"), {"i": import_id}).rowcount
        for statement in UNDO_STATEMENTS:
            conn.execute(text(statement), {"i": import_id})
        bulk.bump_data_version(conn)
    return removed


def list_imports(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(
            text(
                "SELECT i.import_id, i.source, i.file_name, i.rows_read, i.rows_loaded, i.status, i.user_name, "
                "i.finished_at, (SELECT count(*) FROM orders o WHERE o.import_id = i.import_id) AS orders "
                "FROM imports i ORDER BY i.import_id DESC"
            )
        )
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
