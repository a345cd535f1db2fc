"""Segment KPIs against hand-computed values of the fixture shop (tests/fixture_data.py)."""

import datetime as dt
from decimal import Decimal

from data_access.filters import KpiFilter
from data_access.segments import (
    get_category_mix_by_segment,
    get_kpis_by_segment,
    get_sales_by_segment_and_period,
    get_segment_comparison,
)

JAN_FEB = KpiFilter(start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))


def _rows(frame, key="segment"):
    return {row[key]: row for row in frame.to_dict("records")}


def test_kpis_by_segment_add_up_and_keep_lines_without_customer():
    rows = _rows(get_kpis_by_segment(JAN_FEB))
    # Consumer = Alice's O1 (245) + O3 (15); Corporate = Bob's O2; O5 has no customer.
    assert rows["Consumer"]["sales"] == Decimal("260.00") and rows["Consumer"]["orders"] == 2
    assert rows["Consumer"]["customers"] == 1 and rows["Consumer"]["aov"] == Decimal("130")
    assert rows["Corporate"]["sales"] == Decimal("240.00") and rows["Corporate"]["margin"] == Decimal(40) / 240
    assert rows["(no customer)"]["sales"] == Decimal("100.00") and rows["(no customer)"]["customers"] == 0
    assert sum(r["sales"] for r in rows.values()) == Decimal("600.00")
    assert list(get_kpis_by_segment(JAN_FEB).segment) == ["Consumer", "Corporate", "(no customer)"]


def test_segment_comparison_with_previous_period():
    rows = _rows(get_segment_comparison(JAN_FEB))
    # Nov 3 - Dec 31 2025: Dan (Home Office) 15.00, Erin (Corporate) 300.00.
    assert rows["Corporate"]["prev_sales"] == Decimal("300.00") and rows["Corporate"]["prev_orders"] == 1
    assert rows["Corporate"]["prev_profit"] == Decimal("120.00")  # Erin's O9: 3 x Desk Chair
    assert rows["Corporate"]["prev_margin"] == Decimal("0.4")
    assert rows["Consumer"]["prev_sales"] is None  # no Consumer sales then: no made-up change


def test_category_mix_shares_and_top_category():
    mix = get_category_mix_by_segment(JAN_FEB)
    consumer = mix[mix.segment == "Consumer"].set_index("category")
    # Alice: Desk Chairs 200.00, Paper 45 + 20 - 5 = 60.00 of her 260.00.
    assert consumer.sales["Furniture"] == Decimal("200.00")
    assert consumer.sales["Office Supplies"] == Decimal("60.00")
    assert round(consumer.share["Furniture"], 12) == round(Decimal(200) / 260, 12)
    assert bool(consumer.is_top["Furniture"]) and not bool(consumer.is_top["Office Supplies"])


def test_order_spanning_two_categories_counts_in_each():
    mix = get_category_mix_by_segment(JAN_FEB)
    assert len(mix[mix.segment == "Consumer"]) == 2  # O1 holds chairs and paper


def test_segment_sales_by_month():
    frame = get_sales_by_segment_and_period(KpiFilter(start=JAN_FEB.start, end=JAN_FEB.end, grain="month"))
    got = {(r["bucket"].isoformat(), r["segment"]): r["sales"] for r in frame.to_dict("records")}
    assert got == {
        ("2026-01-01", "Consumer"): Decimal("245.00"),
        ("2026-01-01", "Corporate"): Decimal("240.00"),
        ("2026-02-01", "Consumer"): Decimal("15.00"),
        ("2026-02-01", "(no customer)"): Decimal("100.00"),
    }
