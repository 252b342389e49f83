"""Growing: a SQLite history moves into a fresh PostgreSQL database intact, and backups are sound.

These tests always use both databases: the source is a migrated SQLite file, the target a
private PostgreSQL database created for the test (and dropped after it).
"""
import os
import subprocess

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Match, MatchState, Need, OutboxMessage, Region, Skill, SmsOptOut, Union
from aid.services import demo
from aid.services.checksums import digest
from aid.services.move import verify
from tests.conftest import ROOT, Database, dispose, make_app
from tests.factories import drain, login, post_need

DEMO_PASSWORD = "demo-password"
HISTORY_TABLES = ("needs", "slots", "matches", "events", "outbox", "messages", "users", "volunteers", "skills",
                  "volunteer_skills", "regions", "unions", "coordinators", "pending_work", "sms_opt_outs")


@pytest.fixture
def source(tmp_path):
    """A migrated SQLite database and an app on it."""
    sqlite = Database("sqlite", tmp_path)
    sqlite.migrate()
    app = make_app(sqlite.url)
    yield app
    with app.app_context():
        dispose(app)


@pytest.fixture
def target(tmp_path):
    """A new, empty PostgreSQL database with a unique name; dropped after the test."""
    postgres = Database("postgresql", tmp_path)
    yield postgres
    postgres.drop()


def move_to(app, url):
    """The real command, `flask --app app aid move-to URL`, in its own process on the app's SQLite file."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret"}
    return subprocess.run(["flask", "--app", "app", "aid", "move-to", url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def invoke(app, url):
    """The same command through Click's runner in this process (no second interpreter to start)."""
    return app.test_cli_runner().invoke(args=["aid", "move-to", url])


def with_history(app):
    """The demo, plus needs offered, accepted, travelled to, done, cancelled, and written about."""
    with app.app_context():
        demo.seed()
        _cycle_and_out_of_order_keys()
        db.session.commit()
    requester = app.test_client()
    tokens = [post_need(requester, category=kind, urgency=urgency, details=f"history {n}", lat="50.874",
                        lon=f"{0.0088 + n / 1000:.4f}")
              for n, (kind, urgency) in enumerate([("food", "normal"), ("transport", "high"), ("other", "low"),
                                                   ("check_in", "critical"), ("repairs", "normal")])]
    drain(app)
    _accept_travel_and_finish(app, requester, tokens[0])
    assert requester.post(f"/t/{tokens[2]}/cancel").status_code in (200, 303)
    drain(app)
    with app.app_context():
        _link_a_digest()
        db.session.commit()


def _cycle_and_out_of_order_keys():
    """A region's hub (regions and unions point at each other), a skill whose parent has a higher id,
    and text primary keys (phone numbers), which PostgreSQL's collation may order unlike SQLite."""
    db.session.add_all([SmsOptOut(phone=phone) for phone in ("+447700900002", "+15005550006", "+3361234567")])
    region, union = db.session.scalar(sa.select(Region)), db.session.scalar(sa.select(Union))
    region.hub_union_id = union.id
    child = Skill(slug="sandbags", name="Sandbags")
    db.session.add(child)
    db.session.flush()
    child.parent = Skill(slug="flood-work", name="Flood work")


def _link_a_digest():
    """An outbox row carried by a later one (a digest): the outbox points at itself, forwards."""
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(rows) >= 2, "the history should have sent several messages"
    rows[0].digest_id = rows[-1].id


def _accept_travel_and_finish(app, requester, token):
    with app.app_context():
        need = db.session.scalar(sa.select(Need).where(Need.details == "history 0"))
        match = db.session.scalar(sa.select(Match).where(Match.need_id == need.id, Match.state == MatchState.OFFERED))
        email = match.volunteer.user.email
    volunteer = app.test_client()
    login(volunteer, email, DEMO_PASSWORD)
    assert volunteer.post(f"/me/offers/{match.id}/accept").status_code == 303
    volunteer.post(f"/me/tasks/{match.id}/messages", data={"body": "Ringing the bell twice"})
    requester.post(f"/t/{token}/messages", data={"body": "The gate is open"})
    volunteer.post(f"/me/tasks/{match.id}/on-my-way", data={"eta": "15 minutes"})
    volunteer.post(f"/me/tasks/{match.id}/done")


def engines(app, target):
    from aid.services.move_checks import target_engine

    return sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"]), target_engine(target.url)


def counts(engine):
    with engine.connect() as conn:
        return {t.name: conn.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_a_sqlite_history_moves_intact_and_the_app_carries_on_on_postgresql(source, target):
    with_history(source)
    sqlite, postgres = engines(source, target)
    assert all(counts(sqlite)[name] for name in HISTORY_TABLES), counts(sqlite)

    done = move_to(source, target.url)
    assert done.returncode == 0, done.stderr[-3000:]
    for table in db.metadata.sorted_tables:
        with sqlite.connect() as src, postgres.connect() as dst:
            assert digest(src, table) == digest(dst, table), table.name
        assert f"\n{table.name} " in "\n" + done.stdout and "MISMATCH" not in done.stdout
    with postgres.connect() as dst:
        assert dst.scalar(sa.text("SELECT version_num FROM alembic_version")) in done.stdout
    _spot_check_values(source, target)
    _the_app_takes_a_new_need_on_postgresql(target, top_need=max_id(sqlite, Need))
    sqlite.dispose(), postgres.dispose()


def max_id(engine, model):
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.max(model.id)))


def _spot_check_values(source, target):
    """Typed values read back equal through the models: times, JSON reasons, enums, parents."""
    def read(app):
        with app.app_context():
            need = db.session.scalar(sa.select(Need).where(Need.details == "history 0"))
            skill = db.session.scalar(sa.select(Skill).where(Skill.slug == "sandbags"))
            return (need.created_at, need.status, [(m.state, m.reasons) for m in need.matches], skill.parent.slug,
                    db.session.scalar(sa.select(Region.hub_union_id)))
    moved = make_app(target.url)
    try:
        assert read(moved) == read(source)
        assert read(moved)[3] == "flood-work" and read(moved)[4] is not None
    finally:
        with moved.app_context():
            dispose(moved)


def _the_app_takes_a_new_need_on_postgresql(target, top_need):
    """Sequences were reset: new needs, slots, events, matches and messages get fresh ids."""
    app = make_app(target.url)
    try:
        client = app.test_client()
        post_need(client, category="food", details="after the move")
        drain(app)
        with app.app_context():
            need = db.session.scalar(sa.select(Need).where(Need.details == "after the move"))
            assert need.id == top_need + 1
            assert need.matches and [e.kind for e in need.events][:2] == ["posted", "offered"]
        login(client, "coordinator@example.org", DEMO_PASSWORD)
        assert b"after the move" in client.get(f"/board/needs/{need.id}").data
    finally:
        with app.app_context():
            dispose(app)


def test_a_target_holding_rows_is_refused_and_left_as_it_was(source, target):
    with source.app_context():
        demo.seed()
        db.session.commit()
    _, postgres = engines(source, target)
    with postgres.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE notes (id integer PRIMARY KEY, body text)")
        conn.exec_driver_sql("INSERT INTO notes VALUES (1, 'kept')")
    done = invoke(source, target.url)
    assert done.exit_code == 1
    assert "The target database is not empty: notes (1 row)" in done.output
    assert sa.inspect(postgres).get_table_names() == ["notes"]
    postgres.dispose()


def test_moving_twice_is_refused_and_the_first_copy_stays(source, target):
    with source.app_context():
        demo.seed()
        db.session.commit()
    assert invoke(source, target.url).exit_code == 0
    _, postgres = engines(source, target)
    before = counts(postgres)
    again = invoke(source, target.url)
    assert again.exit_code == 1 and "not empty: " in again.output and "users (" in again.output
    assert counts(postgres) == before and before["users"] >= 13
    postgres.dispose()


def test_a_row_postgresql_cannot_store_stops_the_move_and_leaves_the_target_empty(source, target):
    """SQLite does not enforce VARCHAR lengths; PostgreSQL does. The move says which table, and keeps nothing."""
    with source.app_context():
        demo.seed()
        db.session.execute(sa.text("UPDATE users SET name = :long WHERE email = 'sam@example.org'"), {"long": "S" * 81})
        db.session.commit()
    failed = invoke(source, target.url)
    assert failed.exit_code == 1 and "Table users: a row could not be stored" in failed.output
    _, postgres = engines(source, target)
    assert not any(counts(postgres).values())  # the migrations ran, no row stayed
    with source.app_context():
        db.session.execute(sa.text("UPDATE users SET name = 'Sam' WHERE email = 'sam@example.org'"))
        db.session.commit()
    assert invoke(source, target.url).exit_code == 0  # an empty, migrated target is taken
    assert counts(postgres)["users"] >= 13
    postgres.dispose()


def test_verification_catches_a_changed_value_and_a_missing_row(source, target):
    with source.app_context():
        demo.seed()
        db.session.commit()
    assert invoke(source, target.url).exit_code == 0
    sqlite, postgres = engines(source, target)
    with postgres.begin() as conn:
        conn.execute(sa.text("UPDATE volunteers SET max_km = max_km + 0.001 WHERE id = 3"))
        conn.execute(sa.text("DELETE FROM volunteer_skills WHERE volunteer_id = 5"))
    with sqlite.connect() as src, postgres.connect() as dst:
        checks = {check.name: check for check in verify(src, dst, db.metadata)}
    assert {name for name, check in checks.items() if not check.ok} == {"volunteers", "volunteer_skills"}
    assert checks["volunteers"].source.rows == checks["volunteers"].target.rows
    assert checks["volunteer_skills"].source.rows > checks["volunteer_skills"].target.rows
    sqlite.dispose(), postgres.dispose()


def test_a_source_behind_the_code_is_refused(tmp_path, target):
    older = Database("sqlite", tmp_path)
    app = make_app(older.url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade(revision="e95ff2aa9ab3")
        dispose(app)
    done = invoke(app, target.url)
    assert done.exit_code == 1
    assert "The SQLite database is at migration e95ff2aa9ab3 but this code is at" in done.output
    assert "db upgrade" in done.output
    _, postgres = engines(app, target)
    assert sa.inspect(postgres).get_table_names() == []
    postgres.dispose()


def test_only_the_embedded_sqlite_moves_and_only_into_postgresql(source, target):
    on_postgres = make_app(target.url)
    refused = invoke(on_postgres, target.url)
    assert refused.exit_code == 1 and "copies the embedded SQLite database" in refused.output
    for url, says in [("mysql://aid@db/aid", "must be PostgreSQL"), ("not a url", "is not a database URL"),
                      ("postgresql://postgres@127.0.0.1:1/none", "Cannot connect to")]:
        refused = invoke(source, url)
        assert refused.exit_code == 1 and says in refused.output, refused.output


def test_an_empty_target_built_by_other_migrations_is_refused(source, target):
    older = make_app(target.url)
    with older.app_context():
        from flask_migrate import upgrade

        upgrade(revision="e95ff2aa9ab3")
        dispose(older)
    refused = invoke(source, target.url)
    assert refused.exit_code == 1
    assert "The target database is at migration e95ff2aa9ab3 but this code is at" in refused.output
    _, postgres = engines(source, target)
    with postgres.connect() as conn:
        assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == "e95ff2aa9ab3"
    postgres.dispose()
