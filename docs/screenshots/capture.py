"""Re-take the README screenshots from a running app: `python docs/screenshots/capture.py`.

Uses headless Chromium in real time (the --virtual-time-budget shortcut mis-sizes plotly
charts) and waits until Dash has no callback in flight before each shot.
"""

import pathlib
import sys
import time

from selenium import webdriver

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8050"
HERE = pathlib.Path(__file__).parent
# Products last: its deep link sets a category, and the filter follows the session.
PAGES = {
    "overview.png": ("/", 1820),
    "customers.png": ("/customers", 2300),
    "segments.png": ("/segments", 1500),
    "products.png": ("/products?category=Technology", 1900),
}


def main() -> None:
    options = webdriver.ChromeOptions()
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(options=options)
    try:
        for name, (path, height) in PAGES.items():
            driver.set_window_size(1400, height)
            driver.get(BASE + path)
            time.sleep(2)
            for _ in range(60):
                if not driver.find_elements("css selector", "[data-dash-is-loading='true']"):
                    break
                time.sleep(0.5)
            time.sleep(1.5)  # plotly's last relayout
            driver.save_screenshot(str(HERE / name))
            print("saved", name)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
