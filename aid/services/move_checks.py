"""Before a move: the source is the embedded SQLite database at this code's migration head, and
the target an empty PostgreSQL database (new, or built by the same migrations and still empty)."""
import sqlalchemy as sa
from alembic.migration import MigrationContext

from aid.services import ServiceError

OWN_TABLES = {"alembic_version"}  # the migrations' bookkeeping: written by the upgrade, never copied


def target_engine(url):
    """An engine for a postgresql:// URL (through psycopg), or a refusal that says what to give."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise ServiceError(f"{url!r} is not a database URL: give postgresql://user:password@host/name.") from None
    if parsed.get_backend_name() not in {"postgres", "postgresql"}:
        raise ServiceError(f"The target must be PostgreSQL (postgresql://…), not {parsed.get_backend_name()}.")
    return sa.create_engine(parsed.set(drivername="postgresql+psycopg"))


def check_source(engine):
    """Only the embedded SQLite database moves; between PostgreSQL servers pg_dump does it better."""
    if engine.dialect.name != "sqlite":
        raise ServiceError(f"move-to copies the embedded SQLite database, and this app runs on {engine.dialect.name}. "
                           "Between PostgreSQL servers use pg_dump and pg_restore (see the README).")


def check_snapshot(engine, heads, metadata):
    """The SQLite copy is at `heads` and holds no table, with rows, that the models do not know."""
    with engine.connect() as conn:
        _same_heads(conn, heads, "The SQLite database", "run `flask --app app db upgrade` first, then move")
        known = {table.name for table in metadata.sorted_tables} | OWN_TABLES
        unknown = [name for name in sa.inspect(conn).get_table_names()
                   if name not in known and not name.startswith("sqlite_") and _count(conn, name)]
    if unknown:
        raise ServiceError(f"Table(s) {', '.join(unknown)} hold rows but are not in this version's models: "
                           "they would be left behind. Nothing was moved.")


def check_target(engine, heads):
    """True when the target has no tables yet (the migrations must build it); refuses one with rows."""
    try:
        conn = engine.connect()
    except sa.exc.OperationalError as error:
        where = engine.url.render_as_string(hide_password=True)
        raise ServiceError(f"Cannot connect to {where}: {str(error.orig).strip().splitlines()[0]}") from None
    with conn:
        names = sa.inspect(conn).get_table_names()
        filled = [f"{name} ({rows} row{'s' * (rows != 1)})" for name in names
                  if name not in OWN_TABLES and (rows := _count(conn, name))]
        if filled:
            raise ServiceError("The target database is not empty: " + ", ".join(filled) + ". Nothing was copied; "
                               "move only into a new, empty database (for example `createdb aid`).")
        if names:
            _same_heads(conn, heads, "The target database", "start from a new, empty database")
    return not names


def _same_heads(conn, heads, what, remedy):
    found = set(MigrationContext.configure(conn).get_current_heads())
    if found != set(heads):
        raise ServiceError(f"{what} is at migration {_names(found)} but this code is at {_names(heads)}: {remedy}. "
                           "Nothing was moved.")


def _names(revisions):
    return ", ".join(sorted(revisions)) or "none"


def _count(conn, name):
    return conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
