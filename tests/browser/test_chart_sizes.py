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
            assert height == drawn + MODE_BAR_STRIP == _expected(class_name), (path, graph_id, height, drawn)


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
