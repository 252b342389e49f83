"""Database engine tuning that the ORM cannot express: SQLite's locking and journal."""
from flask import has_request_context, request
from sqlalchemy import event

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def setup_sqlite(engine):
    """WAL, a busy timeout, and BEGIN IMMEDIATE for anything that may write.

    A deferred transaction that reads and then writes fails at once with "database is
    locked" if another writer committed in between. Taking the write lock at BEGIN makes
    writers (POST requests, jobs, commands) wait their turn instead, bounded by the busy
    timeout. GET requests never change state, so they read in parallel under WAL.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        reading = has_request_context() and request.method in READ_ONLY_METHODS
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
