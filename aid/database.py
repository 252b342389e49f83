"""Database engine tuning that the ORM cannot express: SQLite's locking and journal."""
from sqlalchemy import event


def setup_sqlite(engine):
    """WAL, a busy timeout and BEGIN IMMEDIATE, so SQLite transactions queue instead of failing.

    pysqlite's own deferred BEGIN lets a transaction read, then fail with "database is
    locked" when it tries to write after another writer committed. Taking the write lock
    at BEGIN makes concurrent writers wait their turn (bounded by the busy timeout).
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
        connection.exec_driver_sql("BEGIN IMMEDIATE")
