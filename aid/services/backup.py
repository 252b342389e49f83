"""A consistent copy of the live SQLite database, by SQLite's own online backup API."""
import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from aid.services import ServiceError

PG_DUMP = 'pg_dump --format=custom --file="aid-$(date -u +%Y%m%d-%H%M%S).dump" "$DATABASE_URL"'
PG_RESTORE = 'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" aid-YYYYmmdd-HHMMSS.dump'


def default_path(database_path, now=None):
    """instance/backups/aid-YYYYmmdd-HHMMSS.sqlite next to the database (UTC time)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return Path(database_path).parent / "backups" / f"aid-{stamp}.sqlite"


def backup(database_path, target):
    """Copy the database at `database_path` to `target` while the app may keep writing.

    The backup runs in one step, so it reads one snapshot (WAL lets writers go on meanwhile).
    The copy is written beside `target`, switched from WAL to a plain journal so it is a
    single self-contained file, checked with PRAGMA integrity_check, and only then renamed
    into place. Returns the final path.
    """
    source, target = Path(database_path), Path(target)
    if not source.is_file():
        raise ServiceError(f"There is no database at {source}.")
    if target.exists():
        raise ServiceError(f"{target} already exists: choose another path.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        _copy(source, partial)
        verdict = integrity(partial)
        if verdict != "ok":
            raise ServiceError(f"The copy failed SQLite's integrity check: {verdict}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def integrity(path):
    """PRAGMA integrity_check's answer for the database file at `path` ("ok" when sound)."""
    with closing(sqlite3.connect(path)) as conn:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))


def _copy(source, target):
    with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
