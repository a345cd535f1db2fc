"""Callback answers written by web.fast_json are the same text Plotly's serializer writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import dash._callback
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import pytest
from dash import dcc, html
from plotly.io.json import to_json_plotly

from bench.replay import PAGES, page_requests
from tests.web.conftest import replay_post
from web import fast_json

AWKWARD = {
    "decimal": Decimal("1234.5600"),
    "timestamp": pd.Timestamp("2024-03-01 12:30"),
    "date": dt.date(2024, 3, 1),
    "datetime": dt.datetime(2024, 3, 1, 8, 5),
    "nat": pd.NaT,
    "na": pd.NA,
    "nan": float("nan"),
    "numpy scalars": [np.int64(3), np.float64(2.5), np.bool_(True)],
    "strided array": np.arange(10)[::3],
    "datetime64 array": np.array(["2024-01-01", "2024-02-01"], dtype="datetime64[D]"),
    "object array": np.array([Decimal("1.5"), "a", None], dtype=object),
    "series": pd.Series([1.5, None]),
    "date series": pd.to_datetime(pd.Series(["2024-01-01", "2024-01-02"])),
    "tuple": ("a", 1, None),
    "int keys": {1: "one", 2.5: "two and a half"},
    "unsafe text": "</script> \u2028 \u2029 <b>",
}


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_values_are_written_as_plotly_writes_them(name):
    value = {"x": AWKWARD[name], "y": [AWKWARD[name]]}
    assert fast_json.to_json(value) == to_json_plotly(value)


def test_components_and_figures_are_written_as_plotly_writes_them():
    figure = {"data": [{"type": "bar", "x": pd.Series(["a", "b"]), "y": np.array([1.5, 2.0])}], "layout": {}}
    tree = html.Div(
        [
            dbc.Card(dbc.CardBody([html.H5("Sales"), html.P(Decimal("12.30"), title="<total>")])),
            dcc.Graph(figure=figure),
            html.Table([html.Tr([html.Td(n), html.Td(Decimal(n) / 3)]) for n in range(3)]),
        ],
        id="tree",
    )
    answer = {"multi": True, "response": {"tree": {"children": tree}, "rows": {"rowData": [{"a": 1}] * 3}}}
    assert fast_json.to_json(answer) == to_json_plotly(answer)


def test_what_neither_can_write_is_refused_alike():
    with pytest.raises(TypeError):
        to_json_plotly({"x": object()})
    with pytest.raises(TypeError):
        fast_json.to_json({"x": object()})


def test_every_page_answer_is_plotlys_text(flask_app, monkeypatch):
    """Every data callback of every page, answered by the app for the whole fixture data: the
    answer the app writes is what Plotly would have written."""
    assert dash._callback.to_json is fast_json.to_json  # installed by app.py
    written = []

    def compared(value):
        text = fast_json.to_json(value)
        written.append((text, to_json_plotly(value)))
        return text

    monkeypatch.setattr(dash._callback, "to_json", compared)
    client = flask_app.server.test_client()
    post = replay_post(client)
    dependencies = client.get("/_dash-dependencies").get_json()
    # A range no other test asks for: a stored answer would be sent without being written.
    state = {"period": "custom", "from": "2019-12-30", "to": "2030-12-30"}
    state |= {"segment": [], "region": [], "category": [], "store": []}
    for path, prefix in PAGES.items():
        for request in page_requests(post, dependencies, path, prefix, state):
            assert post("/_dash-update-component", request.body)[0] in (200, 204)
    assert len(written) >= len(PAGES)
    for ours, plotlys in written:
        assert ours == plotlys
