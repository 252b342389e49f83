"""Privacy by stage: who sees a requester's details, place and contact, on every route."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.models import LocationStatus, Match, MatchState, Need, Region, Union, User, utcnow
from aid.services import retention
from tests.factories import add_coordinator, add_union, add_volunteer, drain, login, post_need

SECRETS = {
    "details": "Key under the blue flowerpot",
    "address": "7 Cliffe High Street",
    "phone": "+44 7911 123456",
    "phone_e164": "+447911123456",
    "email": "margaret@example.net",
    "name": "Margaret Hill",
}
ROLES = ["anonymous", "token_holder", "other_volunteer", "accepted_volunteer", "coordinator", "other_coordinator"]


@pytest.fixture
def world(app):
    """A need accepted by Ann, also offered to Bob; a coordinator here and one elsewhere."""
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        add_coordinator(add_union("Brighton", lat=50.82, lon=-0.14), name="Other Coord")
        add_volunteer("Ann Able", lat=50.8741, union=union)
        add_volunteer("Bob Baker", lat=50.8745, union=union)
    token = post_need(app.test_client(), details=SECRETS["details"], address=SECRETS["address"],
                      contact_email=SECRETS["email"], contact_name=SECRETS["name"], summary="Shopping, 10 min walk")
    drain(app)
    with app.app_context():
        offers = dict(db.session.execute(sa.select(Match.volunteer_id, Match.id)).all())
        need_id = db.session.scalar(sa.select(Need.id))
    clients = {role: app.test_client() for role in ROLES}
    login(clients["accepted_volunteer"], "ann.able@example.org")
    login(clients["other_volunteer"], "bob.baker@example.org")
    login(clients["coordinator"], "rosa.coord@example.org")
    login(clients["other_coordinator"], "other.coord@example.org")
    ann_match, bob_match = sorted(offers.values())
    assert clients["accepted_volunteer"].post(f"/me/offers/{ann_match}/accept").status_code == 303
    routes = {
        "tracking page": f"/t/{token}",
        "offers inbox": "/me/",
        "winner's task": f"/me/tasks/{ann_match}",
        "other's offer": f"/me/tasks/{bob_match}",
        "board": "/board/",
        "need page": f"/board/needs/{need_id}",
        "shortlist json": f"/board/needs/{need_id}/shortlist.json",
    }
    return clients, routes, token


# The only (role, route) pairs that show the requester's details and contact.
REVEALED = {("accepted_volunteer", "winner's task"), ("coordinator", "need page")}


def test_private_fields_appear_only_for_the_roles_allowed_on_every_route(world):
    clients, routes, _token = world
    for role, client in clients.items():
        for label, url in routes.items():
            body = client.get(url).get_data(as_text=True)
            shown = {name for name, value in SECRETS.items() if value in body}
            if (role, label) in REVEALED:
                assert {"details", "phone", "email", "address", "name"} <= shown, (role, label, shown)
            else:
                assert not shown, (role, label, shown)


def test_the_volunteer_loses_access_after_the_grace_period(app, world):
    clients, routes, _token = world
    ann = clients["accepted_volunteer"]
    task = routes["winner's task"]
    ann.post(task + "/done")
    assert SECRETS["phone"] in ann.get(task).get_data(as_text=True)
    with time_machine.travel(utcnow() + timedelta(hours=25), tick=False):
        assert SECRETS["phone"] not in ann.get(task).get_data(as_text=True)


def test_the_reveal_is_on_the_audit_trail(app, world):
    with app.app_context():
        detail = db.session.scalar(sa.select(Need)).events[-1].detail
    assert "address and contact now shown" in detail


def test_purge_erases_personal_data_of_old_closed_needs_and_keeps_statistics(app, world):
    clients, routes, token = world
    clients["token_holder"].post(f"/t/{token}/done")
    with app.app_context():
        assert retention.purge(utcnow(), days=30) == 0  # closed just now: kept
        assert retention.purge(utcnow() + timedelta(days=31), days=30) == 1
        db.session.commit()
        need = db.session.scalar(sa.select(Need))
        assert (need.details, need.address, need.contact_phone, need.contact_email, need.lat) == ("", "", "", "", None)
        assert need.cell_lat is not None and str(need.category) == "food" and need.closed_at is not None
    page = clients["coordinator"].get(routes["need page"]).get_data(as_text=True)
    assert not any(value in page for value in SECRETS.values())


def test_nobody_but_the_winner_was_told_the_address_in_an_offer(app, world):
    clients, _routes, _token = world
    with app.app_context():
        states = set(db.session.scalars(sa.select(Match.state)))
    assert states == {MatchState.ACCEPTED, MatchState.WITHDRAWN}
    page = clients["other_volunteer"].get("/me/").get_data(as_text=True)
    assert "Shopping, 10 min walk" not in page  # withdrawn offers disappear from the inbox


def test_the_coarse_area_is_computed_once_identical_across_50_fetches_and_not_the_point(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", lat=50.8741)
    post_need(client, lat="50.87613", lon="0.01891", details="Exact point check")
    drain(app)
    ann = app.test_client()
    login(ann, "ann.able@example.org")
    areas = {re.search(r'href="([^"]*openstreetmap[^"]*)"', ann.get("/me/").get_data(as_text=True)).group(1)
             for _ in range(50)}
    assert len(areas) == 1
    (area,) = areas
    assert "50.87613" not in area and "0.01891" not in area


def test_the_public_cell_is_coarser_where_few_volunteers_live(app, client):
    with app.app_context():
        add_union()
        for i in range(20):
            add_volunteer(f"Town {i}", lat=50.874 + i * 0.0005)
    post_need(client, lat="50.8745", lon="0.0090", details="In town")
    post_need(client, lat="50.95", lon="0.20", details="Out in the country", same_anyway="yes")
    with app.app_context():
        sizes = dict(db.session.execute(sa.select(Need.details, Need.cell_km)).all())
    assert sizes == {"In town": 0.5, "Out in the country": 2.0}


@pytest.fixture
def two_unions(app):
    """Lewes (Rosa) and Brighton (Other Coord), both in East Sussex, whose hub is Lewes."""
    with app.app_context():
        lewes, brighton = add_union(), add_union("Brighton", lat=50.82, lon=-0.14)
        region = Region(name="East Sussex", hub_union_id=lewes.id)
        db.session.add(region)
        db.session.flush()
        lewes.region_id = brighton.region_id = region.id
        db.session.commit()
        add_coordinator(lewes)
        add_coordinator(brighton, name="Other Coord")
        return {"lewes": lewes.id, "brighton": brighton.id}


def unplaced_need(app, client, phone):
    """A need typed as "17 Cliffe High Street" (no town): no place near a union bears those words."""
    post_need(client, lat=None, lon=None, address="17 Cliffe High Street", contact_phone=phone,
              details=SECRETS["details"], contact_name=SECRETS["name"])
    drain(app)
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert str(need.location_status) == "not_found"
        return need.id, need.union_id


def shown_to(app, email, need_id):
    """What a coordinator gets of a need: its page, its fragment, and their personal CSV export."""
    client = app.test_client()
    login(client, email)
    page = client.get(f"/board/needs/{need_id}")
    fragment = client.get(f"/board/needs/{need_id}", headers={"HX-Request": "true"})
    export = client.post("/board/export.csv", data={"personal": "1"}).get_data(as_text=True)
    return page.status_code, fragment.status_code, "17 Cliffe High Street" in export


def test_a_need_whose_place_was_not_found_goes_to_the_union_of_its_phone_area_only(app, client, two_unions):
    need_id, union_id = unplaced_need(app, client, phone="01273 471600")  # a Brighton landline
    assert union_id == two_unions["brighton"]
    assert shown_to(app, "other.coord@example.org", need_id) == (200, 200, True)
    assert shown_to(app, "rosa.coord@example.org", need_id) == (403, 403, False)


def test_a_need_not_found_with_a_mobile_number_goes_to_the_regions_hub_only(app, client, two_unions):
    need_id, union_id = unplaced_need(app, client, phone="07911 123456")
    assert union_id == two_unions["lewes"]
    assert shown_to(app, "rosa.coord@example.org", need_id) == (200, 200, True)
    assert shown_to(app, "other.coord@example.org", need_id) == (403, 403, False)


def test_a_need_still_being_located_is_shown_to_no_coordinator(app, two_unions):
    with app.app_context():
        need = Need(category="food", urgency="normal", details=SECRETS["details"], address="17 Cliffe High Street",
                    contact_phone=SECRETS["phone_e164"], token_hash="p" * 64, location_status=LocationStatus.PENDING)
        db.session.add(need)
        db.session.commit()
        need_id = need.id
    for email in ("rosa.coord@example.org", "other.coord@example.org"):
        assert shown_to(app, email, need_id) == (403, 403, False)


# Shared things: the exact place and hand-over notes go only to the booker (the tracking link, once
# the owner confirms), the owner, and the coordinators of the thing's union.
THING_SECRETS = {"notes": "Hall key in the key safe, code 4821", "place": "9 Priory Crescent", "point": "50.871234"}
THING_ROLES = ["anonymous", "booker", "owner", "other_volunteer", "coordinator", "other_coordinator"]


@pytest.fixture
def thing_world(app):
    """Olive's spare room held for Margaret's shelter need, then confirmed by Olive."""
    from tests.thing_factories import add_need_asking, add_thing

    with app.app_context():
        union = add_union()
        add_coordinator(union)
        add_coordinator(add_union("Brighton", lat=50.82, lon=-0.14), name="Other Coord")
        olive = add_volunteer("Olive Owner", union=union)
        add_volunteer("Bob Baker", union=union)
        thing = add_thing(owner=olive, lat=50.871234, lon=0.012345, place_label=THING_SECRETS["place"],
                          handover_notes=THING_SECRETS["notes"])
        need, slot, token = add_need_asking(details=SECRETS["details"], contact_email=SECRETS["email"])
        from aid.services import things_booking

        booking = things_booking.book(slot, thing.id, utcnow())
        db.session.commit()
        ids = {"thing": thing.id, "booking": booking.id, "need": need.id}
    clients = {role: app.test_client() for role in THING_ROLES}
    for role, email in (("owner", "olive.owner@example.org"), ("other_volunteer", "bob.baker@example.org"),
                        ("coordinator", "rosa.coord@example.org"), ("other_coordinator", "other.coord@example.org")):
        login(clients[role], email)
    routes = {
        "tracking page": f"/t/{token}", "my things": "/things/", "thing page": f"/things/{ids['thing']}/edit",
        "hub": "/hub/", "board bookings": "/hub/bookings", "board": "/board/", "api things": "/api/v1/things",
        "api bookings": "/api/v1/bookings", "open data": "/hub/open-data-things.csv",
    }
    return clients, routes, ids


THING_REVEALED = {("owner", "thing page"), ("coordinator", "thing page"), ("owner", "my things")}


def _thing_secrets_shown(body):
    return {name for name, value in THING_SECRETS.items() if value in body}


def test_a_things_place_and_notes_appear_only_for_its_owner_its_coordinators_and_its_confirmed_booker(thing_world):
    clients, routes, ids = thing_world
    for stage in ("held", "confirmed"):
        revealed = THING_REVEALED | ({("booker", "tracking page")} if stage == "confirmed" else set())
        for role, client in clients.items():
            for label, url in routes.items():
                if label == "tracking page" and role != "booker":
                    continue  # whoever holds the private link is the booker
                body = client.get(url).get_data(as_text=True)
                shown = _thing_secrets_shown(body)
                if (role, label) in revealed:
                    assert shown & {"notes", "place"} or label == "my things", (stage, role, label, shown)
                    assert label != "my things" or "place" in shown, (stage, role, label, shown)
                else:
                    assert not shown, (stage, role, label, shown)
                if role == "owner":  # the owner of a thing learns nothing about the need it is booked for
                    assert not {n for n, v in SECRETS.items() if v in body}, (role, label)
        assert clients["owner"].post(f"/bookings/{ids['booking']}/confirm").status_code == 303

# The common purse: its ledger, fragment, forms and CSV go only to the union's members and coordinators,
# and to the region's coordinators (Lewes is the hub); a contributor's hidden name only to coordinators.
PURSE_ROUTES = {"ledger": ("/purse/lewes", {}), "fragment": ("/purse/lewes", {"HX-Request": "true"}),
                "csv": ("/purse/lewes/ledger.csv", {}), "contribute": ("/purse/lewes/contribute", {}),
                "spend": ("/purse/lewes/spend", {})}
PURSE_READERS = {"member", "coordinator", "region_coordinator"}
HIDDEN_CONTRIBUTOR = "Quiet Quentin"


@pytest.fixture
def purse_clients(app):
    """Lewes (the hub of East Sussex) with a purse; Brighton beside it; one client per role."""
    from aid.models import Coordinator
    from aid.services import purse as ledger
    from tests.integration import purse_world

    with app.app_context():
        ids = purse_world.build(balance=2000)
        lewes, rosa = db.session.get(Union, ids["union"]), db.session.get(User, ids["rosa"])
        brighton = add_union("Brighton", lat=50.82, lon=-0.14)
        region = Region(name="East Sussex", hub_union_id=lewes.id)
        db.session.add(region)
        db.session.flush()
        lewes.region_id = brighton.region_id = region.id
        add_coordinator(brighton, name="Other Coord")
        add_volunteer("Olly Out", lat=50.82, lon=-0.14, union=brighton)
        db.session.add(Coordinator(user_id=add_coordinator(brighton, name="Rhea Region").id, region_id=region.id))
        purse = purse_world.purse(ids["purse"])
        ledger.contribute(purse, 700, HIDDEN_CONTRIBUTOR, False, utcnow().date(), rosa, utcnow())
        db.session.commit()
    emails = {"member": "bob.baker@example.org", "coordinator": "rosa.coord@example.org",
              "region_coordinator": "rhea.region@example.org", "other_coordinator": "other.coord@example.org",
              "other_volunteer": "olly.out@example.org"}
    clients = {"anonymous": app.test_client()}
    for role, email in emails.items():
        clients[role] = app.test_client()
        login(clients[role], email)
    return clients


def test_the_purse_is_shown_only_to_its_unions_members_and_coordinators_and_hidden_names_only_to_coordinators(
        purse_clients):
    for role, client in purse_clients.items():
        for label, (url, headers) in PURSE_ROUTES.items():
            answer = client.get(url, headers=headers)
            body = answer.get_data(as_text=True)
            if role not in PURSE_READERS:
                assert answer.status_code in (302, 403), (role, label, answer.status_code)
                assert "Opening collection" not in body, (role, label)
                continue
            if role == "member" and label == "contribute":
                assert answer.status_code == 403
                continue
            assert answer.status_code == 200, (role, label, answer.status_code)
            manager_page = role != "member" and label in ("ledger", "fragment")
            assert (HIDDEN_CONTRIBUTOR in body) == manager_page, (role, label)
