"""Auto-refresh: off by default. When on, the page asks every second for the data version (one
single-row query) and re-runs its callbacks when a load or the live feed changed the data, at
most once per chosen interval (5-60 s). So a new sale shows within about a second when the
figures are older than the interval, and a busy feed does not redraw the page non-stop."""

from __future__ import annotations

import time

import dash
from dash import Input, Output, State, callback, clientside_callback

from components.shell import AUTO_REFRESH, AUTO_REFRESH_TICK
from data_access.cache import data_state
from pages._filter_sync import DATA_VERSION

ENABLE_JS = """function (seconds) { return !(parseInt(seconds || "0", 10) > 0); }"""


def register_auto_refresh_callbacks() -> None:
    clientside_callback(ENABLE_JS, Output(AUTO_REFRESH_TICK, "disabled"), Input(AUTO_REFRESH, "value"))

    @callback(
        Output(DATA_VERSION, "data"),
        Input(AUTO_REFRESH_TICK, "n_intervals"),
        State(AUTO_REFRESH, "value"),
        State(DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    def check_data_version(_tick, seconds, known):
        version, _as_of = data_state()
        known = known or {}
        if version == known.get("version") or time.time() - known.get("at", 0) < int(seconds or 0):
            raise dash.exceptions.PreventUpdate
        return {"version": version, "at": time.time()}
