"""Command line over the same modules the app uses: `python manage.py --help`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from data_access.settings import SETTINGS_HELP


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Shop Pulse: sales analytics for small shops."""


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema (alembic)."""
    from data_access.db import get_engine
    from ingest.migrate import migrate as run_migrations

    run_migrations(get_engine())
    click.echo("schema is up to date")


@cli.command("load-demo")
@click.option("--lines", default=200_000, show_default=True, help="order lines to generate")
@click.option("--seed", default=42, show_default=True, help="same seed and end date, same data")
@click.option("--years", default=2, show_default=True, help="years of history")
@click.option("--end-date", type=click.DateTime(["%Y-%m-%d"]), help="last day of data [default: today]")
@click.option("--replace", is_flag=True, help="delete earlier demo data first")
def load_demo_command(lines: int, seed: int, years: int, end_date: dt.datetime | None, replace: bool) -> None:
    """Generate a realistic demo shop and bulk-load it (one transaction)."""
    import time

    from data_access.db import get_engine
    from ingest.demo import DemoDataExists
    from ingest.demo_load import load_demo
    from ingest.migrate import migrate as run_migrations

    engine = get_engine()
    run_migrations(engine)
    started = time.perf_counter()
    try:
        counts = load_demo(
            engine, lines, seed=seed, years=years, replace=replace, end_date=end_date.date() if end_date else None
        )
    except (DemoDataExists, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    seconds = time.perf_counter() - started
    click.echo(
        f"loaded {counts['lines']:,} lines, {counts['orders']:,} orders, {counts['customers']:,} customers, "
        f"{counts['products']:,} products in {seconds:.1f} s"
    )


@cli.command()
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="first day [default: first order]")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="last day [default: last order]")
@click.option("--segment", "segments", multiple=True, help="repeat for several")
@click.option("--region", "regions", multiple=True, help="repeat for several")
@click.option("--category", "categories", multiple=True, help="repeat for several")
@click.option("--store", "stores", multiple=True, help="repeat for several")
@click.option("--format", "output", type=click.Choice(["json", "table"]), default="table", show_default=True)
def kpis(start, end, segments, regions, categories, stores, output) -> None:
    """Print every KPI of kpis.md for a filter (no dates = all time), exact to the cent."""
    from dataclasses import replace

    from data_access.filters import FilterError
    from data_access.report import all_time_filter, kpi_report, report_json

    try:
        f = all_time_filter(segments=segments, regions=regions, categories=categories, stores=stores)
        f = replace(f, start=start.date() if start else f.start, end=end.date() if end else f.end)
        report = kpi_report(f)
    except (FilterError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if output == "json":
        click.echo(report_json(report))
    else:
        print_report_table(report)


@cli.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, path_type=Path), help="TOML column mapping")
@click.option("--source", default="import", show_default=True, help="the shop system; order ids are unique per source")
@click.option("--dry-run", is_flag=True, help="validate and report, change nothing")
@click.option("--user", default=None, help="who imports (recorded in the import history)")
def import_command(file, mapping, source, dry_run, user) -> None:
    """Import a CSV, TSV, XLSX or Parquet file of order lines, all or nothing."""
    from components.formatting import counted
    from data_access.db import get_engine
    from ingest.file_import import import_file
    from ingest.files import ImportRejected
    from ingest.migrate import migrate as run_migrations

    engine = get_engine()
    run_migrations(engine)
    try:
        result = import_file(engine, file, mapping, source=source, dry_run=dry_run, user=user)
    except ImportRejected as exc:
        raise click.ClickException(str(exc)) from None
    if mapping is None:
        click.echo("columns matched by name (save as a --mapping TOML to change them):\n" + result.mapping.describe())
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    if result.already_imported_as is not None:
        click.echo(f"{file.name} was already imported (import #{result.already_imported_as}); nothing changed")
    elif result.dry_run:
        lines, orders = counted(result.rows_read, "valid line"), counted(result.orders, "order")
        click.echo(f"dry run: {lines} in {orders}; nothing changed")
    else:
        lines, orders = counted(result.rows_read, "line"), counted(result.orders, "order")
        click.echo(
            f"import #{result.import_id}: {lines} in {orders} loaded"
            + (f", {counted(result.replaced_orders, 'earlier order')} replaced" if result.replaced_orders else "")
        )


@cli.command()
def imports() -> None:
    """List every import: id, source, file, rows, status."""
    from data_access.db import get_engine
    from ingest.file_import import list_imports

    frame = list_imports(get_engine())
    if frame.empty:
        click.echo("no imports yet")
    for r in frame.to_dict("records"):
        when = r["finished_at"].strftime("%Y-%m-%d %H:%M") if r["finished_at"] is not None else ""
        rows = f"{r['rows_read']:>9,} rows"
        click.echo(f"#{r['import_id']:<5} {when}  {r['status']:<9} {r['source']:<10} {rows}  {r['file_name']}")


def _import_id(_ctx, _param, value: str) -> int:
    """An import's id as `imports` lists it (#2) or bare (2)."""
    try:
        return int(value.removeprefix("#"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an import id: `manage.py imports` lists them (#2, or 2)") from None


@cli.command("undo-import")
@click.argument("import_id", callback=_import_id)
def undo_import_command(import_id: int) -> None:
    """Remove the orders an import added (one transaction). IMPORT_ID as `imports` lists it."""
    from components.formatting import counted, undone_phrase
    from data_access.db import get_engine
    from ingest.file_import import import_summary, undo_import
    from ingest.files import ImportRejected

    summary = import_summary(get_engine(), import_id)
    back = summary["replaced"] if summary else 0
    if summary and summary["status"] == "committed":  # a large import takes about as long to undo
        comes_back = f", {counted(back, 'earlier order')} to put back" if back else ""
        click.echo(
            f"undoing import #{import_id} ({summary['file_name']}): {counted(summary['orders'], 'order')}{comes_back}"
        )
    try:
        removed = undo_import(get_engine(), import_id)
    except ImportRejected as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(undone_phrase(import_id, removed, back))


def print_report_table(report: dict) -> None:
    """The report as aligned text: totals, then each breakdown and list."""
    click.echo(f"KPIs from {report['from']} to {report['to']}\n")
    for key, value in report.items():
        if not isinstance(value, dict | list) and key not in ("from", "to"):
            click.echo(f"  {key:<26} {'-' if value is None else value}")
    for key in ("by_category", "by_segment"):
        click.echo(f"\n{key}")
        for name, row in report[key].items():
            click.echo(f"  {name:<18} " + "  ".join(f"{k} {v}" for k, v in row.items()))
    for key in ("top_customers", "top_products"):
        click.echo(f"\n{key}")
        for rank, row in enumerate(report[key], 1):
            click.echo(f"  {rank:>2}. {row['name']:<34} {row['sales']:>14}")
    click.echo("\nmonthly")
    for row in report["monthly"]:
        click.echo(f"  {row['month']}  sales {row['sales']:>14}  orders {row['orders']:>7}")


def _feed_redis(url: str | None):
    from ingest.live_feed import FeedNotConfigured, redis_client

    try:
        return redis_client(url)
    except FeedNotConfigured as exc:
        raise click.ClickException(str(exc)) from None


def _stop_flag():
    """SIGINT/SIGTERM finish the current batch, then stop (nothing half-done, nothing lost)."""
    import signal

    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.append(True))
    return lambda: bool(stopping)


redis_option = click.option("--redis", "redis_url", default=None, help="Redis URL [default: REDIS_URL]")
stream_option = click.option("--stream", default="sales", show_default=True, help="Redis stream of orders")


@cli.command()
@stream_option
@click.option("--group", default="dashboard", show_default=True, help="consumer group")
@click.option("--consumer", default=None, help="this consumer's name [default: host name]")
@click.option("--source", default="live", show_default=True, help="source of orders whose message names none")
@redis_option
def consume(stream, group, consumer, source, redis_url) -> None:
    """Store the live feed's orders until stopped (Ctrl-C finishes the current batch)."""
    import logging
    import socket

    from data_access.db import get_engine
    from ingest.live_feed import Consumer
    from ingest.migrate import migrate as run_migrations

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = get_engine()
    run_migrations(engine)
    worker = Consumer(engine, _feed_redis(redis_url), stream, group, consumer or socket.gethostname(), source)
    click.echo(f"consuming stream {stream!r} as {worker.name!r} in group {group!r}; Ctrl-C to stop")
    worker.run(_stop_flag())
    click.echo("stopped")


@cli.command("dead-letters")
@stream_option
@click.option("--requeue", "requeue_ids", multiple=True, help="publish this dead letter again (repeat for several)")
@click.option("--requeue-all", is_flag=True, help="publish every dead letter again")
@redis_option
def dead_letters_command(stream, requeue_ids, requeue_all, redis_url) -> None:
    """List messages the consumer could not store, with the reason; re-queue them after a fix."""
    from ingest.live_feed import dead_letters, requeue, stats_key

    client = _feed_redis(redis_url)
    if requeue_ids or requeue_all:
        n = requeue(client, None if requeue_all else list(requeue_ids), stream)
        click.echo(f"{n} message(s) published again to {stream!r}")
        return
    letters = dead_letters(client, stream, count=1000)
    counts = client.hgetall(stats_key(stream))
    click.echo(
        f"stream {stream!r}: {counts.get('stored', 0)} stored, "
        f"{counts.get('skipped', 0)} skipped (duplicate or superseded), {counts.get('dead', 0)} dead letters"
    )
    for entry_id, fields in letters:
        body = fields.get("order", "")
        click.echo(f"{entry_id}  {fields.get('reason')}\n    {body[:100]}{'...' if len(body) > 100 else ''}")


@cli.command("simulate-feed")
@click.option("--rate", default=50.0, show_default=True, help="messages per second")
@click.option("--count", default=None, type=int, help="stop after this many [default: run until Ctrl-C]")
@stream_option
@redis_option
def simulate_feed(rate, count, stream, redis_url) -> None:
    """Publish realistic demo sales to the live feed, so the dashboard moves."""
    from data_access.db import get_engine
    from ingest.feed_simulator import simulate

    client = _feed_redis(redis_url)
    click.echo(f"publishing ~{rate:g} orders/s to stream {stream!r}; Ctrl-C to stop")
    sent = simulate(get_engine(), client, rate, count, stream, should_stop=_stop_flag())
    click.echo(f"{sent:,} orders published")


def _read_password(from_stdin: bool) -> str:
    """From stdin (scripts) or asked twice without echo; never an option, which would land in
    the shell history and the process list."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


@cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "viewer"]), required=True)
@click.option("--segment", "segments", multiple=True, help="viewer sees only these segments (repeat for several)")
@click.option("--region", "regions", multiple=True, help="viewer sees only these regions (repeat for several)")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def create_user_command(email, role, segments, regions, password_stdin) -> None:
    """Add someone who may log in; the first user ends the local demo mode."""
    from data_access.db import get_engine
    from data_access.users import AccountError, create_user
    from ingest.migrate import migrate as run_migrations

    run_migrations(get_engine())
    try:
        user = create_user(email, _read_password(password_stdin), role, segments, regions)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {user.role} {user.email} (sees {user.scope.describe()})")


@cli.command()
def users() -> None:
    """List who may log in, with their role and row-level limits."""
    from data_access.users import list_users

    found = list_users()
    if not found:
        click.echo("no users: the dashboard runs in local demo mode (this computer only)")
    for user in found:
        click.echo(f"{user.email:<32} {user.role:<7} sees {user.scope.describe()}")


@cli.command("delete-user")
@click.argument("email")
def delete_user_command(email) -> None:
    """Remove a user; their open sessions end with their next click."""
    from data_access.users import AccountError, delete_user

    try:
        delete_user(email)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"deleted {email}")


@cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def set_password_command(email, password_stdin) -> None:
    """Give a user a new password; their other sessions have to log in again."""
    from data_access.users import AccountError, set_password

    try:
        set_password(email, _read_password(password_stdin))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"password of {email} changed; their other sessions are signed out")


@cli.command("bench")
@click.option("--lines", default=1_000_000, show_default=True, help="demo order lines in the bench database")
@click.option("--filters", default=50, show_default=True, help="seeded filters replayed per page")
@click.option("--years", default=5, show_default=True, help="years of demo history")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="write the report as JSON here")
def bench_command(lines, filters, years, out) -> None:
    """Replay every page's callbacks over HTTP against ours and a naive baseline; p50/p95."""
    from bench.pages import run, table, write

    report = run(lines, filters=filters, years=years)
    click.echo(table(report))
    if out:
        write(report, out)
    if not report["equal"]:
        raise click.ClickException("answers differ from the naive baseline: " + "; ".join(report["mismatches"]))


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file) -> None:
    """Write a compressed, consistent backup of the whole database (pg_dump custom format)."""
    from data_access.db import database_url
    from ingest.backup import BackupFailed, backup

    try:
        backup(database_url(), file)
    except BackupFailed as exc:
        raise click.ClickException(f"backup failed: {exc}") from None
    click.echo(f"backed up to {file} ({file.stat().st_size / 1e6:,.1f} MB)")


@cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="do not ask: this replaces the data in the database")
def restore_command(file, yes) -> None:
    """Replace the database's contents with a backup made by `backup` (one transaction)."""
    from data_access.db import database_url
    from ingest.backup import BackupFailed, restore

    if not yes:
        click.confirm("This replaces every table in the database with the backup. Go on?", abort=True)
    try:
        restore(database_url(), file)
    except BackupFailed as exc:
        raise click.ClickException(f"restore failed, nothing changed: {exc}") from None
    click.echo(f"restored {file}")


@cli.command("check-rollups")
def check_rollups() -> None:
    """Compare every rollup with a rebuild from the order lines; exit 1 if any differs.

    The triggers keep them exact for every writer that writes and deletes an order's lines
    together; a hand-written statement that does not (one line of an order deleted in psql)
    makes them differ. Reads every line: 34 min at 10M lines on a 2-core machine.
    """
    from data_access.db import get_engine
    from data_access.rollup_check import EXPECTED, table_drift

    differing = 0
    with get_engine().connect() as conn:
        for table in EXPECTED:
            rows = table_drift(conn, table)
            differing += bool(rows)
            click.echo(f"{table}: {f'{rows:,} rows differ' if rows else 'equal'}", err=bool(rows))
    if differing:
        raise click.ClickException(f"{differing} of {len(EXPECTED)} rollups differ from a rebuild from the order lines")
    click.echo(f"all {len(EXPECTED)} rollups equal a rebuild from the order lines")


@cli.command("rebuild-rollups")
@click.option("--yes", is_flag=True, help="do not ask first")
def rebuild_rollups_command(yes: bool) -> None:
    """File every order line into the rollups again (after check-rollups found a difference).

    One transaction; order lines are locked meanwhile (pages wait), as long as loading them all.
    """
    from data_access.db import get_engine
    from ingest.rollup_rebuild import rebuild_rollups

    if not yes:
        click.confirm("Rebuild every rollup? Pages wait until it is done", abort=True)
    lines = rebuild_rollups(get_engine())
    click.echo(f"rollups rebuilt from {lines:,} order lines")


@cli.command()
def settings() -> None:
    """List every setting: environment variable, default, meaning."""
    width = max(len(name) for name in SETTINGS_HELP) + 2
    for name, (default, help_text) in SETTINGS_HELP.items():
        click.echo(f"{name.upper():<{width}} {default or '(unset)':<14} {help_text}")


def main() -> None:
    """cli(), with a database that does not answer said in one line instead of a traceback."""
    from sqlalchemy.exc import OperationalError

    from data_access.db import unavailable_reason, unreachable_message

    try:
        cli()
    except OperationalError as exc:
        if unavailable_reason(exc) is None:
            raise
        click.echo(f"Error: {unreachable_message(exc)}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
