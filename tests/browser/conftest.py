"""The app under test, imported only after the session fixture pointed it at the fixture shop."""

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys


@pytest.fixture
def dash_app(fixture_database):
    from app import app

    return app


@pytest.fixture
def started(dash_duo, dash_app):
    """dash_duo with the app running; open(path) loads a page and waits for the KPI cards."""
    dash_duo.start_server(dash_app)
    dash_duo.driver.set_window_size(1400, 1000)  # a desktop: the filter panel is always open

    def open_page(path: str = "/"):
        dash_duo.driver.get(dash_duo.server_url + path)
        dash_duo.wait_for_element("#filter-period")
        return dash_duo

    def choose(selector: str, value: str):
        """Pick an option in a dcc.Dropdown, then close its menu with Escape as a user would."""
        dash_duo.select_dcc_dropdown(selector, value=value)
        ActionChains(dash_duo.driver).send_keys(Keys.ESCAPE).perform()
        dash_duo.wait_for_no_elements(".dash-dropdown-options")

    def click(selector: str):
        """Scroll the element to the middle of the window (clear of the sticky filter bar), click."""
        element = dash_duo.find_element(selector)
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
        element.click()

    dash_duo.open = open_page
    dash_duo.choose = choose
    dash_duo.click = click
    return dash_duo
