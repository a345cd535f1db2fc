"""Every chart has its stylesheet height on first load, however fast its answer comes.

A responsive dcc.Graph gets an inline `height: 100%` of a parent that has no height; unless the
stylesheet's height wins, a chart drawn before its card is laid out keeps plotly's default 450px
or collapses to 0 (seen once answers came from the answer cache in milliseconds)."""

from dash.testing.wait import until

from tests.browser.charts import settled

HEIGHTS = {"chart-graph": 380, "trend-graph": 420, "cohort-graph": 460, "chart-graph-short": 300}
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
            assert height == drawn == _expected(class_name), (path, graph_id, height, drawn)
