"""The Customers page in headless Chromium, on the fixture shop (see tests/data_access/test_customers.py)."""

import csv

import pytest
from dash.exceptions import PreventUpdate
from dash.testing.wait import until
from sqlalchemy import text

from data_access.db import get_engine
from ingest.bulk import bump_data_version
from tests.browser.charts import bars, downloaded


def test_brws201_customers_page_from_deep_link(started):
    dash_duo = started.open("/customers?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_text_to_equal("#customers-stat-customers-value", "2")
    dash_duo.wait_for_text_to_equal("#customers-stat-repeat-value", "50.0%")  # Alice came back, Bob did not
    dash_duo.wait_for_text_to_equal("#customers-stat-new-value", "1")  # Alice; Bob first bought in 2025
    dash_duo.wait_for_text_to_equal("#customers-stat-ltv-value", "$260.00")
    first_row = '#customers-grid .ag-row[row-index="0"]'
    dash_duo.wait_for_contains_text(first_row, "Alice")
    dash_duo.wait_for_contains_text(first_row, "$260.00")
    dash_duo.wait_for_contains_text('#customers-grid .ag-row[row-index="1"]', "2025-01-20")  # Bob's first order
    assert dash_duo.get_logs() == []


STATE = {"period": "custom", "from": "2025-01-01", "to": "2026-02-28", "segment": [], "region": []}
STATE |= {"category": [], "store": []}
CLICKED = "customers-rfm-graph.clickData"


def _list_rfm(click, picked="none", trigger=CLICKED, state=STATE):
    """The callback itself (a plain function) as Dash calls it after `trigger` changed: in the
    browser, plotly clicks on this chart were lost intermittently in CI-like runs, and a flaky
    test is worse than this direct one."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from pages.customers import update_rfm_list

    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": trigger, "value": None}]))
    return update_rfm_list(click, picked, state)


def test_rfm_group_click_lists_its_customers_biggest_first(dash_app):
    click = {"points": [{"customdata": ["Champions", "bought recently and buy often", "$800.00"]}]}
    card, picked = _list_rfm(click)
    assert picked == "Champions"  # the list beside the chart shows the clicked group
    text = str(card)
    assert "Champions: 2 customers" in text
    assert text.index("Bob") < text.index("Alice")  # biggest spenders first


def test_rfm_group_list_cut_to_its_biggest_spenders_says_how_many_the_group_holds(dash_app, monkeypatch):
    """A list of the biggest 500 said "Champions: 500 customers" beside a bar of 3,421."""
    import importlib

    monkeypatch.setattr(importlib.import_module("pages.customers"), "RFM_LISTED", 1)
    card, _ = _list_rfm({"points": [{"customdata": ["Champions"]}]})
    text = str(card)
    assert "Champions: 2 customers, the 1 biggest spenders listed" in text
    assert "Bob" in text and "Alice" not in text


def test_rfm_group_chosen_in_the_list_wins_over_an_earlier_click_and_follows_the_filter(dash_app):
    click = {"points": [{"customdata": ["Champions"]}]}
    card, picked = _list_rfm(click, picked="Lost", trigger="customers-rfm-pick.value")
    assert picked == "Lost" and "Lost: " in str(card)
    narrower = STATE | {"from": "2026-01-01"}
    card, picked = _list_rfm(click, picked="Champions", trigger="filter-state.data", state=narrower)
    assert picked == "Champions" and "Champions: 1 customer (" in str(card)  # Alice alone in 2026
    assert _list_rfm(click, picked="none", trigger="customers-rfm-pick.value") == ("", "none")  # none: no list
    with pytest.raises(PreventUpdate):  # a new filter and no group chosen: nothing to redraw
        _list_rfm(click, picked="none", trigger="filter-state.data")


def test_rfm_group_list_leaves_out_segment_and_scores_on_a_phone(dash_app):
    # Six columns scrolled sideways in a 390 px card; below 576 px (Bootstrap's d-sm-*) the
    # segment and the R-F-M scores give way, and the table packs tighter (compact-table).
    card, _ = _list_rfm({"points": [{"customdata": ["Champions"]}]})
    table = card.children.children[1].children
    assert "compact-table" in table.className
    head, body = table.children
    hidden = [th.children for th in head.children.children if "d-none d-sm-table-cell" in getattr(th, "className", "")]
    assert hidden == ["Segment", "R-F-M"]
    first_row = body.children[0].children
    assert [i for i, td in enumerate(first_row) if "d-none" in getattr(td, "className", "")] == [1, 5]


def test_brws202_rfm_chart_and_csv_download(started):
    dash_duo = started.open("/customers?from=2025-01-01&to=2026-02-28")
    until(lambda: bars(dash_duo, "customers-rfm-graph") is not None, timeout=10)
    dash_duo.wait_for_contains_text('#customers-grid .ag-row[row-index="0"]', "Bob")
    dash_duo.click("#customers-csv")
    target = downloaded(dash_duo, "top-customers_2025-01-01_to_2026-02-28.csv", timeout=10)
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert [(r["Customer"], r["Sales"]) for r in rows] == [
        ("Bob", "540"),
        ("Erin", "300"),
        ("Alice", "260"),
        ("Dan", "15"),
    ]
    assert dash_duo.get_logs() == []


def test_brws203_no_customers_is_an_empty_state(started):
    dash_duo = started.open("/customers?from=2024-06-01&to=2024-06-30")
    dash_duo.wait_for_contains_text("#customers-stats", "No customers match these filters")
    assert dash_duo.get_logs() == []


def test_brws204_rfm_group_chosen_in_a_list_not_only_by_a_click_on_its_bar(started):
    # A native <select>: reachable by Tab and chosen with the arrows, where a plotly bar is not.
    from selenium.webdriver.support.ui import Select

    dash_duo = started.open("/customers?from=2025-01-01&to=2026-02-28")
    until(lambda: bars(dash_duo, "customers-rfm-graph") is not None, timeout=10)
    pick = dash_duo.find_element("#customers-rfm-pick")
    assert pick.tag_name == "select"
    Select(pick).select_by_visible_text("Champions")
    dash_duo.wait_for_contains_text("#customers-rfm-members", "Champions: 2 customers")
    Select(pick).select_by_visible_text("List a group's customers…")  # none: the list goes
    dash_duo.wait_for_no_elements("#customers-rfm-members")
    assert dash_duo.get_logs() == []


# Text an ag-grid header or cell cuts to "…": wider than the box it is drawn in.
CUT_TEXT = """const grid = arguments[0];
return [...document.querySelectorAll(grid + ' .ag-header-cell-text, ' + grid + ' .ag-cell')]
    .filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"""


LONG_NAMES = {
    ("products", "P3"): "Alder & Co Classic Multifunction Colour Laser Copier",
    ("customers", "C1"): "Alexandra Montgomery-Fitzwilliam of Northbridge",
}


@pytest.fixture
def long_names():
    """A product and a customer named as long as a shop's can be, put back afterwards."""

    where = "source = 'fx' AND {table}_id = :k"  # products.product_id, customers.customer_id

    def rename(names):
        with get_engine().begin() as conn:
            for (table, key), name in names.items():
                update = f"UPDATE {table} SET name = :n WHERE " + where.format(table=table[:-1])
                conn.execute(text(update), {"n": name, "k": key})
            bump_data_version(conn)

    with get_engine().connect() as conn:
        before = {
            (table, key): conn.execute(
                text(f"SELECT name FROM {table} WHERE " + where.format(table=table[:-1])), {"k": key}
            ).scalar_one()
            for table, key in LONG_NAMES
        }
    rename(LONG_NAMES)
    yield
    rename(before)


def test_brws205_grids_show_every_header_and_value_whole_on_a_laptop(started, long_names):
    # At 1280 px the top customers' "Orders", "Quantity" and "Recency (days)" ended in "…" (each
    # number column squeezed to 75 px); a long header now wraps onto a second line instead, and
    # so does a long name (a demo product's name ended in "…" at 1280 px).
    started.driver.set_window_size(1280, 900)
    for path, grid in (("/customers", "#customers-grid"), ("/products", "#products-grid")):
        dash_duo = started.open(path + "?from=2025-01-01&to=2026-02-28")
        dash_duo.wait_for_element(f'{grid} .ag-row[row-index="0"]')
        assert dash_duo.driver.execute_script(CUT_TEXT, grid) == [], path
    assert dash_duo.get_logs() == []
