"""Command line over the same modules the app uses: `python manage.py --help`."""

from __future__ import annotations

import datetime as dt
import sys

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
def settings() -> None:
    """List every setting: environment variable, default, meaning."""
    width = max(len(name) for name in SETTINGS_HELP) + 2
    for name, (default, help_text) in SETTINGS_HELP.items():
        click.echo(f"{name.upper():<{width}} {default or '(unset)':<14} {help_text}")


if __name__ == "__main__":
    sys.exit(cli())
