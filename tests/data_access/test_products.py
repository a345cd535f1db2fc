"""Product KPIs against hand-computed values of the fixture shop (tests/fixture_data.py)."""

import datetime as dt
from decimal import Decimal

import pytest

from data_access.filters import KpiFilter
from data_access.products import (
    get_also_bought,
    get_monthly_sales_by_category,
    get_sales_by_product_level,
    get_top_products,
)

JAN_FEB = KpiFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))
YEAR_2025 = KpiFilter(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31))
ALL_TIME = KpiFilter(start=dt.date(2020, 1, 1), end=dt.date(2030, 1, 1))


def _by_label(frame):
    return {row["label"]: row for row in frame.to_dict("records")}


def test_categories_with_an_order_spanning_two_of_them():
    rows = _by_label(get_sales_by_product_level(JAN_FEB, "category"))
    # Furniture: O1 chairs 200 + O5 chair 100; Office Supplies: O1 45 + O3 20 - 5; Technology: O2.
    assert {k: r["sales"] for k, r in rows.items()} == {
        "Furniture": Decimal("300.00"),
        "Technology": Decimal("240.00"),
        "Office Supplies": Decimal("60.00"),
    }
    assert rows["Office Supplies"]["quantity"] == Decimal("13") and rows["Office Supplies"]["profit"] == Decimal("34")
    # O1 counts once in Furniture and once in Office Supplies: 2 + 2 + 1 = 5 > 4 orders in total.
    assert [rows[c]["orders"] for c in ("Furniture", "Office Supplies", "Technology")] == [2, 2, 1]
    assert rows["Furniture"]["margin"] == Decimal("0.4")


def test_drill_down_to_sub_category_and_product():
    furniture = KpiFilter(start=JAN_FEB.start, end=JAN_FEB.end, categories=["Furniture"])
    assert list(get_sales_by_product_level(furniture, "sub_category").label) == ["Chairs"]
    products = get_sales_by_product_level(JAN_FEB, "product", sub_category="Paper")
    assert list(products.label) == ["Paper"] and products.sales[0] == Decimal("60.00")
    with pytest.raises(ValueError):
        get_sales_by_product_level(JAN_FEB, "p.name; DROP TABLE products")


def test_top_products_dense_rank_with_ties():
    top = get_top_products(YEAR_2025)
    # 2025: O9 three chairs 300.00 and O7 a phone 300.00 tie; Dan's paper 15.00 comes next.
    assert list(zip(top["rank"], top["product"], top["sales"], strict=True)) == [
        (1, "Desk Chair", Decimal("300.00")),
        (1, "Phone", Decimal("300.00")),
        (2, "Paper", Decimal("15.00")),
    ]


def test_top_products_excludes_cancelled_and_nets_returns():
    top = get_top_products(JAN_FEB).set_index("product")
    assert top.sales["Phone"] == Decimal("240.00")  # Carol's cancelled phone is not a sale
    assert top.sales["Paper"] == Decimal("60.00") and top.orders["Paper"] == 2


def test_also_bought_measures():
    result = get_also_bought(ALL_TIME, 1)  # Desk Chair
    # Baskets (positive lines, not cancelled): O1 {chair, paper}, O2 {phone}, O3 {paper}, O5 {chair},
    # O6 {paper}, O7 {phone}, O9 {chair}: 7 orders, 3 with a chair, 3 with paper, 1 with both.
    assert (result.total_orders, result.product_orders) == (7, 3)
    assert not result.enough_data
    row = result.items.iloc[0]
    assert row["product"] == "Paper" and row["together"] == 1
    assert round(row["support"], 12) == round(Decimal(1) / 7, 12)
    assert round(row["confidence"], 12) == round(Decimal(1) / 3, 12)
    assert round(row["lift"], 12) == round(Decimal(7) / 9, 12)
    assert len(result.items) == 1


def test_also_bought_with_nothing_bought_together():
    result = get_also_bought(ALL_TIME, 3)  # the phone was always bought alone
    assert result.product_orders == 2 and result.items.empty


def test_monthly_sales_by_category_with_running_total():
    frame = get_monthly_sales_by_category(JAN_FEB)
    got = [(r["month"].isoformat(), r["category"], r["sales"], r["cumulative_sales"]) for r in frame.to_dict("records")]
    assert got == [
        ("2026-01-01", "Furniture", Decimal("200.00"), Decimal("485.00")),
        ("2026-01-01", "Office Supplies", Decimal("45.00"), Decimal("485.00")),
        ("2026-01-01", "Technology", Decimal("240.00"), Decimal("485.00")),
        ("2026-02-01", "Furniture", Decimal("100.00"), Decimal("600.00")),
        ("2026-02-01", "Office Supplies", Decimal("15.00"), Decimal("600.00")),
    ]
