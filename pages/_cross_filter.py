"""Cross-filtering: a click on a chart's bar sets that value as a global filter.

In the browser: the filter bar is outside the page, and a server callback writing it would run
(and answer nothing) on every load of the page, as prevent_initial_call does not hold then.
"""

from __future__ import annotations

import json

from dash import Input, Output, clientside_callback


def register_cross_filter(targets: dict[str, tuple[str, int | None]]) -> None:
    """targets: graph id -> (filter control id, index into the point's customdata or None).

    Labels in parentheses, like "(no customer)", are groupings, not filter values: ignored.
    """
    graphs = list(targets)
    controls = list(dict.fromkeys(control for control, _ in targets.values()))
    plan = {graph: [controls.index(control), index] for graph, (control, index) in targets.items()}
    clientside_callback(
        f"""function () {{
            const keep = window.dash_clientside.no_update, plan = {json.dumps(plan)};
            const answer = {json.dumps(controls)}.map(() => keep);
            const done = () => (answer.length === 1 ? answer[0] : answer);
            const trigger = window.dash_clientside.callback_context.triggered[0];
            const click = trigger && trigger.value;
            const point = click && click.points && click.points[0];
            const graph = trigger ? trigger.prop_id.split(".")[0] : null;
            if (!point || !(graph in plan)) {{ return done(); }}
            const [position, index] = plan[graph];
            let value = point.customdata;
            if (index !== null && Array.isArray(value)) {{ value = value[index]; }}
            if (value === null || value === undefined || String(value).startsWith("(")) {{ return done(); }}
            answer[position] = [value];
            return done();
        }}""",
        *[Output(control, "value", allow_duplicate=True) for control in controls],
        *[Input(graph, "clickData") for graph in graphs],
        prevent_initial_call=True,
    )
