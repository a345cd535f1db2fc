"""Money and numbers as the configured locale writes them, rounded half-up to the cent."""

from decimal import Decimal

import pytest

from components.formatting import NumberFormat, format_money, format_percent_value, plotly_separators


@pytest.mark.parametrize(
    "value, currency, locale, expected",
    [
        (Decimal("0.125"), "USD", "en_US", "$0.13"),  # half-up, where babel alone would give $0.12
        (Decimal("0.135"), "USD", "en_US", "$0.14"),
        (Decimal("-2.5"), "USD", "en_US", "-$2.50"),
        (Decimal("1234567.005"), "EUR", "de_DE", "1.234.567,01\xa0€"),
        (Decimal("1234.5"), "GBP", "en_GB", "£1,234.50"),
        (None, "USD", "en_US", "–"),
    ],
)
def test_format_money(value, currency, locale, expected):
    assert format_money(value, currency, locale) == expected


def test_numbers_keep_their_decimals():
    fmt = NumberFormat("USD", "en_US")
    assert fmt.number(Decimal("0"), decimals=1) == "0.0"
    assert fmt.signed(Decimal("0"), decimals=1) == "+0.0"
    assert fmt.signed(Decimal("-3.25"), decimals=1) == "-3.3"
    assert fmt.number(Decimal("1258791.000")) == "1,258,791"
    assert format_percent_value(Decimal("0.32333"), "en_US") == "32.3%"
    assert format_percent_value(Decimal("0.32333"), "de_DE") == "32,3\xa0%"


@pytest.mark.parametrize("locale, separators", [("en_US", ".,"), ("de_DE", ",."), ("fr_FR", ",\u202f")])
def test_plotly_separators(locale, separators):
    assert plotly_separators(locale) == separators


def test_counted_says_one_without_an_s():
    from components.formatting import counted

    assert [counted(n, "order") for n in (0, 1, 2, 1204)] == ["0 orders", "1 order", "2 orders", "1,204 orders"]
    assert counted(1, "valid line") == "1 valid line"
