"""Auto-refresh: off by default; every 5-60 s the page asks for the data version (one tiny
query) and re-runs its callbacks only when a load or the live feed changed the data."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, clientside_callback

from components.shell import AUTO_REFRESH, AUTO_REFRESH_TICK
from data_access.cache import data_state
from pages._filter_sync import DATA_VERSION

INTERVAL_JS = """function (seconds) {
    const s = parseInt(seconds || "0", 10);
    return [!(s > 0), (s > 0 ? s : 60) * 1000];
}"""


def register_auto_refresh_callbacks() -> None:
    clientside_callback(
        INTERVAL_JS,
        Output(AUTO_REFRESH_TICK, "disabled"),
        Output(AUTO_REFRESH_TICK, "interval"),
        Input(AUTO_REFRESH, "value"),
    )

    @callback(
        Output(DATA_VERSION, "data"),
        Input(AUTO_REFRESH_TICK, "n_intervals"),
        State(DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    def check_data_version(_tick, known):
        version, _as_of = data_state()
        if version == known:
            raise dash.exceptions.PreventUpdate
        return version
