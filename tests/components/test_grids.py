"""The ranking grids: the columns a phone's three visible columns show, and grid_rows, what the grids
receive cell by cell."""

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from components.formatting import NumberFormat
from components.grids import grid_rows, top_customers_grid, top_products_grid

FMT = NumberFormat("USD", "en_US")


@pytest.mark.parametrize(("build", "name"), [(top_products_grid, "product"), (top_customers_grid, "customer")])
def test_the_ranked_measure_comes_right_after_the_name(build, name):
    fields = [column["field"] for column in build("g", FMT).columnDefs]
    assert fields[:3] == ["rank", name, "sales"]  # a phone shows about three columns
    assert len(fields) == len(set(fields))


def test_also_bought_packs_tighter_and_leaves_support_out_on_a_phone():
    from components.grids import also_bought_table

    items = pd.DataFrame({"product": ["Lamp"], "together": [3], "support": [0.01], "confidence": [0.5], "lift": [2.0]})
    table = also_bought_table(items, FMT, "t")
    assert "compact-table" in table.className  # names wrapped to three lines at 390 px
    header = table.children[0].children.children
    assert [th.children for th in header if "d-none" in getattr(th, "className", "")] == ["Support"]


def test_grid_rows_round_money_half_up_and_send_plain_values():
    frame = pd.DataFrame(
        {
            "name": ["a", "b"],
            "sales": [Decimal("1.005"), None],  # half-up to the cent: 1.01, not banker's 1.00
            "profit": [Decimal("-2.345"), Decimal("7")],
            "share": [Decimal("0.25"), None],
            "quantity": [Decimal("3.5"), Decimal("1")],  # other exact numbers: floats
            "first": [dt.date(2026, 1, 5), None],  # dates: ISO text
            "orders": [4, 2],
        }
    )
    assert grid_rows(frame, money=("sales", "profit"), ratios=("share",)) == [
        {
            "name": "a",
            "sales": 1.01,
            "profit": -2.35,
            "share": 0.25,
            "quantity": 3.5,
            "first": "2026-01-05",
            "orders": 4,
        },
        {"name": "b", "sales": None, "profit": 7.0, "share": None, "quantity": 1.0, "first": None, "orders": 2},
    ]
    row = grid_rows(frame, money=("sales",))[0]
    assert type(row["orders"]) is int and type(row["profit"]) is float


def test_grid_rows_of_nothing():
    assert grid_rows(pd.DataFrame({"sales": []}), money=("sales",)) == []
