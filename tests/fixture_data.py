"""A tiny shop whose every KPI is worked out by hand in the tests that use it.

Orders (all money exact; profit = net - quantity x cost):
  O1 2026-01-05 Alice (Consumer, North)  Web Shop  : 2 x Desk Chair @100 = 200.00 (profit 80.00)
                                                      10 x Paper @5, 10 % off = 45.00 (profit 25.00)
  O2 2026-01-20 Bob (Corporate, South)   Downtown  : 1 x Phone @300, 20 % off = 240.00 (profit 40.00)
  O3 2026-02-03 Alice                    Downtown  : 4 x Paper @5 = 20.00 (profit 12.00)
                                                     -1 x Paper @5 = -5.00 (profit -3.00)  <- a return
  O4 2026-02-10 Carol (Consumer, South)  Web Shop  : 1 x Phone = 300.00, CANCELLED
  O5 2026-02-28 (no customer)            Downtown  : 1 x Desk Chair = 100.00 (profit 40.00)
  O6 2025-12-15 Dan (Home Office, North) Web Shop  : 3 x Paper = 15.00 (profit 9.00)
  O7 2025-01-20 Bob                      Web Shop  : 1 x Phone = 300.00 (profit 100.00)
  O8 2026-03-01 Carol                    Web Shop  : -1 x Desk Chair = -100.00 (profit -40.00), return only
  O9 2025-12-20 Erin (Corporate, West)   Downtown  : 3 x Desk Chair = 300.00 (profit 120.00)
                                                     (in 2025 Erin ties Bob, and Desk Chair ties Phone, at 300.00)
"""

from __future__ import annotations

from sqlalchemy import Engine, text

FIXTURE_SQL = """
INSERT INTO stores (store_key, source, store_id, name, channel) VALUES
    (1, 'fx', 'WEB', 'Web Shop', 'online'),
    (2, 'fx', 'DT', 'Downtown', 'store');
INSERT INTO customers (customer_key, source, customer_id, name, segment, region, city, postal_code) VALUES
    (1, 'fx', 'C1', 'Alice', 'Consumer', 'North', 'Northbridge', '02134'),
    (2, 'fx', 'C2', 'Bob', 'Corporate', 'South', 'Southport', '30301'),
    (3, 'fx', 'C3', 'Carol', 'Consumer', 'South', 'Bayside', '30302'),
    (4, 'fx', 'C4', 'Dan', 'Home Office', 'North', 'Lakeview', '02135'),
    (5, 'fx', 'C5', 'Erin', 'Corporate', 'West', 'Westhaven', '94101');
INSERT INTO products (product_key, source, product_id, name, category, sub_category, unit_price, unit_cost) VALUES
    (1, 'fx', 'P1', 'Desk Chair', 'Furniture', 'Chairs', 100, 60),
    (2, 'fx', 'P2', 'Paper', 'Office Supplies', 'Paper', 5, 2),
    (3, 'fx', 'P3', 'Phone', 'Technology', 'Phones', 300, 200);
INSERT INTO orders (order_key, source, order_id, customer_key, store_key, order_date, status) VALUES
    (1, 'fx', 'O1', 1, 1, '2026-01-05', 'completed'),
    (2, 'fx', 'O2', 2, 2, '2026-01-20', 'completed'),
    (3, 'fx', 'O3', 1, 2, '2026-02-03', 'completed'),
    (4, 'fx', 'O4', 3, 1, '2026-02-10', 'cancelled'),
    (5, 'fx', 'O5', NULL, 2, '2026-02-28', 'completed'),
    (6, 'fx', 'O6', 4, 1, '2025-12-15', 'completed'),
    (7, 'fx', 'O7', 2, 1, '2025-01-20', 'completed'),
    (8, 'fx', 'O8', 3, 1, '2026-03-01', 'completed'),
    (9, 'fx', 'O9', 5, 2, '2025-12-20', 'completed');
INSERT INTO order_lines (order_key, line_no, product_key, quantity, unit_price, discount, net_amount, profit) VALUES
    (1, 1, 1, 2, 100, 0, 200.00, 80.00),
    (1, 2, 2, 10, 5, 0.10, 45.00, 25.00),
    (2, 1, 3, 1, 300, 0.20, 240.00, 40.00),
    (3, 1, 2, 4, 5, 0, 20.00, 12.00),
    (3, 2, 2, -1, 5, 0, -5.00, -3.00),
    (4, 1, 3, 1, 300, 0, 300.00, 100.00),
    (5, 1, 1, 1, 100, 0, 100.00, 40.00),
    (6, 1, 2, 3, 5, 0, 15.00, 9.00),
    (7, 1, 3, 1, 300, 0, 300.00, 100.00),
    (8, 1, 1, -1, 100, 0, -100.00, -40.00),
    (9, 1, 1, 3, 100, 0, 300.00, 120.00);
SELECT setval(pg_get_serial_sequence('stores', 'store_key'), 10);
SELECT setval(pg_get_serial_sequence('customers', 'customer_key'), 10);
SELECT setval(pg_get_serial_sequence('products', 'product_key'), 10);
SELECT setval(pg_get_serial_sequence('orders', 'order_key'), 100);
UPDATE data_state SET version = version + 1, loaded_at = '2026-03-02 08:30:00+00';
"""


def load_fixture(engine: Engine) -> None:
    with engine.begin() as conn:
        for statement in FIXTURE_SQL.split(";"):
            if statement.strip():
                conn.execute(text(statement))
