"""The migrations build exactly the models' schema, on each database."""
from datetime import datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from aid.extensions import db
from aid.models import Match, Skill, Slot, User
from tests.conftest import Database, dispose, make_app


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_stored_reason_sentences_become_codes_with_their_arguments(database, tmp_path):
    """The reasons-as-codes revision converts the sentences already stored, skills back to their slugs."""
    fresh = Database(database.backend, tmp_path)
    app = make_app(fresh.url)
    with app.app_context():
        try:
            upgrade(revision="1a63603c7ce0")
            db.session.execute(sa.insert(User.__table__).values(id=1, email="a@x", name="Ann", password_hash="x"))
            # Plain SQL where later revisions added columns with Python defaults the old schema lacks.
            db.session.execute(sa.text(
                "INSERT INTO volunteers (id, user_id, lat, lon, base_label, max_km, on_duty, capacity, week_cap,"
                " languages, vetting, has_vehicle, schedule_days)"
                " VALUES (1, 1, 0.0, 0.0, '', 5, false, 2, 5, 'en', 0, false, '')"))
            db.session.execute(sa.insert(Skill.__table__).values(id=1, slug="first-aid", name="First aid"))
            db.session.execute(sa.text(
                "INSERT INTO needs (id, category, urgency, status, location_status, token_hash, details, summary,"
                " people, language, language_required, address, contact_name, contact_phone, contact_email,"
                " created_at, updated_at, escalation)"
                " VALUES (1, 'food', 'normal', 'open', 'pending', 't', '', '', 1, 'en', false, '', '', '', '',"
                " :now, :now, 0)"), {"now": datetime(2025, 3, 1)})
            db.session.execute(sa.insert(Slot.__table__).values(id=1, need_id=1))
            db.session.execute(sa.text(
                "INSERT INTO matches (need_id, slot_id, volunteer_id, state, score, distance_km, reasons, wave,"
                " offered_at, eta, note) VALUES (1, 1, 1, 'offered', 1, 1.2, :reasons, 1, :now, '', '')"),
                {"reasons": "1.2 km · nurse covers first aid · has a vehicle · speaks es · 1 of 5 tasks this week"
                            " · 1 recent decline · something else", "now": datetime(2025, 3, 1)})
            db.session.commit()
            upgrade()
            stored = db.session.scalar(sa.select(Match.reasons))
        finally:
            dispose(app)
    fresh.drop()
    assert stored == [
        {"code": "distance", "km": 1.2}, {"code": "covers", "held": "nurse", "needed": "first-aid"},
        {"code": "vehicle"}, {"code": "speaks", "language": "es"}, {"code": "week_load", "done": 1, "cap": 5},
        {"code": "recent_declines", "n": 1}, {"code": "text", "text": "something else"}]


def test_rebuilding_a_table_on_sqlite_keeps_the_rows_that_point_at_it(database, tmp_path):
    """SQLite's batch mode copies a table and drops the old one: that drop must not cascade.

    The outbox revision's downgrade rebuilds `needs`; with foreign keys on during the
    migration, every slot and match of every need would go with it.
    """
    fresh = Database(database.backend, tmp_path)
    app = make_app(fresh.url)
    with app.app_context():
        try:
            upgrade()
            db.session.execute(sa.text(
                "INSERT INTO needs (id, category, urgency, status, location_status, token_hash, details, summary,"
                " people, language, language_required, address, contact_name, contact_phone, contact_email,"
                " created_at, updated_at, escalation, place_label, sms_updates)"
                " VALUES (1, 'food', 'normal', 'open', 'pending', 't', '', '', 1, 'en', false, '', '', '', '',"
                " :now, :now, 0, '', false)"), {"now": datetime(2025, 3, 1)})
            db.session.execute(sa.insert(Slot.__table__).values(id=1, need_id=1))
            db.session.commit()
            downgrade(revision="-1")
            upgrade()
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Slot)) == 1
        finally:
            dispose(app)
            fresh.drop()
