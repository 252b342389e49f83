"""The candidate query on the migrated test databases (SQLite and PostgreSQL), and its property."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from aid.extensions import db
from aid.matching.geo import MAX_TRAVEL_KM, haversine_km
from aid.models import Match, Need, Skill, Slot, User, Volunteer, volunteer_skills
from aid.services.candidates import load_candidates, load_skill_tree, lon_inside, volunteer_box
from tests.unit.conftest import NOW
from tests.unit.test_matching_properties import move, people, places


@pytest.fixture
def session(ctx):
    """The app's session on this test's database (emptied first); rolled back after the test."""
    yield db.session
    db.session.rollback()


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


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(places())
def test_candidate_query_finds_everyone_in_range(app, place):
    """Recall and precision 100%: the stored boxes never drop anyone in range, poles and antimeridian included.

    The database is emptied once for the test; each example writes its crowd and rolls it back.
    """
    lat, lon, rng = place
    crowd = people(rng, lat, lon, 60)
    where = {v.id: (v.lat, v.lon) for v in crowd}
    with app.app_context():
        for v in crowd:
            add_volunteer(db.session, v.id, v.lat, v.lon, max_km=v.max_km, on_duty=v.on_duty)
        for _ in range(5):
            plat, plon = move(lat, lon, rng.uniform(0, 25), rng.uniform(0, 360))
            found = {v.id for v in load_candidates(db.session, plat, plon, NOW)}
            within = {v.id for v in crowd if v.on_duty
                      and haversine_km(plat, plon, v.lat, v.lon) <= min(v.max_km, MAX_TRAVEL_KM)}
            assert found == within
            limited = {v.id for v in load_candidates(db.session, plat, plon, NOW, limit_km=4.0)}
            assert limited == {i for i in within if haversine_km(plat, plon, *where[i]) <= 4.0}
        db.session.rollback()


@pytest.mark.parametrize(("west", "east", "inside"), [(-0.2, 0.0, [1]), (179.9, -179.9, [2, 3]), (170.0, -170.0, [2, 3])])
def test_longitude_inside_a_box_known_in_advance_wraps_across_the_antimeridian(session, west, east, inside):
    for id_, lon in ((1, -0.12), (2, 179.95), (3, -179.95), (4, 90.0)):
        add_volunteer(session, id_, 0.0, lon)
    found = session.scalars(sa.select(Volunteer.id).where(lon_inside(west, east, Volunteer.lon)).order_by(Volunteer.id))
    assert list(found) == inside
