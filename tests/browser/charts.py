"""Helpers to read and click plotly charts in the browser tests, and to read what they download."""

import pathlib

from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains


def settled(dash_duo):
    """No callback is running: a click now lands on the chart that stays."""
    until(lambda: not dash_duo.driver.find_elements("css selector", "[data-dash-is-loading='true']"), timeout=10)


def click_bar(dash_duo, graph_id: str, label: str):
    """Click the bar whose y label is `label` (plotly draws bars bottom-up)."""
    settled(dash_duo)
    labels = dash_duo.driver.execute_script(f"return document.querySelector('#{graph_id} .js-plotly-plot').data[0].y")
    points = dash_duo.driver.find_elements("css selector", f"#{graph_id} .bars .point path")
    point = points[list(labels).index(label)]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", point)
    ActionChains(dash_duo.driver).move_to_element(point).click().perform()


def bars(dash_duo, graph_id: str):
    script = f"var g = document.querySelector('#{graph_id} .js-plotly-plot'); return g && g.data[0] && g.data[0].y"
    return dash_duo.driver.execute_script(script)


def wait_for_bars(dash_duo, graph_id: str, labels: list[str]):
    until(lambda: bars(dash_duo, graph_id) == labels, timeout=10)


def drill(dash_duo, graph_id: str, label: str, expected: list[str]):
    """Click a bar and wait for the next level. A click that lands while plotly redraws the
    chart is lost (a person clicks again), so one retry; a broken drill fails both."""
    for attempt in range(2):
        click_bar(dash_duo, graph_id, label)
        try:
            wait_for_bars(dash_duo, graph_id, expected)
            return
        except Exception:
            if attempt:
                raise


def downloaded(dash_duo, name: str, timeout: float = 15) -> pathlib.Path:
    """The file Chromium saved as name in dash_duo's download folder, once whole (a partial one
    is name.crdownload)."""
    target = pathlib.Path(dash_duo.download_path) / name
    until(lambda: target.exists() and target.stat().st_size > 0, timeout=timeout)
    return target
