"""`flask aid backup`: a sound copy of the live SQLite database, taken while the app writes."""
import re
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.services import demo
from aid.services.checksums import digest
from tests.conftest import Database, dispose, make_app, until
from tests.factories import drain, post_need


@pytest.fixture
def source(tmp_path):
    """The demo on a migrated SQLite file."""
    sqlite = Database("sqlite", tmp_path)
    sqlite.migrate()
    app = make_app(sqlite.url)
    with app.app_context():
        demo.seed()
        db.session.commit()
    yield app
    with app.app_context():
        dispose(app)


def backup(app, *args):
    return app.test_cli_runner().invoke(args=["aid", "backup", *map(str, args)])


def inconsistencies(path):
    """What a torn copy would show: a need without all its slots, or without its 'posted' event."""
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        short = conn.execute("SELECT count(*) FROM needs n WHERE n.people !="
                             " (SELECT count(*) FROM slots s WHERE s.need_id = n.id)").fetchone()[0]
        unposted = conn.execute("SELECT count(*) FROM needs n WHERE NOT EXISTS (SELECT 1 FROM events e"
                                " WHERE e.need_id = n.id AND e.kind = 'posted')").fetchone()[0]
        return short + unposted, conn.execute("SELECT count(*) FROM needs").fetchone()[0]


def fill(app, rows=50_000):
    """Some megabytes of history, so that a backup takes long enough for commits to land during it."""
    with app.app_context():
        db.session.execute(sa.text("INSERT INTO sms_inbound (message_sid, kind, received_at) VALUES (:sid, 'yes', :at)"),
                           [{"sid": f"SM{n:032x}", "at": "2026-01-01 00:00:00"} for n in range(rows)])
        db.session.commit()


def test_a_backup_taken_while_needs_are_posted_is_whole_and_consistent(source, tmp_path):
    fill(source)
    commits, stop = [], threading.Event()

    def post_needs():
        client = source.test_client()
        while not stop.is_set():
            n = len(commits)
            post_need(client, people=str(1 + n % 3), details=f"stream {n}", contact_phone=f"07911 {200000 + n}")
            commits.append(time.monotonic())  # post_need returns once the need is committed

    writer = threading.Thread(target=post_needs)
    writer.start()
    taken = []
    try:
        until(lambda: len(commits) >= 2, timeout=60, every=0.05)
        while len(taken) < 60 and sum(overlapped for *_, overlapped in taken) < 3:
            path, committed, started = tmp_path / f"copy-{len(taken)}.sqlite", len(commits), time.monotonic()
            result = backup(source, path)
            assert result.exit_code == 0, result.output
            taken.append((path, committed, any(started < t < time.monotonic() for t in commits[committed:])))
    finally:
        stop.set()
        writer.join(60)
    drain(source)
    assert sum(overlapped for *_, overlapped in taken) >= 3, "commits should have landed while backups ran"
    for path, committed, _ in taken:
        broken, needs = inconsistencies(path)
        assert broken == 0 and needs >= committed, (path, broken, needs, committed)


def test_the_default_backup_is_timestamped_beside_the_database_and_equals_it(source, tmp_path):
    result = backup(source)
    assert result.exit_code == 0, result.output
    saved = Path(re.search(r" to (\S+\.sqlite) ", result.output).group(1))
    assert saved.parent == tmp_path / "backups" and re.fullmatch(r"aid-\d{8}-\d{6}\.sqlite", saved.name)
    assert "integrity_check: ok" in result.output
    copy = sa.create_engine(f"sqlite:///{saved}")
    original = sa.create_engine(source.config["SQLALCHEMY_DATABASE_URI"])
    with copy.connect() as a, original.connect() as b:
        assert all(digest(a, t) == digest(b, t) for t in db.metadata.sorted_tables)
        assert digest(a, db.metadata.tables["users"]).rows >= 13  # the demo's people are in it
    copy.dispose(), original.dispose()
    again = backup(source, saved)
    assert again.exit_code == 1 and "already exists" in again.output


def test_on_postgresql_backup_names_pg_dump_and_makes_nothing(tmp_path):
    postgres = Database("postgresql", tmp_path)
    app = make_app(postgres.url)
    try:
        result = backup(app)
        assert result.exit_code == 1
        assert "No backup made" in result.output and "pg_dump --format=custom" in result.output
        assert "pg_restore" in result.output and not list(tmp_path.rglob("*.sqlite"))
    finally:
        with app.app_context():
            dispose(app)
        postgres.drop()
