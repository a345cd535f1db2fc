"""Production as the Procfile runs it: gunicorn, two workers, Redis, a browser logging in."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import urllib.request

import psutil
import pytest
import requests

from bench.pages import GUNICORN_COMMAND, app_server
from tests.web.conftest import PASSWORD

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn(fixture_database, redis_url, tmp_path):
    """The Procfile's `gunicorn app:server` with 2 workers, Redis, and request logs."""
    env = {"REDIS_URL": redis_url, "WEB_WORKERS": "2", "WEB_THREADS": "2", "LOG_LEVEL": "info"}
    with app_server(fixture_database, tmp_path, env) as server:
        health = requests.get(server.url + "/healthz", timeout=10).json()
        yield server.url, health, tmp_path / "gunicorn.log"


def _pids_serving(log: pathlib.Path, email: str) -> set[int]:
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    return {line["pid"] for line in lines if line.get("user") == email and line.get("status") == 200}


def test_gunicorn_refuses_to_start_without_a_secret_key(fixture_database, tmp_path):
    env = os.environ | {"DATABASE_URL": fixture_database, "DATA_DIR": str(tmp_path), "PORT": "18999"}
    env.pop("SECRET_KEY", None)
    done = subprocess.run(GUNICORN_COMMAND, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr


def test_browser_login_flow_under_gunicorn(gunicorn, accounts, dash_br):
    url, health, log = gunicorn
    assert health == {"status": "ok", "database": "ok", "cache": "ok"}

    dash_br.driver.set_window_size(1400, 1000)
    dash_br.driver.get(url + "/customers")
    dash_br.wait_for_element("#login-submit")
    assert "/login?next=/customers" in dash_br.driver.current_url
    dash_br.find_element("#email").send_keys("ann@shop.test")
    dash_br.find_element("#password").send_keys("a wrong password")
    dash_br.find_element("#login-submit").click()
    dash_br.wait_for_text_to_equal("#login-error", "Wrong email or password.")

    dash_br.find_element("#password").send_keys(PASSWORD)
    dash_br.find_element("#login-submit").click()
    dash_br.wait_for_element("#customers-stats")
    assert dash_br.driver.current_url == url + "/customers"
    dash_br.wait_for_contains_text("#account-menu", "ann")
    assert "nav-link-data" not in dash_br.driver.page_source, "a viewer has no import page"

    # Consumer customers' sales in the first quarter: 245.00 + 15.00 - 100.00 (fixture_data).
    dash_br.driver.get(url + "/?from=2026-01-01&to=2026-03-31")
    dash_br.wait_for_contains_text("#overview-kpis", "$160.00")

    # The same session cookie works on either worker: one SECRET_KEY signs for both.
    cookie = dash_br.driver.get_cookie("shop_pulse_session")["value"]
    for _ in range(40):
        request = urllib.request.Request(url + "/_dash-layout", headers={"Cookie": f"shop_pulse_session={cookie}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        if len(_pids_serving(log, "ann@shop.test")) == 2:
            break
    assert len(_pids_serving(log, "ann@shop.test")) == 2, "both workers served this session"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert all("traceback" not in line.get("message", "").lower() for line in lines)

    dash_br.find_element("#account-menu").click()
    dash_br.wait_for_element("#logout-button").click()
    dash_br.wait_for_element("#login-submit")
    dash_br.driver.get(url + "/")
    dash_br.wait_for_element("#login-submit")
    assert dash_br.get_logs() == [], "no console errors (a Content-Security-Policy violation would be one)"


def test_the_bench_app_stops_with_the_process_that_started_it(fixture_database, tmp_path):
    # A bench stopped by SIGTERM (a CI timeout, `kill`) used to leave its apps serving.
    script = f"""
import time
from pathlib import Path
from bench.pages import app_server
with app_server({fixture_database!r}, Path({str(tmp_path)!r}), {{}}) as app:
    print(app.process.pid, flush=True)
    time.sleep(120)
"""
    runner = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    app_pid = int(runner.stdout.readline())
    try:
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=60) == 128 + signal.SIGTERM
        assert not psutil.pid_exists(app_pid)
    finally:
        if psutil.pid_exists(app_pid):
            psutil.Process(app_pid).terminate()
