"""The Overview in headless Chromium: deep links, filter changes, navigation, empty state, export.

Expected values are those of tests/data_access/test_sales.py (the fixture shop).
"""

from dash.testing.wait import until

from tests.browser.charts import downloaded, settled

SALES = "#overview-kpi-sales-value"
ORDERS = "#overview-kpi-orders-value"


def test_brws001_deep_link_opens_with_its_filters(started):
    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28&segment=Consumer")
    dash_duo.wait_for_text_to_equal(SALES, "$260.00")
    dash_duo.wait_for_text_to_equal(ORDERS, "2")
    assert dash_duo.find_element("#filter-dates").get_attribute("value") == "2026-01-01"
    assert "Custom range" in dash_duo.find_element("#filter-period").text
    assert "Consumer" in dash_duo.find_element("#filter-segment").text
    assert dash_duo.get_logs() == []


def test_brws009_several_values_show_their_names_and_a_bare_count(started):
    dash_duo = started.open("/?period=all&category=Furniture&category=Technology")
    dash_duo.wait_for_text_to_equal("#filter-category-value-count", "2")
    # The names, not "2 selected" squeezing the first one to a letter.
    assert dash_duo.find_element("#filter-category-value").text.startswith("Furniture")
    assert dash_duo.get_logs() == []


def test_brws002_changing_segment_and_preset_changes_cards_and_url(started):
    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_text_to_equal(SALES, "$600.00")
    dash_duo.wait_for_text_to_equal("#overview-kpi-customers-value", "2")

    dash_duo.choose("#filter-segment", "Corporate")
    dash_duo.wait_for_text_to_equal(SALES, "$240.00")
    assert "segment=Corporate" in dash_duo.driver.current_url

    dash_duo.find_element("#filter-reset").click()  # back to the default, then all time
    dash_duo.choose("#filter-period", "All time")
    dash_duo.wait_for_text_to_equal(SALES, "$1,115.00")
    dash_duo.wait_for_text_to_equal(ORDERS, "7")
    assert "period=all" in dash_duo.driver.current_url
    assert "segment" not in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


def test_brws003_every_page_loads_and_keeps_the_filter(started):
    dash_duo = started.open("/?period=all&region=North")
    dash_duo.wait_for_text_to_equal(SALES, "$275.00")  # Alice: O1 245 + O3 15; Dan: O6 15
    for page in ("products", "customers", "segments"):
        dash_duo.find_element(f"#nav-link-{page}").click()
        dash_duo.wait_for_element(f"#{page}-page")
        assert "region=North" in dash_duo.driver.current_url
        assert "North" in dash_duo.find_element("#filter-region").text
    dash_duo.find_element("#nav-link-overview").click()
    dash_duo.wait_for_text_to_equal(SALES, "$275.00")
    assert dash_duo.get_logs() == []


def test_brws004_no_match_shows_an_empty_state_not_an_error(started):
    dash_duo = started.open("/?from=2024-06-01&to=2024-06-30")
    dash_duo.wait_for_contains_text("#overview-kpis", "No sales match these filters")
    dash_duo.wait_for_contains_text("#overview-kpis", "Your data runs from 2025-01-20 to 2026-03-01")
    dash_duo.find_element("#overview-kpis button").click()  # Show all time
    dash_duo.wait_for_contains_text("#filter-period", "All time")
    dash_duo.wait_for_element("#overview-kpi-sales-value")
    assert "period=all" in dash_duo.driver.current_url
    dash_duo.open("/customers?period=all&segment=Home%20Office&region=West")  # all time already: no button
    dash_duo.wait_for_contains_text("#customers-stats", "Try fewer filters.")
    assert dash_duo.find_elements("#customers-stats button") == []
    assert dash_duo.get_logs() == []


def test_brws005_chart_downloads_are_named_by_range_and_titled_with_what_they_show(started):
    """PNG at 2x and SVG from the modebar; the image says which chart, which dates and which
    filters (a chart pasted into a meeting's slides said none of it)."""
    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28&segment=Consumer")
    dash_duo.wait_for_element("#overview-trend-graph .bars")
    graph = "#overview-trend-graph"
    dash_duo.wait_for_element(f'{graph} .modebar-btn[data-title="Download as SVG"]')
    assert dash_duo.find_elements(f'{graph} .modebar-btn[data-title="Download plot as a png"]') == []  # ours instead
    options = dash_duo.driver.execute_script(
        f"return document.querySelector('{graph} .js-plotly-plot')._context.toImageButtonOptions"
    )
    name = "sales-and-profit-over-time_2026-01-01_to_2026-02-28"
    caption = "01 Jan 2026 – 28 Feb 2026 · Segment: Consumer"
    assert options == {
        "format": "png",
        "scale": 2,
        "filename": name,
        "title": "Sales and profit over time",
        "caption": caption,
    }
    width, height = dash_duo.driver.execute_script(
        f"var l = document.querySelector('{graph} .js-plotly-plot')._fullLayout; return [l.width, l.height]"
    )

    dash_duo.find_element(f'{graph} .modebar-btn[data-title="Download as SVG"]').click()
    svg = downloaded(dash_duo, name + ".svg").read_text()
    assert ">Sales and profit over time<" in svg and f">{caption}<" in svg
    assert ">Sales<" in svg  # the chart itself, its legend

    dash_duo.find_element(f'{graph} .modebar-btn[data-title="Download as PNG"]').click()
    png = downloaded(dash_duo, name + ".png").read_bytes()
    png_width, png_height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert png_width == 2 * width and png_height > 2 * height  # 2x, and taller by the title's lines

    # A phone's chart is narrow: its image is drawn 800 px wide for the slides, not 350 px; a
    # caption longer than that goes on two lines, not past the edge.
    dash_duo.driver.set_window_size(390, 844)
    many = "segment=Consumer&segment=Corporate&region=North&region=South&category=Office%20Supplies"
    dash_duo.open(f"/?from=2026-01-01&to=2026-02-28&{many}&category=Furniture&category=Technology")
    dash_duo.wait_for_element("#overview-trend-graph .bars")
    drawn = dash_duo.driver.execute_async_script(DRAW_TITLED, "overview-trend-graph")
    assert drawn["width"] == 800 and drawn["caption_right"] <= 800 and drawn["caption_lines"] == 2, drawn
    assert drawn["title_bottom"] <= min(drawn["legend_top"] or 1e9, drawn["plot_top"]), drawn
    assert dash_duo.get_logs() == []


def test_brws006_phone_folds_filters_and_menu_behind_buttons(started):
    dash_duo = started
    dash_duo.driver.set_window_size(390, 844)
    dash_duo.open("/?period=ytd&segment=Corporate")
    dash_duo.wait_for_text_to_equal("#filter-toggle", "Filters: Year to date · Corporate")
    assert not dash_duo.find_element("#filter-segment").is_displayed()
    dash_duo.find_element("#filter-toggle").click()
    until(lambda: dash_duo.find_element("#filter-segment").is_displayed(), timeout=5)

    # The menu holds the pages, the data's date and the refresh choice: above the page only
    # the brand and the button stay.
    menu = ["#nav-link-products", "#data-as-of", "#auto-refresh"]
    until(lambda: "Data as of" in dash_duo.find_element("#data-as-of").get_attribute("textContent"), timeout=10)
    assert not any(dash_duo.find_element(item).is_displayed() for item in menu)
    dash_duo.find_element("#navbar-toggler").click()
    until(lambda: all(dash_duo.find_element(item).is_displayed() for item in menu), timeout=5)
    dash_duo.find_element("#nav-link-products").click()
    dash_duo.wait_for_element("#products-page")
    assert "segment=Corporate" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []


CUT_FILTERS = """return [...document.querySelectorAll('.filter-bar .dash-dropdown-value')]
    .filter(e => e.scrollWidth > e.clientWidth).map(e => e.textContent)"""


def test_brws014_on_a_small_laptop_every_filter_reads_whole(started):
    """At 1024 px the bar goes on two lines rather than cutting each filter to "All se…"; from
    1200 px on one line, every filter whole."""
    dash_duo = started
    dash_duo.driver.set_window_size(1024, 768)
    dash_duo.open("/")
    until(lambda: len(dash_duo.driver.find_elements("css selector", ".filter-bar .dash-dropdown-value")) == 5, 10)
    assert dash_duo.driver.execute_script(CUT_FILTERS) == []
    assert dash_duo.find_element("#filter-segment").is_displayed()
    # The navbar keeps the data's time on one line (it wrapped to two), to the minute.
    as_of = dash_duo.find_element("#data-as-of")
    until(lambda: as_of.text.startswith("Data as of"), 10)
    assert as_of.size["height"] < 30 and as_of.text.count(":") == 1, (as_of.text, as_of.size)
    navbar = dash_duo.find_element(".navbar").size["height"]
    dash_duo.driver.set_window_size(1400, 768)
    until(lambda: as_of.text.count(":") == 2 and as_of.text.endswith(")"), 5)  # seconds and zone back
    assert dash_duo.find_element(".navbar").size["height"] == navbar
    # From 1200 px the bar is one line: at 1200 "All segme…" and "All catego…" were cut.
    bar = dash_duo.find_element("#filter-bar .row")
    for width in (1200, 1280, 1400):
        dash_duo.driver.set_window_size(width, 768)
        until(lambda: bar.size["height"] < 60, 5)  # one line
        assert dash_duo.driver.execute_script(CUT_FILTERS) == [], width


CLASHES = """return [...document.querySelectorAll('.js-plotly-plot')].filter(plot => {
    const bar = plot.querySelector('.modebar'), legend = plot.querySelector('g.legend');
    if (!bar || !legend) return false;
    const a = bar.getBoundingClientRect(), b = legend.getBoundingClientRect();
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}).map(plot => plot.parentElement.id)"""


def test_brws015_a_chart_s_mode_bar_stays_clear_of_its_legend(started):
    """Category mix in a half-width card at 1024 px: its legend ran under the mode bar's buttons."""
    dash_duo = started
    dash_duo.driver.set_window_size(1024, 768)
    for path in ("/segments", "/products", "/", "/customers"):
        dash_duo.open(path)
        until(lambda: dash_duo.driver.find_elements("css selector", "g.legend .traces"), 10)
        settled(dash_duo)
        assert dash_duo.driver.execute_script(CLASHES) == [], path


def test_brws007_region_bar_click_cross_filters_every_page(started):
    from tests.browser.charts import drill

    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_text_to_equal(SALES, "$600.00")
    drill(dash_duo, "overview-region-graph", "South", ["South"])
    dash_duo.wait_for_text_to_equal(SALES, "$240.00")  # Bob's O2
    assert "region=South" in dash_duo.driver.current_url
    dash_duo.click("#nav-link-segments")
    dash_duo.wait_for_contains_text("#segments-kpi-table", "Corporate")
    assert "Consumer" not in dash_duo.find_element("#segments-kpi-table").text  # Carol's order was cancelled
    assert dash_duo.get_logs() == []


def test_brws008_every_chart_on_every_page_exports_png_and_svg_titled(started):
    pages = {
        "/": ["overview-trend-graph", "overview-change-graph", "overview-region-graph", "overview-store-graph"],
        "/products": ["products-level-graph", "products-monthly-graph"],
        "/customers": [
            "customers-new-returning-graph",
            "customers-cohort-graph",
            "customers-ltv-graph",
            "customers-rfm-graph",
        ],
        "/segments": ["segments-sales-graph", "segments-mix-graph", "segments-trend-graph"],
    }
    dash_duo = started
    for path, graphs in pages.items():
        dash_duo.open(path + "?from=2025-01-01&to=2026-02-28")
        for graph in graphs:
            dash_duo.wait_for_element(f'#{graph} .modebar-btn[data-title="Download as SVG"]')
            until(
                lambda graph=graph: (
                    (
                        dash_duo.driver.execute_script(
                            f"return document.querySelector('#{graph} .js-plotly-plot')._context.toImageButtonOptions"
                        )
                        or {}
                    )
                    .get("filename", "")
                    .endswith("_2025-01-01_to_2026-02-28")
                ),
                timeout=10,
            )
            drawn = dash_duo.driver.execute_async_script(DRAW_TITLED, graph)
            assert drawn["title"] and drawn["caption"] == "01 Jan 2025 – 28 Feb 2026", (graph, drawn)
            assert drawn["title_bottom"] <= min(drawn["legend_top"] or 1e9, drawn["plot_top"]), (graph, drawn)
            assert drawn["caption_right"] <= drawn["width"], (graph, drawn)
    assert dash_duo.get_logs() == []


# The image a chart's downloads hold, drawn off screen: its title and caption, and where they end
# against the legend's and the plot's top (the legend ran over the caption once).
DRAW_TITLED = """
const [graph, done] = arguments;
const gd = document.querySelector('#' + graph + ' .js-plotly-plot');
const fig = window.shopPulseExport.titledFigure(gd, gd._context.toImageButtonOptions);
const div = document.createElement('div');
div.style.cssText = 'position:absolute; left:-5000px; top:0';
document.body.appendChild(div);
Plotly.newPlot(div, fig.data, fig.layout).then(() => {
    const box = div.getBoundingClientRect(), top = box.top;
    const legend = div.querySelector('.legend');
    const found = {
        title: div.querySelector('.gtitle').textContent,
        caption: div.querySelector('.gtitle-subtitle').textContent,
        title_bottom: div.querySelector('.g-gtitle').getBoundingClientRect().bottom - top,
        legend_top: legend ? legend.getBoundingClientRect().top - top : null,
        plot_top: div._fullLayout._size.t,
        caption_right: div.querySelector('.gtitle-subtitle').getBoundingClientRect().right - box.left,
        caption_lines: Math.max(1, div.querySelectorAll('.gtitle-subtitle tspan.line').length),
        width: div._fullLayout.width,
    };
    Plotly.purge(div);
    div.remove();
    done(found);
});
"""


def test_brws011_an_unknown_address_lists_the_pages_and_hides_the_filter(started):
    dash_duo = started.open("/no-such-page")
    dash_duo.wait_for_contains_text("#not-found", "There is no page at this address")
    assert not dash_duo.find_element("#filter-bar").is_displayed()  # it would filter nothing here
    assert dash_duo.driver.title == "Page not found · Shop Pulse"
    dash_duo.find_element("#not-found a[href='/customers']").click()
    dash_duo.wait_for_text_to_equal("#customers-stat-customers-value", "4")
    until(lambda: dash_duo.find_element("#filter-bar").is_displayed(), timeout=5)
    # /overview, a natural guess, leads to the Overview (at /).
    started.open("/overview?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_text_to_equal(SALES, "$600.00")
    assert dash_duo.driver.current_url.split("?")[0] == dash_duo.server_url + "/"
    assert dash_duo.get_logs() == []


def test_brws012_a_database_that_stops_answering_is_said_and_reload_recovers(started, fixture_database):
    from bench.pages import free_port
    from tests.conftest import _use_environment

    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_text_to_equal(SALES, "$600.00")
    try:
        # A server that refuses connections (nobody listens on that port), as a stopped one does.
        _use_environment(DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone")
        dash_duo.find_element("#nav-link-segments").click()
        dash_duo.wait_for_contains_text("#database-unavailable", "The database is not answering")
        assert dash_duo.find_element(SALES).text == "$600.00"  # what was shown stays, under the banner
    finally:
        _use_environment(DATABASE_URL=fixture_database)
    dash_duo.find_element("#database-unavailable-reload").click()
    dash_duo.wait_for_element("#segments-kpi-table td")
    assert dash_duo.find_elements("#database-unavailable") == []


def test_brws013_on_a_phone_the_mode_bar_waits_for_a_touch_clear_of_the_legend(started):
    from selenium.webdriver.common.action_chains import ActionChains

    started.driver.set_window_size(390, 844)
    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28")
    dash_duo.wait_for_element("#overview-trend-graph .modebar-container")
    chart = dash_duo.find_element("#overview-trend-graph .js-plotly-plot")
    bar = chart.find_element("css selector", ".modebar-container")
    visibility = "return getComputedStyle(arguments[0]).visibility"
    dash_duo.driver.execute_script("window.scrollTo(0, 0)")  # the pointer away from the chart
    assert dash_duo.driver.execute_script(visibility, bar) == "hidden"
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
    ActionChains(dash_duo.driver).move_to_element(chart).perform()
    until(lambda: dash_duo.driver.execute_script(visibility, bar) == "visible", timeout=5)
    started.driver.set_window_size(1400, 1000)  # a desktop keeps it in sight, pointer or not
    ActionChains(dash_duo.driver).move_to_element(dash_duo.find_element("#filter-period")).perform()
    until(lambda: dash_duo.driver.execute_script(visibility, bar) == "visible", timeout=5)
    assert dash_duo.get_logs() == []


def test_brws010_what_changed_splits_the_change_and_filters_by_a_step(started):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select

    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28")
    sentence = "#overview-change-sentence"
    # 315.00 in the previous 59 days (Dan's O6, Erin's O9) -> 600.00 (tests/components/test_change_figure.py).
    dash_duo.wait_for_text_to_equal(
        sentence, "Sales rose $285.00 (+90.5%) against the previous 59 days; the biggest move: Technology (+$240.00)."
    )
    Select(dash_duo.find_element("#overview-change-measure")).select_by_value("profit")
    dash_duo.wait_for_text_to_equal(
        sentence, "Profit rose $65.00 (+50.4%) against the previous 59 days; the biggest move: Technology (+$40.00)."
    )
    assert dash_duo.find_element("#overview-change-hint").text == "Click a step to filter by it."
    Select(dash_duo.find_element("#overview-change-by")).select_by_value("product")  # one product a category
    dash_duo.wait_for_contains_text(sentence, "the biggest move: Phone (+$40.00).")
    assert dash_duo.find_element("#overview-change-hint").text == ""  # the filter bar has no products
    Select(dash_duo.find_element("#overview-change-by")).select_by_value("segment")  # Bob 40 -> Erin's 120 fell
    dash_duo.wait_for_contains_text(sentence, "the biggest move: Consumer (+$114.00).")
    steps = "return document.querySelector('#overview-change-graph .js-plotly-plot').data[0].customdata"
    labels = dash_duo.driver.execute_script(steps)
    assert labels == ["(before)", "Consumer", "Corporate", "(no customer)", "Home Office", "(after)"]

    settled(dash_duo)
    points = dash_duo.driver.find_elements("css selector", "#overview-change-graph .point path")
    point = points[labels.index("Consumer")]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", point)
    ActionChains(dash_duo.driver).move_to_element(point).click().perform()
    dash_duo.wait_for_text_to_equal(SALES, "$260.00")  # Alice's O1 and O3
    assert "segment=Consumer" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
