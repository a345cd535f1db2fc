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
