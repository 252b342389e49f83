"""Federation: routing to the union whose area holds a need, escalation on time, who sees what."""
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Coordinator, Escalation, Match, MatchState, Need, Region, Union, Volunteer, utcnow
from tests.factories import add_coordinator, add_union, add_volunteer, drain, login, post_need

LEWES, RINGMER, BRIGHTON = (50.874, 0.0088), (50.893, 0.057), (50.8225, -0.1372)


@pytest.fixture
def app(make):
    return make(NEIGHBOUR_KM=5)  # Ringmer's area is 2 km away; Brighton's, 10 km


def _federation(app, escalate_from="low"):
    """Lewes (local), Ringmer (neighbour, 4 km), Brighton (the region's hub, 13 km)."""
    with app.app_context():
        region = Region(name="East Sussex")
        db.session.add(region)
        lewes = add_union("Lewes", *LEWES, radius_km=2)
        ringmer = add_union("Ringmer", *RINGMER, radius_km=1.5)
        brighton = add_union("Brighton", *BRIGHTON, radius_km=3)
        for union in (lewes, ringmer, brighton):
            union.region = region
        lewes.escalate_from = escalate_from
        region.hub = brighton
        db.session.commit()
        add_coordinator(lewes, "Lou Lewes")
        add_coordinator(ringmer, "Rita Ringmer")
        add_coordinator(brighton, "Bea Brighton")
        regional = add_coordinator(lewes, "Reg Region")
        db.session.execute(sa.delete(Coordinator).where(Coordinator.user_id == regional.id))
        db.session.add(Coordinator(user_id=regional.id, region_id=region.id))
        # Only other unions' volunteers can reach the need.
        add_volunteer("Nia Neighbour", lat=RINGMER[0], lon=RINGMER[1], max_km=8)
        add_volunteer("Hal Hub", lat=BRIGHTON[0], lon=BRIGHTON[1], max_km=20)
        db.session.commit()


def _offered_names(app):
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Volunteer.user_id).join(Match).where(
            Match.state == MatchState.OFFERED)).all())


def _sweep_at(app, minutes, start):
    with time_machine.travel(start + timedelta(minutes=minutes), tick=False), app.app_context():
        sweep()
    drain(app)


def _escalations(app):
    with app.app_context():
        return sorted((u, lvl) for u, lvl in db.session.execute(
            sa.select(Union.name, Escalation.level).join(Union, Union.id == Escalation.union_id)))


def test_a_need_goes_to_the_union_whose_area_holds_it(app, client):
    _federation(app)
    post_need(client, lat=str(RINGMER[0]), lon=str(RINGMER[1] + 0.002))
    with app.app_context():
        assert db.session.scalar(sa.select(Need)).union.name == "Ringmer"
        assert db.session.scalar(sa.select(Volunteer).where(Volunteer.lat == BRIGHTON[0])).union.name == "Brighton"


def test_polygon_areas_route_needs_inside_them(app, client):
    _federation(app)
    square = {"type": "Polygon", "coordinates": [[[0.1, 50.95], [0.3, 50.95], [0.3, 51.05], [0.1, 51.05], [0.1, 50.95]]]}
    with app.app_context():
        add_union("Polygon Town", 51.0, 0.2, radius_km=0.1).area_geojson = json.dumps(square)
        db.session.commit()
    post_need(client, lat="51.04", lon="0.29")
    with app.app_context():
        assert db.session.scalar(sa.select(Need)).union.name == "Polygon Town"


def test_escalation_goes_local_then_neighbours_then_hub_at_the_right_times_once(app, client):
    _federation(app)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        post_need(client, urgency="high")  # target: 60 minutes to a first yes
    drain(app)
    assert _offered_names(app) == [] and _escalations(app) == []
    _sweep_at(app, 59, start)
    assert _escalations(app) == []
    _sweep_at(app, 61, start)
    assert _escalations(app) == [("Ringmer", 1)]
    assert len(_offered_names(app)) == 1  # Nia, from the neighbouring union
    _sweep_at(app, 62, start)
    assert _escalations(app) == [("Ringmer", 1)]  # once
    _sweep_at(app, 121, start)
    assert _escalations(app) == [("Brighton", 2), ("Ringmer", 1)]
    _sweep_at(app, 200, start)
    with app.app_context():
        kinds = [e.kind for e in db.session.scalar(sa.select(Need)).events]
    assert kinds.count("escalated") == 1 and kinds.count("hub_alerted") == 1


def test_a_union_can_keep_its_less_urgent_needs_at_home(app, client):
    _federation(app, escalate_from="high")
    start = utcnow()
    with time_machine.travel(start, tick=False):
        post_need(client, urgency="low", details="Can wait")
        post_need(client, urgency="critical", details="Now", category="care")
    _sweep_at(app, 60 * 30, start)  # one rung per sweep
    _sweep_at(app, 60 * 30 + 1, start)
    with app.app_context():
        by_need = dict(db.session.execute(sa.select(Need.details, Need.escalation)).all())
    assert by_need == {"Can wait": 0, "Now": 2}


def test_escalated_needs_show_on_the_neighbours_board_and_regions_see_all(app, client):
    _federation(app)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        post_need(client, urgency="high", details="Sandbags for the back door")
    coordinators = {}
    for name in ("lou.lewes", "rita.ringmer", "bea.brighton", "reg.region"):
        coordinators[name] = app.test_client()
        login(coordinators[name], f"{name}@example.org")

    def sees(name):
        with time_machine.travel(start + timedelta(minutes=130), tick=False):
            return b"Sandbags" in coordinators[name].get("/board/").data

    assert sees("lou.lewes") and sees("reg.region") and not sees("rita.ringmer") and not sees("bea.brighton")
    _sweep_at(app, 61, start)
    assert sees("rita.ringmer") and not sees("bea.brighton")
    _sweep_at(app, 121, start)
    assert sees("bea.brighton")


def test_a_coordinator_can_escalate_by_hand_one_rung_at_a_time(app, client):
    _federation(app)
    post_need(client, urgency="normal", details="Escalate me")
    drain(app)
    lou = app.test_client()
    login(lou, "lou.lewes@example.org")
    with app.app_context():
        need_id = db.session.scalar(sa.select(Need.id))
    lou.post(f"/board/needs/{need_id}/escalate")
    assert _escalations(app) == [("Ringmer", 1)]
    lou.post(f"/board/needs/{need_id}/escalate")
    assert _escalations(app) == [("Brighton", 2), ("Ringmer", 1)]
    refused = lou.post(f"/board/needs/{need_id}/escalate", follow_redirects=True)
    assert b"already reached the region" in refused.data
