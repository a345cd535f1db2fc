"""Data: import a shop export in the browser (upload, preview, mapping, check, import) and undo."""

from __future__ import annotations

import base64
import re
import time
import uuid
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import diskcache
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from components.formatting import counted, undone_phrase
from components.shell import card_title, empty_state, page_header
from data_access.cache import data_state
from data_access.db import get_engine
from data_access.settings import get_settings
from ingest.file_import import import_file, import_summary, list_imports, undo_import
from ingest.files import FIELDS, REQUIRED, ImportRejected, Mapping, detect_mapping, read_table
from pages._filter_sync import DATA_VERSION
from pages._import_progress import steady_progress
from web.auth import may_administer, signed_in_user
from web.jobs import JobManager

# admin_only: hidden from viewers' navbar, and web.auth refuses them every callback of this page.
dash.register_page(__name__, path="/data", name="Data", title="Data · Shop Pulse", order=4, admin_only=True)

UPLOAD, UPLOADED, PREVIEW, MAPPING = "data-upload", "data-uploaded", "data-preview", "data-mapping"
SOURCE, CHECK, IMPORT, RESULT, HISTORY = "data-source", "data-check", "data-import", "data-result", "data-history"
MAP_FIELD, UNDO = "data-map-field", "data-undo"
DATE_ORDER = {"type": "data-map-option", "option": "date_order"}  # in the editor: only once a file is there
DATE_ORDERS = [
    {"label": "Dates: as the file shows (month first when it does not)", "value": ""},
    {"label": "Dates: day first (31/1/2026)", "value": "day"},
    {"label": "Dates: month first (1/31/2026)", "value": "month"},
]
PROGRESS, PROGRESS_BOX, STEP = "data-progress", "data-progress-box", "data-step"
# Undo asks first (a modal naming what goes and what comes back), then runs as a job of its own:
# a large import takes about as long to undo as to import, longer than a web request may last.
UNDO_TARGET, UNDO_MODAL, UNDO_QUESTION = "data-undo-target", "data-undo-modal", "data-undo-question"
UNDO_CANCEL, UNDO_GO, UNDO_RESULT = "data-undo-cancel", "data-undo-go", "data-undo-result"
UNDO_PROGRESS, UNDO_PROGRESS_BOX, UNDO_STEP = "data-undo-progress", "data-undo-progress-box", "data-undo-step"
HISTORY_CARD, UNDO_SCROLLED = "data-history-card", "data-undo-scrolled"
# What the jobs report to the page. The jobs write these stores, not the buttons or the shell's
# data version: a callback whose output is outside the page (the shell's store) runs when the
# page mounts whatever prevent_initial_call says, and a background one then starts a job and
# ends its `running` state by enabling Import with no file chosen.
IMPORT_RUNNING, UNDO_RUNNING, CHANGED = "data-import-running", "data-undo-running", "data-changed"
IMPORT_WAITS = "data-import-waits"
HIDDEN, SHOWN = {"display": "none"}, {"display": "block"}
# Imports run in a worker process of their own and report their steps through a disk cache
# under DATA_DIR, so the page stays responsive and gunicorn workers on one host share progress.
JOBS = JobManager(diskcache.Cache(str(get_settings().data_dir / "jobs")))
UNUSED = "(not in the file)"


def layout(**_query) -> html.Div:
    if not may_administer():
        return html.Div(
            [
                page_header("Data", "data-subtitle"),
                empty_state("Only admins import data", "Ask an admin of this dashboard to import your files."),
            ],
            id="data-page",
        )
    upload = dcc.Upload(
        id=UPLOAD,
        # A touch screen cannot drop a file on the page: it is told to tap (10-style.css).
        children=html.Div(
            [
                html.Span(
                    [
                        "Drag and drop a CSV, TSV, Excel, LibreOffice or Parquet export here, or ",
                        html.A("choose a file"),
                    ],
                    className="upload-drag",
                ),
                html.Span(
                    [html.A("Tap to choose"), " a CSV, TSV, Excel, LibreOffice or Parquet export"],
                    className="upload-touch",
                ),
            ]
        ),
        className="upload-zone",
        multiple=False,
    )
    actions = dbc.Row(
        [
            dbc.Col(
                # A label styled as the group's text: screen readers name the box by it.
                dbc.InputGroup(
                    [
                        dbc.Label("Source", html_for=SOURCE, className="input-group-text mb-0"),
                        dbc.Input(id=SOURCE, value="import"),
                    ]
                ),
                md=4,
            ),
            dbc.Col(dbc.Button("Check", id=CHECK, color="secondary", outline=True, disabled=True), xs="auto"),
            dbc.Col(dbc.Button("Import", id=IMPORT, color="primary", disabled=True), xs="auto"),
            dbc.Col(html.Span(id=IMPORT_WAITS, className="small text-muted"), xs="auto"),
        ],
        className="g-2 my-3 align-items-center",
    )
    return html.Div(
        [
            page_header("Data", "data-subtitle"),
            dcc.Store(id=UPLOADED),
            dcc.Store(id=IMPORT_RUNNING, data=False),
            dcc.Store(id=UNDO_RUNNING, data=False),
            dcc.Store(id=CHANGED),
            dbc.Card(
                dbc.CardBody(
                    [
                        upload,
                        html.Div(id=PREVIEW),
                        html.Div(id=MAPPING),
                        actions,
                        _progress_box(PROGRESS_BOX, STEP, PROGRESS),
                        html.Div(id=RESULT),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Card(
                id=HISTORY_CARD,
                children=[
                    dbc.CardHeader(card_title("Import history")),
                    dbc.CardBody(
                        [
                            _progress_box(UNDO_PROGRESS_BOX, UNDO_STEP, UNDO_PROGRESS),
                            html.Div(id=UNDO_RESULT),
                            html.Div(id=HISTORY),
                        ]
                    ),
                ],
            ),
            dcc.Store(id=UNDO_TARGET),
            dcc.Store(id=UNDO_SCROLLED),
            _undo_modal(),
        ],
        id="data-page",
    )


def _progress_box(box_id: str, step_id: str, bar_id: str) -> html.Div:
    """A job's current step over a moving bar; shown only while the job runs."""
    return html.Div(
        [
            html.Div(id=step_id, className="small text-muted mb-1"),
            dbc.Progress(id=bar_id, value=0, striped=True, animated=True),
        ],
        id=box_id,
        style=HIDDEN,
        className="mb-3",
    )


def _undo_modal() -> dbc.Modal:
    buttons = [
        dbc.Button("Cancel", id=UNDO_CANCEL, color="secondary", outline=True),
        dbc.Button("Undo import", id=UNDO_GO, color="danger"),
    ]
    return dbc.Modal(
        [
            dbc.ModalHeader(dbc.ModalTitle("Undo this import?")),
            dbc.ModalBody(id=UNDO_QUESTION),
            dbc.ModalFooter(buttons),
        ],
        id=UNDO_MODAL,
        is_open=False,
    )


@callback(
    Output(UPLOADED, "data"),
    Output(PREVIEW, "children"),
    Output(MAPPING, "children"),
    Input(UPLOAD, "contents"),
    State(UPLOAD, "filename"),
    prevent_initial_call=True,
)
def update_upload(contents, filename):
    """Keep the file, show its first rows and the columns matched to our fields."""
    if not contents:
        raise dash.exceptions.PreventUpdate
    raw = base64.b64decode(contents.split(",", 1)[1])
    folder = get_settings().data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}_{re.sub(r'[^A-Za-z0-9._-]', '_', filename or 'upload.csv')}"
    path.write_bytes(raw)
    # Who uploaded it, kept beside the file where the browser cannot change it: the import
    # runs in a worker process without this request, and records this name in the history.
    user = signed_in_user()
    _owner_file(path).write_text(user.email if user else "")
    try:
        frame = read_table(path, raw, {})
    except ImportRejected as exc:
        return None, dbc.Alert(str(exc), color="danger", className="mt-3"), ""
    detected = detect_mapping(list(frame.columns))
    preview = dbc.Table.from_dataframe(frame.head(8), size="sm", striped=True, responsive=True, className="mt-3 small")
    state = {"path": str(path), "name": filename, "columns": list(frame.columns)}
    sheet = f" (sheet {frame.attrs['sheet']})" if "sheet" in frame.attrs else ""
    title = html.P(f"{filename}{sheet}: {counted(len(frame), 'row')}. First rows:", className="mt-3 mb-1")
    return state, [title, preview], _mapping_editor(list(frame.columns), detected)


# Check needs a file and no import running (a second run of the import's callback would make
# Dash stop the first); Import also waits for an undo, whose rows its upkeep would wait on.
clientside_callback(
    """function (uploaded, importing, undoing) {
        const waits = undoing && !importing ? "Import waits for the undo below to finish." : "";
        return [!uploaded || importing, !uploaded || importing || undoing, waits];
    }""",
    Output(CHECK, "disabled"),
    Output(IMPORT, "disabled"),
    Output(IMPORT_WAITS, "children"),
    Input(UPLOADED, "data"),
    Input(IMPORT_RUNNING, "data"),
    Input(UNDO_RUNNING, "data"),
)


def _mapping_editor(columns: list[str], detected: Mapping) -> html.Div:
    options = [UNUSED, *columns]
    rows = [
        dbc.Col(
            [
                dbc.Label(field + (" *" if field in REQUIRED else ""), className="small mb-0"),
                dcc.Dropdown(
                    id={"type": MAP_FIELD, "field": field},
                    options=options,
                    value=detected.columns.get(field, UNUSED),
                    clearable=False,
                ),
            ],
            xs=6,
            md=3,
            className="mb-2",
        )
        for field in FIELDS
    ]
    dates = dcc.Dropdown(id=DATE_ORDER, options=DATE_ORDERS, value="", clearable=False, searchable=False)
    return html.Div(
        [
            html.H3("Columns (detected; change any)", className="h6 mt-3"),
            dbc.Row(rows, className="g-2"),
            dbc.Row(dbc.Col(dates, id="data-date-order", xs=12, md=6), className="g-2 mb-2"),
        ]
    )


def _job_error(exc: Exception) -> str:
    """The first line of what a background job raised, without Dash's preamble."""
    return str(exc).split("An error occurred inside a background callback: ", 1)[-1].splitlines()[0].rstrip(".")


def _stopped(exc: Exception):
    """An import that failed on something other than the file (the database went away, its
    worker process was killed, a bug): say so instead of leaving the page silent."""
    message = f"The import stopped with an error: {_job_error(exc)}. An import changes nothing unless it finishes."
    return dbc.Alert(message, color="danger", id="data-import-failed"), no_update, no_update


@callback(
    Output(RESULT, "children"),
    Output(HISTORY, "children", allow_duplicate=True),
    Output(CHANGED, "data", allow_duplicate=True),
    Input(CHECK, "n_clicks"),
    Input(IMPORT, "n_clicks"),
    State(UPLOADED, "data"),
    State({"type": MAP_FIELD, "field": ALL}, "value"),
    State({"type": MAP_FIELD, "field": ALL}, "id"),
    State({"type": DATE_ORDER["type"], "option": ALL}, "value"),
    State(SOURCE, "value"),
    background=True,
    manager=JOBS,
    running=[(Output(IMPORT_RUNNING, "data"), True, False), (Output(PROGRESS_BOX, "style"), SHOWN, HIDDEN)],
    progress=[Output(PROGRESS, "value"), Output(STEP, "children")],
    progress_default=[0, ""],
    on_error=_stopped,
    prevent_initial_call=True,
)
def update_import(set_progress, _check, _import, uploaded, values, ids, date_order, source):
    if not uploaded or not (_check or _import):
        raise dash.exceptions.PreventUpdate
    columns = {i["field"]: v for i, v in zip(ids, values, strict=True) if v and v != UNUSED}
    mapping = Mapping(columns, {"date_order": date_order[0]} if date_order and date_order[0] else {})
    dry_run = ctx.triggered_id == CHECK
    path = _path(uploaded)
    try:
        with steady_progress(set_progress) as progress:
            result = import_file(
                get_engine(),
                path,
                source=source or "import",
                user=_uploader(path),
                dry_run=dry_run,
                mapping=mapping,
                progress=progress,
                file_name=uploaded["name"],
            )
    except ImportRejected as exc:
        return _problems(exc), no_update, no_update
    notes = [html.Div(f"Note: {w}") for w in result.warnings]
    if result.already_imported_as is not None:
        message = f"This file was already imported (import #{result.already_imported_as}); nothing changed."
        return dbc.Alert([message, *notes], color="info"), no_update, no_update
    if dry_run:
        lines, orders = counted(result.rows_read, "valid line"), counted(result.orders, "order")
        message = f"Ready: {lines} in {orders}. Nothing has been changed yet."
        return dbc.Alert([message, *notes], color="success"), no_update, no_update
    replaced = f", {counted(result.replaced_orders, 'earlier order')} replaced" if result.replaced_orders else ""
    lines, orders = counted(result.rows_read, "line"), counted(result.orders, "order")
    message = f"Imported #{result.import_id}: {lines} in {orders}{replaced}."
    return dbc.Alert([message, *notes], color="success", id="data-import-done"), history_table(), _changed_data()


def _changed_data() -> dict:
    """The shell's data version after this page changed the data: the navbar's "Data as of" and
    every page's figures follow at once, as auto-refresh makes them follow another tab's import."""
    return {"version": data_state()[0], "at": time.time()}


def _owner_file(path: Path) -> Path:
    return path.with_name(path.name + ".owner")


def _uploader(path: Path) -> str | None:
    owner = _owner_file(path)
    return (owner.read_text().strip() or None) if owner.exists() else None


def _path(uploaded: dict) -> Path:
    path = Path(uploaded["path"])
    if path.parent != get_settings().data_dir / "uploads":  # only files this page saved
        raise dash.exceptions.PreventUpdate
    return path


def _problems(exc: ImportRejected) -> html.Div:
    if not exc.problems:
        return dbc.Alert(str(exc), color="danger")
    header = html.Thead(html.Tr([html.Th("Row"), html.Th("Column"), html.Th("Problem")]))
    body = html.Tbody(
        [html.Tr([html.Td(f"{p.row:,}"), html.Td(p.column), html.Td(p.reason)]) for p in exc.problems[:50]]
    )
    first_line = str(exc).splitlines()[0]
    return html.Div([dbc.Alert(first_line, color="danger"), dbc.Table([header, body], size="sm", id="data-problems")])


def history_table():
    frame = list_imports(get_engine())
    if frame.empty:
        return empty_state("No imports yet", "Files you import appear here, with a button to undo each one.")

    def cell(label, value, class_name=""):
        # data-label: on a phone each import stacks into a card naming its values (10-style.css).
        return html.Td(value, className=class_name, **{"data-label": label})

    rows = [
        html.Tr(
            [
                html.Th(f"#{r['import_id']}", scope="row"),
                cell("When", r["finished_at"].strftime("%Y-%m-%d %H:%M") if r["finished_at"] is not None else ""),
                cell("File", r["file_name"], "text-break"),
                cell("Source", r["source"]),
                cell("Rows", f"{r['rows_read']:,}", "text-end"),
                cell("Status", r["status"]),
                cell(
                    "",
                    dbc.Button("Undo", id={"type": UNDO, "id": int(r["import_id"])}, size="sm", color="link")
                    if r["status"] == "committed"
                    else "",
                ),
            ]
        )
        for r in frame.to_dict("records")
    ]
    header = html.Thead(
        html.Tr(
            [html.Th(h) for h in ("Import", "When", "File", "Source", "Rows", "Status")]
            + [html.Th(html.Span("Actions", className="visually-hidden"))]
        )
    )
    return dbc.Table(
        [header, html.Tbody(rows)],
        size="sm",
        hover=True,
        responsive=True,
        className="mb-0 stacked-table stacked-list",
        id="data-history-table",
    )


@callback(Output(HISTORY, "children"), Input(HISTORY, "id"))
def update_history(_id):
    return history_table()


@callback(
    Output(UNDO_MODAL, "is_open"),
    Output(UNDO_QUESTION, "children"),
    Output(UNDO_TARGET, "data"),
    Input({"type": UNDO, "id": ALL}, "n_clicks"),
    Input(UNDO_CANCEL, "n_clicks"),
    Input(UNDO_GO, "n_clicks"),
    prevent_initial_call=True,
)
def ask_undo(_undo, _cancel, _go):
    """An Undo button opens the question; Cancel, Escape or the answer close it."""
    if ctx.triggered_id in (UNDO_CANCEL, UNDO_GO):
        return False, no_update, no_update
    # A history drawn anew brings buttons that were never clicked: they trigger with None.
    if not isinstance(ctx.triggered_id, dict) or not ctx.triggered[0]["value"]:
        raise dash.exceptions.PreventUpdate
    summary = import_summary(get_engine(), ctx.triggered_id["id"])
    if summary is None or summary["status"] != "committed":
        return False, no_update, no_update  # undone in another tab meanwhile: the history shows it
    return True, _undo_question(summary), summary["import_id"]


def _undo_question(summary: dict) -> list:
    when = f", imported {summary['finished_at']:%Y-%m-%d %H:%M}" if summary["finished_at"] else ""
    goes = f"Undoing removes its {counted(summary['orders'], 'order')} ({counted(summary['rows_read'], 'row')})"
    if summary["replaced"]:
        goes += f" and brings back the {counted(summary['replaced'], 'earlier order')} it replaced"
    return [
        html.P([html.Strong(f"Import #{summary['import_id']}: {summary['file_name']}"), when]),
        html.P(f"{goes}. Every page then shows the data as it was before this import."),
        html.P(
            "A large import takes about as long to undo as it took to import; this page shows how far it is.",
            className="small text-muted mb-0",
        ),
    ]


# The undo's bar and answer are at the top of the history: a phone scrolled down to an old
# import's Undo saw neither move. Its first step or its answer brings the history's top into
# view, once per undo; not the click itself, as the closing dialog then gives the focus back to
# the Undo button, which scrolls back down to it.
clientside_callback(
    f"""function (step, answer, go, scrolled) {{
        const card = document.getElementById("{HISTORY_CARD}");
        if (!go || scrolled === go || !(step || answer) || !card) {{ return window.dash_clientside.no_update; }}
        card.scrollIntoView({{block: "start", behavior: "instant"}});
        return go;
    }}""",
    Output(UNDO_SCROLLED, "data"),
    Input(UNDO_STEP, "children"),
    Input(UNDO_RESULT, "children"),
    State(UNDO_GO, "n_clicks"),
    State(UNDO_SCROLLED, "data"),
    prevent_initial_call=True,
)


# A second undo sent while one runs would have Dash stop the first job (its transaction rolls
# back), and an undo beside an import waits on the rows they share: the question's button
# waits until the running one ends.
clientside_callback(
    """function (importing, undoing) {
        if (undoing) { return [true, "Another undo is running…"]; }
        if (importing) { return [true, "An import is running…"]; }
        return [false, "Undo import"];
    }""",
    Output(UNDO_GO, "disabled"),
    Output(UNDO_GO, "children"),
    Input(IMPORT_RUNNING, "data"),
    Input(UNDO_RUNNING, "data"),
)

# The shell's data version follows the page's: the navbar's "Data as of" and the other pages.
clientside_callback(
    "function (changed) { return changed || window.dash_clientside.no_update; }",
    Output(DATA_VERSION, "data", allow_duplicate=True),
    Input(CHANGED, "data"),
    prevent_initial_call=True,
)


def _undo_stopped(exc: Exception):
    message = f"The undo stopped with an error: {_job_error(exc)}. Nothing was undone."
    return dbc.Alert(message, color="danger", id="data-undo-failed"), no_update, no_update


@callback(
    Output(UNDO_RESULT, "children"),
    Output(HISTORY, "children", allow_duplicate=True),
    Output(CHANGED, "data", allow_duplicate=True),
    Input(UNDO_GO, "n_clicks"),
    State(UNDO_TARGET, "data"),
    background=True,
    manager=JOBS,
    running=[(Output(UNDO_RUNNING, "data"), True, False), (Output(UNDO_PROGRESS_BOX, "style"), SHOWN, HIDDEN)],
    progress=[Output(UNDO_PROGRESS, "value"), Output(UNDO_STEP, "children")],
    progress_default=[0, ""],
    on_error=_undo_stopped,
    prevent_initial_call=True,
)
def update_undo(set_progress, go, import_id):
    if not go or import_id is None:
        raise dash.exceptions.PreventUpdate
    summary = import_summary(get_engine(), import_id)
    orders = counted(summary["orders"], "order") if summary else "its orders"
    try:
        with steady_progress(set_progress) as progress:
            progress(5, f"Undoing import #{import_id}: removing {orders} and updating the summaries")
            removed = undo_import(get_engine(), import_id)
    except ImportRejected as exc:  # undone in another tab meanwhile
        reason = str(exc)
        return (
            dbc.Alert(f"{reason[:1].upper()}{reason[1:]}; nothing changed.", color="info"),
            history_table(),
            no_update,
        )
    said = undone_phrase(import_id, removed, summary["replaced"] if summary else 0)
    message = f"{said[:1].upper()}{said[1:]}."
    return dbc.Alert(message, color="success", id="data-undo-done", dismissable=True), history_table(), _changed_data()
