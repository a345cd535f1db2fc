"""Import a shop export in one transaction: stage with COPY, upsert dimensions, replace orders.

Re-importing the same file changes nothing (file hash). A file that names orders already
loaded from the same source replaces those orders' lines instead of adding them twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from data_access.settings import get_settings
from ingest import bulk
from ingest.files import ImportRejected, Mapping, detect_mapping, file_hash, load_mapping, read_table
from ingest.validate import normalize

Progress = Callable[[int, str], None]


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
    progress: Progress = lambda _percent, _step: None,
    file_name: str | None = None,
) -> ImportResult:
    """Validate the whole file, then load it in one transaction (nothing at all if invalid).
    The mapping comes from mapping (the browser's editor), mapping_path (TOML) or the headers.
    progress(percent, step) is told as each step starts (the browser's progress bar); file_name
    is what the history shows when path is a stored copy (the browser's upload)."""
    progress(2, "Reading the file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportRejected(f"{path}: {exc.strerror}") from None
    given = mapping or (load_mapping(mapping_path) if mapping_path else None)
    frame = read_table(path, raw, given.options if given else {})
    mapping = given or detect_mapping(list(frame.columns))
    progress(15, f"Checking {len(frame):,} row{'' if len(frame) == 1 else 's'}")
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
        result.import_id = bulk.record_import(conn, source, file_name or path.name, len(lines), user, file_hash=digest)
        result.replaced_orders = load_lines(conn, lines, source, result.import_id, progress)
        bulk.bump_data_version(conn)
        progress(97, "Committing")
    return result


def load_lines(conn, lines: pd.DataFrame, source: str, import_id: int, progress: Progress = lambda *_: None) -> int:
    """Dimensions first (their keys come back to Python), then the facts by COPY with keys
    already resolved: no join back per line. Returns how many orders already there were replaced."""
    progress(30, "Loading customers, products and stores")
    params = {"source": source, "import_id": import_id}
    customer_keys = _upsert(conn, "customers", _first_per(lines, "customer_id", CUSTOMER_FIELDS), params)
    product_keys = _upsert(conn, "products", _first_per(lines, "product_id", PRODUCT_FIELDS), params)
    store_keys = _upsert(conn, "stores", _first_per(lines, "store", ("store",)), params)

    ordinal, order_ids = pd.factorize(lines.order_id)  # orders in file order
    timed = {"ordered_at": ("ordered_at", "first")} if "ordered_at" in lines else {}  # the live feed's
    per_order = lines.groupby(ordinal).agg(
        **timed,
        order_date=("order_date", "first"),
        customer_id=("customer_id", "first"),  # the first line naming a customer or store wins
        store=("store", "first"),
        cancelled=("cancelled", "any"),
    )
    progress(45, f"Loading {len(order_ids):,} orders")
    conn.execute(text("CREATE TEMP TABLE staging_orders (order_id text PRIMARY KEY) ON COMMIT DROP"))
    bulk.copy_csv(conn, "staging_orders", pd.DataFrame({"order_id": order_ids}))
    replaced = conn.execute(text(SET_ASIDE_REPLACED), params).rowcount
    conn.execute(text(SET_ASIDE_REPLACED_LINES), params)
    bulk.delete_orders(
        conn, "order_key IN (SELECT order_key FROM replaced_orders WHERE replaced_by = :import_id)", params
    )

    order_keys = bulk.reserve_keys(conn, "orders", "order_key", len(order_ids))
    orders = pd.DataFrame(
        {
            "order_key": order_keys,
            "source": source,
            "order_id": order_ids,
            "customer_key": per_order.customer_id.map(customer_keys).astype("Int64").array,
            "store_key": per_order.store.map(store_keys).astype("Int64").array,
            "order_date": per_order.order_date.astype("date32[pyarrow]").array,
            "status": np.where(per_order.cancelled, "cancelled", "completed"),
            "import_id": import_id,
        }
    )
    if timed:
        orders["ordered_at"] = per_order.ordered_at.array
    bulk.copy_csv(conn, "orders", orders)
    progress(65, f"Loading {len(lines):,} order lines and updating the summaries")
    staged = lines[["line_no", *AMOUNT_FIELDS]].assign(
        order_key=order_keys[ordinal], product_key=lines.product_id.map(product_keys).astype("int64")
    )
    conn.execute(text(f"CREATE TEMP TABLE staging_lines ({STAGING_LINES}) ON COMMIT DROP"))
    bulk.copy_csv(conn, "staging_lines", staged)
    conn.execute(text(INSERT_LINES))
    return replaced


def _first_per(lines: pd.DataFrame, key: str, fields: tuple[str, ...]) -> pd.DataFrame:
    """One row per key value, as its first line in the file gives it."""
    return lines.loc[lines[key].notna(), list(dict.fromkeys((key, *fields)))].drop_duplicates(key)


def _upsert(conn, table: str, rows: pd.DataFrame, params: dict) -> dict[str, int]:
    """Insert new dimension rows, update known ones (UPSERTS); returns natural id -> key."""
    if rows.empty:
        return {}
    staging_columns, upsert = UPSERTS[table]
    conn.execute(text(f"CREATE TEMP TABLE staging_{table} ({staging_columns}) ON COMMIT DROP"))
    bulk.copy_csv(conn, f"staging_{table}", rows)
    return dict(conn.execute(text(upsert), params).all())


CUSTOMER_FIELDS = ("customer_name", "segment", "region", "city", "postal_code")
PRODUCT_FIELDS = ("product_name", "category", "sub_category", "unit_price")
AMOUNT_FIELDS = ("quantity", "unit_price", "sales", "discount", "profit", "unit_cost")


def _customer_as_given(known: str, given: str) -> str:
    """A known customer row (`known`) with what a file gives (`given`) taken in: the first name
    stays, a segment or region given as 'Unknown' (missing) does not replace one known."""
    return f"""coalesce({known}.name, {given}.name),
               CASE WHEN {given}.segment = 'Unknown' THEN {known}.segment ELSE {given}.segment END,
               CASE WHEN {given}.region = 'Unknown' THEN {known}.region ELSE {given}.region END,
               coalesce({given}.city, {known}.city), coalesce({given}.postal_code, {known}.postal_code)"""


# Dimensions: new ones added, known ones keep their first name (a product id seen with two
# names stays one product) but take newly given attributes.
UPSERTS = {
    "customers": (
        "customer_id text, customer_name text, segment text, region text, city text, postal_code text",
        # Known customers the file changes nothing of are not written: a daily export names
        # thousands of them, and each update costs a row version and the rollups' trigger a
        # look at it. The rest (new, changed, or written by a concurrent import since this
        # statement's snapshot) go through ON CONFLICT, which returns their keys.
        f"""WITH given AS (
               SELECT customer_id, customer_name AS name, coalesce(segment, 'Unknown') AS segment,
                      coalesce(region, 'Unknown') AS region, city, postal_code
               FROM staging_customers
           ), unchanged AS (
               SELECT g.customer_id, c.customer_key
               FROM given g JOIN customers c ON c.source = :source AND c.customer_id = g.customer_id
               WHERE ({_customer_as_given("c", "g")})
                     IS NOT DISTINCT FROM (c.name, c.segment, c.region, c.city, c.postal_code)
           ), written AS (
               INSERT INTO customers AS c (source, customer_id, name, segment, region, city, postal_code)
               SELECT :source, customer_id, name, segment, region, city, postal_code
               FROM given WHERE customer_id NOT IN (SELECT customer_id FROM unchanged)
               ON CONFLICT (source, customer_id) DO UPDATE SET (name, segment, region, city, postal_code) =
                   ({_customer_as_given("c", "EXCLUDED")})
               RETURNING customer_id, customer_key
           )
           SELECT customer_id, customer_key FROM written
           UNION ALL
           SELECT customer_id, customer_key FROM unchanged""",
    ),
    "products": (
        "product_id text, product_name text, category text, sub_category text, unit_price numeric",
        # Not ON CONFLICT: its EXCLUDED row cannot tell a sub-category the file gave from the
        # category standing in for a missing one, and a file without the column must not
        # overwrite the sub-categories already known. A known product takes the category and
        # sub-category the file gives; a new category without a sub-category starts its own.
        # Every part reads the products as they were before the statement: known keys come
        # from the join, new ones from RETURNING (ON CONFLICT only for a concurrent writer).
        """WITH given AS (
               SELECT p.product_key, coalesce(s.category, p.category) AS category,
                      CASE WHEN s.sub_category IS NOT NULL THEN s.sub_category
                           WHEN s.category <> p.category THEN s.category
                           ELSE p.sub_category END AS sub_category
               FROM staging_products s JOIN products p ON p.source = :source AND p.product_id = s.product_id
           ), moved AS (
               UPDATE products p SET category = g.category, sub_category = g.sub_category
               FROM given g
               WHERE p.product_key = g.product_key
                 AND (g.category, g.sub_category) IS DISTINCT FROM (p.category, p.sub_category)
           ), added AS (
               INSERT INTO products AS n (source, product_id, name, category, sub_category, unit_price)
               SELECT :source, product_id, product_name, coalesce(category, 'Uncategorized'),
                      coalesce(sub_category, category, 'Uncategorized'), unit_price
               FROM staging_products s
               WHERE NOT EXISTS (SELECT FROM products p WHERE p.source = :source AND p.product_id = s.product_id)
               ON CONFLICT (source, product_id) DO UPDATE SET name = n.name
               RETURNING product_id, product_key
           )
           SELECT s.product_id, p.product_key FROM staging_products s
           JOIN products p ON p.source = :source AND p.product_id = s.product_id
           UNION ALL
           SELECT product_id, product_key FROM added""",
    ),
    "stores": (
        "store text",
        """INSERT INTO stores AS s (source, store_id, name) SELECT :source, store, store FROM staging_stores
           ON CONFLICT (source, store_id) DO UPDATE SET name = s.name  -- no change; returns the key
           RETURNING store_id, store_key""",
    ),
}

ORDER_COLUMNS = "order_key, source, order_id, customer_key, store_key, order_date, ordered_at, status, import_id"
LINE_COLUMNS = "order_key, line_no, product_key, quantity, unit_price, discount, net_amount, profit"

# Orders the file names again are replaced whole. The originals are kept, tagged with this
# import, so undoing it restores them exactly.
SET_ASIDE_REPLACED = f"""
INSERT INTO replaced_orders (replaced_by, {ORDER_COLUMNS})
SELECT :import_id, {ORDER_COLUMNS} FROM orders
WHERE source = :source AND order_id IN (SELECT order_id FROM staging_orders)"""
SET_ASIDE_REPLACED_LINES = f"""
INSERT INTO replaced_order_lines (replaced_by, {LINE_COLUMNS})
SELECT :import_id, {LINE_COLUMNS} FROM order_lines
WHERE order_key IN (SELECT order_key FROM replaced_orders WHERE replaced_by = :import_id)"""

STAGING_LINES = (
    "order_key bigint, line_no int, product_key int, quantity numeric, unit_price numeric, sales numeric, "
    "discount numeric, profit numeric, unit_cost numeric"
)
# What a file leaves out is derived here, exactly: sales = quantity x price x (1 - discount) to
# the cent, price = sales / quantity, profit = sales - quantity x cost (round: half away from
# zero, so a return mirrors its sale); no cost and no profit means profit 0.
INSERT_LINES = f"""
INSERT INTO order_lines ({LINE_COLUMNS})
SELECT order_key, line_no, product_key, quantity,
       coalesce(unit_price, CASE WHEN quantity <> 0 THEN round(net / quantity, 4) ELSE net END),
       coalesce(discount, 0), net,
       coalesce(profit, round(net - quantity * unit_cost, 2), 0)
FROM (SELECT *, coalesce(sales, round(quantity * unit_price * (1 - coalesce(discount, 0)), 2)) AS net
      FROM staging_lines) s
"""


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
        removed = bulk.delete_orders(conn, "import_id = :i", {"i": import_id})
        for statement in UNDO_STATEMENTS:
            conn.execute(text(statement), {"i": import_id})
        bulk.bump_data_version(conn)
    return removed


def import_summary(engine: Engine, import_id: int) -> dict | None:
    """What undoing an import would do: its file, rows, status, the orders it holds and the
    earlier orders it replaced (which come back); None when there is no such import."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT i.import_id, i.file_name, i.rows_read, i.status, i.finished_at, "
                "(SELECT count(*) FROM orders o WHERE o.import_id = i.import_id) AS orders, "
                "(SELECT count(*) FROM replaced_orders r WHERE r.replaced_by = i.import_id) AS replaced "
                "FROM imports i WHERE i.import_id = :i"
            ),
            {"i": import_id},
        ).one_or_none()
    return row._asdict() if row else None


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
