"""Products and Segments in headless Chromium: deep links, drill-down, cross-filtering,
also-bought following the chosen product, CSV download of the grid. Values: the fixture shop."""

import csv

from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

from tests.browser.charts import click_bar, downloaded, drill, settled, wait_for_bars

JAN_FEB = "from=2026-01-01&to=2026-02-28"


def test_brws101_products_drill_down_and_back_up(started):
    dash_duo = started.open(f"/products?{JAN_FEB}")
    level = "products-level-graph"
    wait_for_bars(dash_duo, level, ["Office Supplies", "Technology", "Furniture"])

    drill(dash_duo, level, "Furniture", ["Chairs"])  # a category click sets the global filter
    assert "category=Furniture" in dash_duo.driver.current_url
    assert "Furniture" in dash_duo.find_element("#filter-category").text
    dash_duo.wait_for_text_to_equal("#products-crumb-category", "Furniture")

    drill(dash_duo, level, "Chairs", ["Desk Chair"])  # a sub-category click drills within the page
    dash_duo.wait_for_text_to_equal("#products-crumb-sub", "Chairs")
    # Its download says what it shows: the sub-category is no filter, so the chart's name holds it.
    options = f"return document.querySelector('#{level} .js-plotly-plot')._context.toImageButtonOptions"
    until(lambda: dash_duo.driver.execute_script(options)["title"] == "Sales by products in Chairs", 5)
    assert dash_duo.driver.execute_script(options)["caption"] == "01 Jan 2026 – 28 Feb 2026 · Category: Furniture"

    click_bar(dash_duo, level, "Desk Chair")  # a product click picks it for also-bought
    dash_duo.wait_for_contains_text("#products-also-bought", "in only 2 orders in this range")  # O1 and O5

    dash_duo.click("#products-crumb-all")
    wait_for_bars(dash_duo, level, ["Office Supplies", "Technology", "Furniture"])
    assert "category" not in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_brws102_grid_ranks_and_also_bought_follows_the_chosen_row(started):
    dash_duo = started.open(f"/products?{JAN_FEB}")
    first_row = '#products-grid .ag-row[row-index="0"]'
    dash_duo.wait_for_contains_text("#products-also-bought", "Showing the best seller, Desk Chair")
    dash_duo.wait_for_contains_text(first_row, "Desk Chair")
    dash_duo.wait_for_contains_text(first_row, "$300.00")
    dash_duo.wait_for_contains_text('#products-grid .ag-row[row-index="2"]', "$60.00")  # Paper

    dash_duo.click('#products-grid .ag-row[row-index="1"] [col-id="product"]')  # Phone
    dash_duo.wait_for_contains_text("#products-also-bought", "in only 1 order in this range")  # O2 (O4 is cancelled)
    dash_duo.click('#products-grid .ag-row[row-index="2"] [col-id="product"]')  # Paper
    dash_duo.wait_for_contains_text("#products-also-bought", "in only 2 orders in this range")  # O1 and O3

    dash_duo.find_element("#products-search").send_keys("pho")
    until(
        lambda: (
            len(dash_duo.driver.find_elements("css selector", "#products-grid .ag-center-cols-container .ag-row")) == 1
        ),
        10,
    )
    assert dash_duo.get_logs() == []


def test_brws103_csv_download_holds_the_rows_shown(started):
    dash_duo = started.open(f"/products?{JAN_FEB}")
    dash_duo.wait_for_contains_text('#products-grid .ag-row[row-index="0"]', "Desk Chair")
    dash_duo.click("#products-csv")
    target = downloaded(dash_duo, "top-products_2026-01-01_to_2026-02-28.csv", timeout=10)
    rows = list(csv.DictReader(target.open(encoding="utf-8-sig")))
    assert [(r["Product"], r["Sales"]) for r in rows] == [("Desk Chair", "300"), ("Phone", "240"), ("Paper", "60")]


def test_brws104_segments_page_and_cross_filter(started):
    dash_duo = started.open(f"/segments?{JAN_FEB}")
    dash_duo.wait_for_contains_text("#segments-kpi-table", "$260.00")  # Consumer
    dash_duo.wait_for_contains_text("#segments-kpi-table", "(no customer)")
    dash_duo.wait_for_contains_text("#segments-top-categories", "Consumer: Furniture")
    wait_for_bars(dash_duo, "segments-sales-graph", ["(no customer)", "Corporate", "Consumer"])

    # A piece of the category mix filters by its category (the first of its point's customdata).
    settled(dash_duo)
    first = "return document.querySelector('#segments-mix-graph .js-plotly-plot').data[0].customdata[0][0]"
    category = dash_duo.driver.execute_script(first)
    piece = dash_duo.find_elements("#segments-mix-graph .point path")[0]
    ActionChains(dash_duo.driver).move_to_element(piece).click().perform()
    until(lambda: f"category={category.replace(' ', '+')}" in dash_duo.driver.current_url, timeout=10)
    dash_duo.open(f"/segments?{JAN_FEB}")  # the address's filter: no category
    wait_for_bars(dash_duo, "segments-sales-graph", ["(no customer)", "Corporate", "Consumer"])

    drill(dash_duo, "segments-sales-graph", "Corporate", ["Corporate"])
    until(lambda: "segment=Corporate" in dash_duo.driver.current_url, timeout=10)
    dash_duo.find_element("#nav-link-overview").click()
    dash_duo.wait_for_text_to_equal("#overview-kpi-sales-value", "$240.00")
    assert dash_duo.get_logs() == []


def test_brws105_segment_table_stacks_into_cards_on_a_phone(started):
    started.driver.set_window_size(390, 900)
    dash_duo = started.open("/segments?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_element("#segments-kpi-table td")
    table = dash_duo.find_element("#segments-kpi-table")
    wrapper = table.find_element("xpath", "..")  # Bootstrap's .table-responsive, which scrolls sideways
    assert dash_duo.driver.execute_script("return arguments[0].scrollWidth <= arguments[0].clientWidth", wrapper)
    cell = table.find_element("css selector", "td")
    label = dash_duo.driver.execute_script("return getComputedStyle(arguments[0], '::before').content", cell)
    assert label == '"Sales"'  # each value names itself, the header row being hidden
    assert not table.find_element("css selector", "thead").is_displayed()
