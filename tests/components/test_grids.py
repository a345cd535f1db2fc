"""The ranking grids' columns: what a phone's three visible columns show."""

import pytest

from components.formatting import NumberFormat
from components.grids import top_customers_grid, top_products_grid

FMT = NumberFormat("USD", "en_US")


@pytest.mark.parametrize(("build", "name"), [(top_products_grid, "product"), (top_customers_grid, "customer")])
def test_the_ranked_measure_comes_right_after_the_name(build, name):
    fields = [column["field"] for column in build("g", FMT).columnDefs]
    assert fields[:3] == ["rank", name, "sales"]  # a phone shows about three columns
    assert len(fields) == len(set(fields))


def test_also_bought_packs_tighter_and_leaves_support_out_on_a_phone():
    import pandas as pd

    from components.grids import also_bought_table

    items = pd.DataFrame({"product": ["Lamp"], "together": [3], "support": [0.01], "confidence": [0.5], "lift": [2.0]})
    table = also_bought_table(items, FMT, "t")
    assert "compact-table" in table.className  # names wrapped to three lines at 390 px
    header = table.children[0].children.children
    assert [th.children for th in header if "d-none" in getattr(th, "className", "")] == ["Support"]
