"""KPI cards show the value and both changes, in the right tone and unit."""

from dataclasses import dataclass
from decimal import Decimal

from components.formatting import NumberFormat
from components.kpi_cards import change_text, kpi_cards

FMT = NumberFormat("USD", "en_US")


@dataclass
class Totals:
    sales: Decimal
    margin: Decimal | None
    orders: int
    is_empty: bool = False


@dataclass
class Comparison:
    current: Totals
    previous: Totals
    year_earlier: Totals
    same_dates: bool = False


def test_change_text_money_ratio_and_missing_baseline():
    assert change_text(Decimal("600"), Decimal("500"), "money", FMT) == ("▲ +$100.00 (+20.0%)", "text-success")
    assert change_text(Decimal("400"), Decimal("500"), "money", FMT) == ("▼ -$100.00 (-20.0%)", "text-danger")
    assert change_text(Decimal("0.30"), Decimal("0.25"), "ratio", FMT) == ("▲ +5.0 pp", "text-success")
    assert change_text(5, 0, "count", FMT) == ("▲ +5", "text-success")
    assert change_text(Decimal("1"), None, "money", FMT)[0] == "n/a (no data to compare)"


def _texts(component) -> list[str]:
    out = []

    def walk(node):
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, list | tuple):
            for child in node:
                walk(child)
        elif hasattr(node, "children"):
            walk(node.children)

    walk(component)
    return out


def test_cards_compare_with_both_periods_and_skip_empty_baselines():
    from components.kpi_cards import KpiSpec

    specs = (KpiSpec("sales", "Sales", "money", "Σ net"), KpiSpec("orders", "Orders", "count", "distinct"))
    comparison = Comparison(
        Totals(Decimal("600"), None, 4), Totals(Decimal("15"), None, 1), Totals(Decimal("0"), None, 0, is_empty=True)
    )
    texts = _texts(kpi_cards(comparison, FMT, "t", specs))
    assert "$600.00" in texts and "4" in texts
    assert "▲ +$585.00 (+3,900.0%)" in texts
    assert texts.count("n/a (no data to compare)") == 2  # no sales a year earlier: no made-up change


def test_a_change_that_rounds_to_nothing_is_neutral():
    assert change_text(Decimal("0.25801"), Decimal("0.25799"), "ratio", FMT) == ("■ +0.0 pp", "text-muted")
    assert change_text(Decimal("10.001"), Decimal("10.004"), "money", FMT)[1] == "text-muted"
    assert change_text(Decimal("2.251"), Decimal("2.254"), "decimal", FMT)[0].startswith("■ +0.00 (")


def test_a_whole_year_is_compared_once_with_last_year():
    from components.kpi_cards import KpiSpec

    specs = (KpiSpec("sales", "Sales", "money", "Σ net"),)
    year_ago = Totals(Decimal("500"), None, 3)
    twice = _texts(kpi_cards(Comparison(Totals(Decimal("600"), None, 4), year_ago, year_ago), FMT, "t", specs))
    assert "vs prev. period " in twice and "vs last year " in twice
    comparison = Comparison(Totals(Decimal("600"), None, 4), year_ago, year_ago, same_dates=True)
    texts = _texts(kpi_cards(comparison, FMT, "t", specs))
    assert "vs prev. period " not in texts
    assert texts.count("▲ +$100.00 (+20.0%)") == 1 and "vs last year " in texts
