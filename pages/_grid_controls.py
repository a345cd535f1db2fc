"""The search box and CSV button that every data grid page wires the same way."""

from __future__ import annotations

from dash import Input, Output, Patch, callback


def register_grid_controls(grid_id: str, search_id: str, csv_id: str) -> None:
    """Search filters the grid's rows as you type; the button downloads what it shows."""

    @callback(Output(grid_id, "dashGridOptions"), Input(search_id, "value"), prevent_initial_call=True)
    def update_grid_search(text):
        options = Patch()
        options["quickFilterText"] = text or ""
        return options

    @callback(Output(grid_id, "exportDataAsCsv"), Input(csv_id, "n_clicks"), prevent_initial_call=True)
    def download_grid_csv(_clicks):
        return True
