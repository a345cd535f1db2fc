"""Cross-filtering: a click on a chart's bar sets that value as a global filter."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, no_update

from pages._page_helpers import clicked_value


def register_cross_filter(targets: dict[str, tuple[str, int | None]]) -> None:
    """targets: graph id -> (filter control id, index into the point's customdata or None).

    Labels in parentheses, like "(no customer)", are groupings, not filter values: ignored.
    """
    graphs = list(targets)
    controls = list(dict.fromkeys(control for control, _ in targets.values()))

    @callback(
        *[Output(control, "value", allow_duplicate=True) for control in controls],
        *[Input(graph, "clickData") for graph in graphs],
        prevent_initial_call=True,
    )
    def update_filter_from_click(*clicks):
        # The page mounting fires this with every input None: only a real click counts.
        if all(t["value"] is None for t in dash.ctx.triggered):
            raise dash.exceptions.PreventUpdate
        graph = dash.ctx.triggered_id
        control, index = targets[graph]
        value = clicked_value(clicks[graphs.index(graph)], index=index)
        if value is None or str(value).startswith("("):
            raise dash.exceptions.PreventUpdate
        return tuple([value] if c == control else no_update for c in controls)
