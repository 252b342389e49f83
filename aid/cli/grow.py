"""flask aid move-to | backup: grow from one laptop to PostgreSQL without losing data."""
import tempfile
from contextlib import contextmanager
from pathlib import Path

import click
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from aid.cli import aid_cli
from aid.extensions import db
from aid.services import ServiceError, move, move_checks
from aid.services import backup as backups


@aid_cli.command("move-to")
@click.argument("url", metavar="POSTGRESQL_URL")
@click.option("--batch", type=click.IntRange(1, 100_000), default=1000, show_default=True, help="Rows per insert.")
def move_to(url, batch):
    """Copy this app's SQLite database into an EMPTY PostgreSQL database, then check every table.

    Stop the app first: whatever it writes after the copy begins stays behind.
    """
    heads = ScriptDirectory(current_app.extensions["migrate"].directory).get_heads()
    try:
        move_checks.check_source(db.engine)
        target = move_checks.target_engine(url)
        with _snapshot(db.engine.url.database) as source:
            move_checks.check_snapshot(source, heads, db.metadata)
            if move_checks.check_target(target, heads):
                _upgrade(target.url)
            report = move.move(source, target, db.metadata, batch)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    _print(report, heads, target.url)
    target.dispose()


@aid_cli.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup(path):
    """Copy the embedded SQLite database while the app runs (default: backups/aid-<UTC time>.sqlite)."""
    if db.engine.dialect.name != "sqlite":
        raise click.ClickException("No backup made: this app runs on PostgreSQL. Back it up with pg_dump:\n  "
                                   f"{backups.PG_DUMP}\nand restore with\n  {backups.PG_RESTORE}")
    database = Path(db.engine.url.database)
    try:
        saved = backups.backup(database, path or backups.default_path(database))
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {database} to {saved.resolve()} ({saved.stat().st_size // 1024} KB); integrity_check: ok")
    click.echo(f"To restore: stop the app, delete {database.name}-wal and {database.name}-shm if present, "
               f"and copy the backup over {database}.")


@contextmanager
def _snapshot(database):
    """A consistent copy of the live database to read from, by the online backup API."""
    with tempfile.TemporaryDirectory(dir=Path(database).parent, prefix="move-") as scratch:
        engine = sa.create_engine(f"sqlite:///{backups.backup(database, Path(scratch) / 'snapshot.sqlite')}")
        try:
            yield engine
        finally:
            engine.dispose()


def _upgrade(url):
    """Build the target's schema by the migrations, exactly as `flask db upgrade` would there."""
    from flask_migrate import upgrade

    from aid import create_app

    # Only the migrations run there: the source's key satisfies the shared-database check.
    target_app = create_app({"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
                             "SECRET_KEY": current_app.secret_key})
    with target_app.app_context():
        upgrade()
        db.engine.dispose()


def _print(report, heads, url):
    click.echo(f"{'table':<24} {'rows':>9}  {'checksum':<16} check")
    for check in report.tables:
        verdict = "ok" if check.ok else f"MISMATCH: target has {check.target.rows} rows, {check.target.sha256[:16]}"
        click.echo(f"{check.name:<24} {check.source.rows:>9}  {check.source.sha256[:16]} {verdict}")
    click.echo(f"alembic_version: {', '.join(heads)} on both; {len(report.sequences)} sequences set past the highest id.")
    if not report.ok:
        raise click.ClickException("The copy did not match the source; nothing was kept in the target.")
    total = sum(check.source.rows for check in report.tables)
    click.echo(f"Moved {total} rows in {len(report.tables)} tables; every count and checksum matches.\n"
               f"Now start the app with DATABASE_URL set to {url.set(drivername='postgresql').render_as_string()}")
