"""Load the generated demo shop with COPY, in one transaction that also bumps the data version."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, text

from ingest import bulk
from ingest.demo import SOURCE, DemoData, DemoDataExists, generate


def load_demo(
    engine: Engine,
    lines: int,
    seed: int = 42,
    end_date: dt.date | None = None,
    years: int = 2,
    replace: bool = False,
    max_customers: int | None = None,
) -> dict:
    """Generate and load; returns counts. Refuses to load twice unless replace=True."""
    data = generate(lines, seed=seed, end_date=end_date, years=years, max_customers=max_customers)
    with engine.begin() as conn:
        existing = conn.execute(text("SELECT count(*) FROM orders WHERE source = :s"), {"s": SOURCE})
        if existing.scalar_one():
            if not replace:
                raise DemoDataExists("demo data is already loaded; use --replace to load it again")
            _delete_demo(conn)
        name = f"demo generator: lines={lines} seed={seed} years={years} end={data.orders.order_date.max()}"
        import_id = bulk.record_import(conn, SOURCE, name, lines, user=None)
        counts = _copy_all(conn, data, import_id)
        bulk.bump_data_version(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))  # fresh statistics so the first dashboard query plans well
    return counts


def _delete_demo(conn) -> None:
    bulk.delete_orders(conn, "source = :s", {"s": SOURCE})
    for table in ("customers", "products", "stores"):
        conn.execute(text(f"DELETE FROM {table} WHERE source = :s"), {"s": SOURCE})


def _copy_all(conn, data: DemoData, import_id: int) -> dict:
    # Keys are assigned here, after whatever other sources already hold, so COPY can carry them.
    offsets = {
        name: bulk.next_key(conn, table, key) - 1
        for name, table, key in [
            ("customer", "customers", "customer_key"),
            ("product", "products", "product_key"),
            ("store", "stores", "store_key"),
            ("order", "orders", "order_key"),
        ]
    }
    customers = data.customers.assign(customer_key=data.customers.customer_key + offsets["customer"])
    products = data.products.assign(
        product_key=data.products.product_key + offsets["product"],
        unit_price=bulk.cents_to_text(data.products.price_cents),
        unit_cost=bulk.cents_to_text(data.products.cost_cents),
    )
    stores = data.stores.assign(store_key=range(1 + offsets["store"], 1 + offsets["store"] + len(data.stores)))
    orders = data.orders.assign(
        order_key=data.orders.order_key + offsets["order"],
        customer_key=data.orders.customer_key + offsets["customer"],
        store_key=data.orders.store_key + offsets["store"],
        order_id=lambda d: "SO-" + d.order_key.astype(str).str.zfill(8),
        import_id=import_id,
    )
    lines = data.lines
    order_lines = pd.DataFrame(
        {
            "order_key": lines.order_key + offsets["order"],
            "line_no": lines.line_no,
            "product_key": lines.product_key + offsets["product"],
            "quantity": lines.quantity,
            "unit_price": bulk.cents_to_text(lines.price_cents),
            "discount": (lines.discount_pct / 100).map("{:.2f}".format),
            "net_amount": bulk.cents_to_text(lines.net_cents),
            "profit": bulk.cents_to_text(lines.profit_cents),
        }
    )
    with_source = {"source": SOURCE}
    bulk.copy_csv(
        conn,
        "customers",
        customers[["customer_key", "customer_id", "name", "segment", "region", "city", "postal_code"]].assign(
            **with_source
        ),
    )
    bulk.copy_csv(
        conn,
        "products",
        products[["product_key", "product_id", "name", "category", "sub_category", "unit_price", "unit_cost"]].assign(
            **with_source
        ),
    )
    bulk.copy_csv(conn, "stores", stores[["store_key", "store_id", "name", "channel"]].assign(**with_source))
    bulk.copy_csv(
        conn,
        "orders",
        orders[["order_key", "order_id", "customer_key", "store_key", "order_date", "status", "import_id"]].assign(
            **with_source
        ),
    )
    bulk.copy_csv(conn, "order_lines", order_lines)
    for table, key in [
        ("customers", "customer_key"),
        ("products", "product_key"),
        ("stores", "store_key"),
        ("orders", "order_key"),
    ]:
        bulk.sync_identity(conn, table, key)
    return {"customers": len(customers), "products": len(products), "orders": len(orders), "lines": len(order_lines)}
