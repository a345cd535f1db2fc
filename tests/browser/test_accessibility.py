"""Every page passes axe-core's checks (WCAG 2 A/AA and best practice) in headless Chromium.

Left out, each inside one of Dash's own components (not markup of ours): the date range
picker's wrapper carries aria-expanded, the dropdowns' hidden focus target can take focus,
and the upload area's file input has no label of its own (the drop zone's text names it).
"""

import pytest
from axe_core_python.selenium import Axe

from tests.browser.charts import settled

DASH_OWN = {"exclude": [["#filter-dates-wrapper"], [".dash-dropdown-focus-target"], ["#data-upload input[type=file]"]]}


def _violations(dash_duo) -> list[str]:
    found = Axe().run(dash_duo.driver, context=DASH_OWN)["violations"]
    return [f"{v['id']} ({v['impact']}): {[' '.join(n['target']) for n in v['nodes']][:3]}" for v in found]


@pytest.mark.parametrize("path", ["/", "/products", "/customers", "/segments", "/data", "/no-such-page"])
def test_brws130_every_page_passes_axe(started, path):
    dash_duo = started.open(path)
    dash_duo.wait_for_element("#not-found" if path == "/no-such-page" else "main .card")
    settled(dash_duo)
    assert _violations(dash_duo) == []


def test_brws131_the_login_page_passes_axe(started):
    started.driver.get(started.server_url + "/login")
    started.wait_for_element("#login-submit")
    assert _violations(started) == []
