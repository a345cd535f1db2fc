"""Cross-filtering: a click on a chart's bar sets that value as a global filter.

In the browser: the filter bar is outside the page, and a server callback writing it would run
(and answer nothing) on every load of the page, as prevent_initial_call does not hold then.
"""

from __future__ import annotations

import json

from dash import Input, Output, clientside_callback

# What a click selects, in the browser (pages._page_helpers.clicked_value there): the clicked
# point's customdata, or one item of it; null for a label in parentheses, like "(no customer)",
# a grouping rather than a value a filter can take.
CLICKED_VALUE_JS = """const clickedValue = (click, index) => {
    const point = click && click.points && click.points[0];
    let value = point ? point.customdata : null;
    if (index !== null && Array.isArray(value)) { value = value[index]; }
    return value === null || value === undefined || String(value).startsWith("(") ? null : value;
};"""


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
            {CLICKED_VALUE_JS}
            const trigger = window.dash_clientside.callback_context.triggered[0];
            const graph = trigger ? trigger.prop_id.split(".")[0] : null;
            if (!(graph in plan)) {{ return done(); }}
            const [position, index] = plan[graph];
            const value = clickedValue(trigger.value, index);
            if (value !== null) {{ answer[position] = [value]; }}
            return done();
        }}""",
        *[Output(control, "value", allow_duplicate=True) for control in controls],
        *[Input(graph, "clickData") for graph in graphs],
        prevent_initial_call=True,
    )
