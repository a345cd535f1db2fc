"""Import into a shop with history, then undo it: lines per second for each.

    python -m bench.import_into_history --lines 10000000 --days 3 --out bench/results/import_history.json

bench.import_throughput imports into an empty database, where every customer is new. A shop's
daily import lands beside years of orders, mostly from customers who bought before, and the
rollup upkeep then works on their history (cohorts, activity, period totals). This takes the
last `days` days of the bench database of N lines (bench.pages.bench_database, built if absent)
as a plain CSV, under new order ids and `days` days later, imports it with the demo's source
(so its customers, products and stores are the known ones) and undoes the import, which leaves
the database as it was. Writes {"lines", "imported_lines", "customers", "import_seconds",
"import_lines_per_s", "undo_seconds", "undo_lines_per_s"}.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import tempfile
import time
from collections.abc import Callable

import pandas as pd
from sqlalchemy import Engine, create_engine, text

# The shop's own export, as a till would write it: the known ids, names and attributes.
LAST_DAYS = """
SELECT o.order_id || '-again' AS "Order ID", (o.order_date + :days)::text AS "Order Date",
       c.customer_id AS "Customer ID", c.name AS "Customer Name", c.segment AS "Segment",
       c.region AS "Region", s.store_id AS "Store", p.product_id AS "Product ID",
       p.name AS "Product Name", p.category AS "Category", p.sub_category AS "Sub-Category",
       l.quantity AS "Quantity", l.unit_price AS "Unit Price", l.discount AS "Discount",
       l.net_amount AS "Sales", l.profit AS "Profit", o.status AS "Status"
FROM orders o
JOIN order_lines l ON l.order_key = o.order_key
JOIN products p ON p.product_key = l.product_key
LEFT JOIN customers c ON c.customer_key = o.customer_key
LEFT JOIN stores s ON s.store_key = o.store_key
WHERE o.source = :source AND o.order_date > (SELECT max(order_date) FROM orders WHERE source = :source) - :days
ORDER BY o.order_key, l.line_no
"""


def export_last_days(engine: Engine, days: int, path: pathlib.Path) -> pd.DataFrame:
    """The last `days` days of the demo's orders as a CSV at `path`, as new orders `days` later."""
    from ingest.demo import SOURCE

    with engine.connect() as conn:
        rows = pd.read_sql(text(LAST_DAYS), conn, params={"days": days, "source": SOURCE})
    rows.to_csv(path, index=False)
    return rows


def run(lines: int, days: int = 3, check: Callable[[Engine], None] | None = None) -> dict:
    """Import the bench database's last days again and undo it; `check(engine)` (a test's) runs
    after each of the two."""
    from bench.pages import bench_database
    from ingest.demo import SOURCE
    from ingest.file_import import import_file, undo_import

    engine = create_engine(bench_database(lines))
    try:
        with tempfile.TemporaryDirectory() as folder:
            csv = pathlib.Path(folder) / f"last_{days}_days.csv"
            rows = export_last_days(engine, days, csv)
            started = time.perf_counter()
            result = import_file(engine, csv, source=SOURCE)
            import_seconds = time.perf_counter() - started
        if check:
            check(engine)
        started = time.perf_counter()
        undo_import(engine, result.import_id)
        undo_seconds = time.perf_counter() - started
        if check:
            check(engine)
    finally:
        engine.dispose()
    return {
        "lines": lines,
        "imported_lines": result.rows_read,
        "customers": int(rows["Customer ID"].nunique()),
        "import_seconds": round(import_seconds, 3),
        "import_lines_per_s": round(result.rows_read / import_seconds),
        "undo_seconds": round(undo_seconds, 3),
        "undo_lines_per_s": round(result.rows_read / undo_seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="the bench database's size")
    parser.add_argument("--days", type=int, default=3, help="how many of its last days to import again")
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("bench/results/import_history.json"))
    args = parser.parse_args()
    from bench.pages import write

    figures = run(args.lines, args.days)
    write(figures, args.out)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
