"""Every chart has its stylesheet height on first load, however fast its answer comes.

A responsive dcc.Graph gets an inline `height: 100%` of a parent that has no height; unless the
stylesheet's height wins, a chart drawn before its card is laid out keeps plotly's default 450px
or collapses to 0 (seen once answers came from the answer cache in milliseconds)."""

from dash.testing.wait import until

from tests.browser.charts import settled

HEIGHTS = {"chart-graph": 380, "trend-graph": 420, "cohort-graph": 460, "chart-graph-short": 300}
MODE_BAR_STRIP = 28  # beyond a phone, each graph's top strip holds the mode bar; the plot is drawn below it
SIZES = """return [...document.querySelectorAll('.dash-graph')].map(g => {
    const plot = g.querySelector('.js-plotly-plot');
    return [g.id, g.className, Math.round(g.getBoundingClientRect().height),
            plot && plot._fullLayout ? plot._fullLayout.height : null];
})"""


def _expected(class_name: str) -> int:
    return next(h for name, h in HEIGHTS.items() if name in class_name.split())


def _drawn(driver) -> bool:
    sizes = driver.execute_script(SIZES)
    return bool(sizes) and all(size[3] for size in sizes)


def test_brws120_every_chart_has_its_height_on_first_load(started):
    for path in ("/customers", "/", "/segments", "/products", "/customers"):
        driver = started.open(path + "?from=2026-01-01&to=2026-02-28").driver
        until(lambda: _drawn(driver), 10)  # noqa: B023 (called at once, inside this iteration)
        settled(started)
        sizes = driver.execute_script(SIZES)
        assert len(sizes) >= 2, path
        for graph_id, class_name, height, drawn in sizes:
            # A chart in a card that fills its row (chart_card fill) may grow past its height.
            grows = driver.execute_script(f"return !!document.getElementById('{graph_id}').closest('.chart-card-fill')")
            expected = _expected(class_name)
            assert height == drawn + MODE_BAR_STRIP, (path, graph_id, height, drawn)
            assert height >= expected if grows else height == expected, (path, graph_id, height, drawn)


FILL = """const graph = document.getElementById('products-level-graph');
const mine = graph.closest('.card'), other = document.getElementById('products-also-bought').closest('.card');
return [Math.round(mine.getBoundingClientRect().bottom), Math.round(other.getBoundingClientRect().bottom),
        Math.round(graph.getBoundingClientRect().height), graph.querySelector('.js-plotly-plot')._fullLayout.height];"""


def test_brws121_category_breakdown_grows_to_the_also_bought_card_beside_it(started):
    """Beside a taller also-bought list the chart grows, redrawn at its new height, and its card
    ends where the list's does (it ended ~230 px above it at 1280 px with the demo shop); on a
    narrower screen the two stack and the chart keeps its height. The fixture shop's list is
    short: the list's card is given the demo's height."""
    driver = started.open("/products?from=2026-01-01&to=2026-02-28").driver
    until(lambda: _drawn(driver), 10)
    settled(started)
    driver.execute_script("document.getElementById('products-also-bought').closest('.card').style.minHeight = '834px'")
    until(lambda: (lambda m: m[2] == m[3] + MODE_BAR_STRIP > 380)(driver.execute_script(FILL)), 5)
    mine, other, height, drawn = driver.execute_script(FILL)
    assert abs(mine - other) <= 1, (mine, other, height, drawn)
    driver.set_window_size(1024, 900)
    until(lambda: driver.execute_script(FILL)[2:] == [380, 380 - MODE_BAR_STRIP], 5)


PRINTED = """return [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
    const box = gd.querySelector('.svg-container').getBoundingClientRect();
    const card = gd.closest('.card-body').getBoundingClientRect();
    return [gd.parentElement.id, gd._fullLayout.width, Math.round(box.width), Math.round(card.width),
            gd.classList.contains('print-fit')];
})"""


def test_brws122_printed_the_controls_go_and_each_chart_fits_the_paper(started):
    """Printing (or saving as PDF): no navbar, filter controls or mode bars, the filter as its
    one-line summary; a page-wide chart is drawn again at most 760 px wide (A4's printable width
    is ~720 px: printed as drawn for the screen, it ran off the paper) and scaled to its card;
    after printing it takes the window's width again."""
    dash_duo = started.open("/?from=2026-01-01&to=2026-02-28")
    until(lambda: _drawn(dash_duo.driver), 10)
    settled(dash_duo)
    driver = dash_duo.driver
    wide = {row[0]: row[1] for row in driver.execute_script(PRINTED)}
    assert wide["overview-trend-graph"] > 1000  # drawn for the 1400 px window
    driver.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = "return getComputedStyle(document.querySelector(arguments[0])).display !== 'none'"
        assert not driver.execute_script(shown, ".navbar")
        assert not driver.execute_script(shown, ".filter-collapse")
        assert not driver.execute_script(shown, ".modebar-container")
        assert driver.execute_script(shown, "#filter-toggle")
        assert dash_duo.find_element("#filter-toggle").text.startswith("Filters:")
        for graph_id, drawn, box, card, fitted in driver.execute_script(PRINTED):
            assert fitted and drawn <= 760 and box <= min(drawn, card) + 1, (graph_id, drawn, box, card)
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.execute_script("window.dispatchEvent(new Event('afterprint'))")
    until(lambda: driver.execute_script(PRINTED)[0][1:3] == [wide["overview-trend-graph"]] * 2, 5)
    assert not any(row[4] for row in driver.execute_script(PRINTED))
