"""The candidate query on a real SQLite database built from the app's models."""
import os
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import aid.models  # noqa: F401  (registers every table on db.metadata)
from aid.extensions import db
from aid.models import Match, Need, Skill, Slot, User, Volunteer, volunteer_skills
from aid.services.candidates import load_candidates, load_skill_tree, volunteer_box
from tests.unit.conftest import NOW

PG_URL = os.environ.get("AID_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def pg_engine():
    """A fresh schema on the test PostgreSQL, or None when none answers."""
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"unit_candidates_{uuid.uuid4().hex[:10]}"
    try:
        with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except sa.exc.OperationalError:
        return None, None
    return sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"}), schema


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request):
    engine, schema = (sa.create_engine("sqlite://"), None) if request.param == "sqlite" else pg_engine()
    if engine is None:
        pytest.skip("no PostgreSQL reachable at AID_TEST_PG_URL")
    db.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()
    if schema:
        with sa.create_engine(engine.url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")


def add_volunteer(session, id, lat, lon, max_km=10.0, on_duty=True, **kw):
    session.execute(sa.insert(User.__table__).values(id=id, email=f"{id}@x", name=f"v{id}", password_hash="x"))
    s, n, w, e = volunteer_box(lat, lon, max_km)
    session.execute(sa.insert(Volunteer.__table__).values(
        id=id, user_id=id, lat=lat, lon=lon, max_km=max_km, on_duty=on_duty,
        box_south=s, box_north=n, box_west=w, box_east=e, **kw))


def ids(found):
    return sorted(v.id for v in found)


def test_finds_on_duty_volunteers_whose_box_holds_the_point(session):
    add_volunteer(session, 1, 51.50, -0.12)
    add_volunteer(session, 2, 51.58, -0.12)  # ~9 km north, range 10
    add_volunteer(session, 3, 51.70, -0.12)  # ~22 km, out of range
    add_volunteer(session, 4, 51.50, -0.12, on_duty=False)
    add_volunteer(session, 5, 51.58, -0.12, max_km=5.0)
    assert ids(load_candidates(session, 51.5, -0.12, NOW)) == [1, 2]


def test_finds_volunteers_across_the_antimeridian(session):
    add_volunteer(session, 1, -17.0, 179.98, max_km=20.0)
    add_volunteer(session, 2, -17.0, -179.98, max_km=20.0)
    add_volunteer(session, 3, -17.0, 0.0, max_km=20.0)
    assert ids(load_candidates(session, -17.0, -179.99, NOW)) == [1, 2]
    assert ids(load_candidates(session, -17.0, 179.99, NOW)) == [1, 2]


def test_finds_volunteers_near_a_pole(session):
    add_volunteer(session, 1, 89.99, 0.0, max_km=5.0)
    add_volunteer(session, 2, 89.99, 180.0, max_km=5.0)
    assert ids(load_candidates(session, 89.995, 90.0, NOW)) == [1, 2]


def test_limit_km_keeps_only_volunteers_near_the_need(session):
    add_volunteer(session, 1, 51.50, -0.12, max_km=30.0)
    add_volunteer(session, 2, 51.65, -0.12, max_km=30.0)  # ~17 km
    assert ids(load_candidates(session, 51.5, -0.12, NOW, limit_km=5.0)) == [1]


def test_skills_languages_and_workload_are_filled(session):
    add_volunteer(session, 1, 51.5, -0.12, languages="en, ES", has_vehicle=True, vetting=2)
    session.execute(sa.insert(Skill.__table__), [
        {"id": 1, "slug": "first-aid", "name": "First aid", "parent_id": None}, {"id": 2, "slug": "nurse", "name": "Nurse", "parent_id": 1}])
    session.execute(sa.insert(volunteer_skills).values(volunteer_id=1, skill_id=2))
    states = [("accepted", 1), ("en_route", 30), ("done", 3), ("done", 9), ("declined", 2),
              ("declined", 20), ("expired", 1), ("released", 1)]
    for i, (state, days) in enumerate(states, start=1):  # one match per need and volunteer
        session.execute(sa.insert(Need.__table__).values(id=i, category="food", token_hash=f"t{i}"))
        session.execute(sa.insert(Slot.__table__).values(id=i, need_id=i))
        session.execute(sa.insert(Match.__table__).values(
            need_id=i, slot_id=i, volunteer_id=1, state=state, responded_at=NOW - timedelta(days=days)))
    (v,) = load_candidates(session, 51.5, -0.12, NOW)
    assert v.skills == {"nurse"} and v.languages == {"en", "es"}
    assert (v.active, v.week_count, v.recent_declines) == (2, 2, 1)
    assert v.has_vehicle and v.vetting == 2 and v.on_duty
    assert load_skill_tree(session).covers(v.skills, "first-aid")
