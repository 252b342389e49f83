"""Shared things end to end: offer one, a need asks for it, the matcher holds it, the owner confirms."""
import re
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.models import Booking, BookingState, Thing, ThingSlot, utcnow
from aid.services import things_booking
from tests.factories import add_coordinator, add_union, add_volunteer, drain, login, post_need
from tests.thing_factories import add_need_asking, add_thing

NOTES = "Key under the blue pot"


def _local(dt):
    """A stored (UTC) time as the ask form's datetime-local value (the tests' site zone is Europe/London)."""
    from zoneinfo import ZoneInfo

    return dt.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%dT%H:%M")


def _offer_bed(client, **overrides):
    form = {"owner": "me", "kind": "bed_room", "title": "Spare room", "sharing": "unique", "count": "1",
            "lat": "50.8740", "lon": "0.0150", "place_label": "Lewes, Priory Street", "handover_notes": NOTES,
            "active": "y"}
    form.update(overrides)
    return client.post("/things/new", data=form)


def _ask_for_a_bed(client, nights=2, **overrides):
    starts = (utcnow() + timedelta(hours=3)).replace(second=0, microsecond=0)
    fields = dict(category="shelter", details="Flooded out, need a bed", thing_kind="bed_room", thing_quantity="1",
                  thing_from=_local(starts), thing_until=_local(starts + timedelta(days=nights)))
    fields.update(overrides)
    return post_need(client, **fields)


def _booking(app):
    """The newest booking, with its thing's title as `title` (read inside the app context)."""
    with app.app_context():
        booking = db.session.scalar(sa.select(Booking).order_by(Booking.id.desc()))
        booking.title = booking.thing.title
        return booking


def test_a_member_offers_a_bed_the_matcher_holds_it_for_a_shelter_need_and_the_owner_confirms(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Olive Owner")
    login(client, "olive.owner@example.org")
    assert _offer_bed(client).status_code == 303
    with app.app_context():
        thing = db.session.scalar(sa.select(Thing))
        assert (thing.cell_lat, thing.cell_lon) != (thing.lat, thing.lon)  # a coarse public area, computed once
    requester = app.test_client()
    token = _ask_for_a_bed(requester)
    drain(app)
    booking = _booking(app)
    assert booking.state == BookingState.HELD and (booking.ends_at - booking.starts_at) == timedelta(days=2)
    assert {r["code"] for r in booking.reasons} == {"distance", "thing_free"}
    page = client.get("/things/").data.decode()
    assert "Spare room" in page and "Why this one:" in page and " km" in page and "free " in page
    assert NOTES not in requester.get(f"/t/{token}").data.decode()  # not before the owner confirms
    assert client.post(f"/bookings/{booking.id}/confirm").status_code == 303
    status = requester.get(f"/t/{token}").data.decode()
    assert "Spare room is yours: confirmed." in status and NOTES in status


def test_nobody_but_the_owner_and_coordinators_can_manage_a_thing_or_its_bookings(app, client):
    with app.app_context():
        union = add_union()
        owner = add_volunteer("Olive Owner")
        add_volunteer("Nosy Neighbour")
        thing = add_thing(owner=owner)
        _need, slot, _token = add_need_asking()
        booking = things_booking.book(slot, thing.id, utcnow())
        db.session.commit()
        ids = thing.id, booking.id
        add_coordinator(union)
    login(client, "nosy.neighbour@example.org")
    assert client.get(f"/things/{ids[0]}/edit").status_code == 404
    assert client.post(f"/bookings/{ids[1]}/confirm").status_code == 404
    assert NOTES not in client.get("/things/").data.decode()
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")
    assert NOTES in coordinator.get(f"/things/{ids[0]}/edit").data.decode()
    assert coordinator.post(f"/bookings/{ids[1]}/confirm").status_code == 303
    assert _booking(app).state == BookingState.CONFIRMED


def test_declining_a_hold_offers_the_next_thing(app, client):
    with app.app_context():
        add_union()
        first = add_volunteer("Olive Owner")
        second = add_volunteer("Pat Second")
        add_thing(owner=first, title="Nearest room", lon=0.0188)
        add_thing(owner=second, title="Other room", lon=0.03)
    token = _ask_for_a_bed(app.test_client())
    drain(app)
    held = _booking(app)
    assert held.title == "Nearest room"
    login(client, "olive.owner@example.org")
    assert client.post(f"/bookings/{held.id}/decline").status_code == 303
    assert _booking(app).title == "Other room" and _booking(app).state == BookingState.HELD
    assert token


def test_an_overlapping_need_is_told_why_the_bed_is_excluded(app):
    from aid.services import things_matching

    with app.app_context():
        add_union()
        thing = add_thing(owner=add_volunteer("Olive Owner"))
        need, slot, _ = add_need_asking(hours=4)
        things_booking.book(slot, thing.id, utcnow())
        other, other_slot, _ = add_need_asking(starts=slot.starts_at + timedelta(hours=1), hours=4)
        ranked = things_matching.rank(other_slot, other)
        assert ranked.candidates == ()
        assert [e.reason.code for e in ranked.excluded] == ["thing_booked"]
        assert dict(ranked.excluded[0].reason.args)["starts"] == slot.starts_at.isoformat()


def test_the_ask_form_refuses_a_thing_for_the_wrong_help_or_a_backward_window_and_keeps_what_was_typed(app, client):
    with app.app_context():
        add_union()
    starts = utcnow() + timedelta(hours=3)
    form = {"category": "check_in", "details": "Please check on my neighbour", "urgency": "normal", "people": "1",
            "lat": "50.874", "lon": "0.0188", "contact_phone": "07911 123456", "thing_kind": "bed_room",
            "thing_quantity": "1", "thing_from": _local(starts), "thing_until": _local(starts + timedelta(days=1))}
    wrong = client.post("/ask", data=form)
    assert wrong.status_code == 422 and "Things can be asked for with shelter" in wrong.data.decode()
    assert "Please check on my neighbour" in wrong.data.decode()
    backward = client.post("/ask", data={**form, "category": "shelter", "thing_until": _local(starts - timedelta(hours=1))})
    assert backward.status_code == 422 and "the end after the start" in backward.data.decode()
    junk = client.post("/ask", data={**form, "category": "shelter", "thing_from": "yesterday", "thing_quantity": "²"})
    assert junk.status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ThingSlot)) == 0


def test_a_late_return_turns_amber_then_red_on_the_board(app, client):
    with app.app_context():
        union = add_union()
        thing = add_thing(union=union, title="Van", kind="vehicle", auto_confirm=True)
        _need, slot, _ = add_need_asking(kind="vehicle", category="transport", hours=4)
        booking = things_booking.book(slot, thing.id, utcnow())
        things_booking.move(booking, BookingState.HANDED_OVER, utcnow())
        db.session.commit()
        ends, booking_id = booking.ends_at, booking.id
        add_coordinator(union)
    login(client, "rosa.coord@example.org")
    assert 'id="board-bookings"' in client.get("/board/").data.decode()
    on_time = client.get("/hub/bookings", headers={"HX-Request": "true"}).data.decode()
    assert f'id="booking-{booking_id}"' in on_time and "Not back yet" not in on_time
    for later, flag in ((timedelta(hours=1), "soon"), (timedelta(hours=30), "late")):
        with time_machine.travel(ends + later, tick=False):
            login(client, "rosa.coord@example.org")  # a day on, the session has ended
            html = client.get("/hub/bookings", headers={"HX-Request": "true"}).data.decode()
        assert re.search(rf'class="card booking {flag}" id="booking-{booking_id}"', html), html[:800]
        assert "Not back yet" in html
    login(client, "rosa.coord@example.org")
    assert client.post(f"/bookings/{booking_id}/returned", data={"condition_note": "fine, full tank"}).status_code == 303
    returned = _booking(app)
    assert returned.state == BookingState.RETURNED and returned.condition_note == "fine, full tank"


def test_a_region_coordinator_lends_one_unions_spare_thing_to_a_neighbours_need(app, client):
    from aid.models import Coordinator, Region
    from aid.services import accounts
    from tests.conftest import PASSWORD

    with app.app_context():
        lewes = add_union()
        ringmer = add_union("Ringmer", lat=50.893, lon=0.056, radius_km=3)
        region = Region(name="East Sussex")
        db.session.add(region)
        db.session.flush()
        lewes.region_id = ringmer.region_id = region.id
        thing = add_thing(union=ringmer, title="Hub camp bed", lat=50.893, lon=0.056)
        need, slot, _ = add_need_asking()
        assert need.union_id == lewes.id
        user = accounts.register("Reg Ion", "reg.ion@example.org", PASSWORD)
        db.session.add(Coordinator(user_id=user.id, region_id=region.id))
        db.session.commit()
        ids = slot.id, thing.id
    login(client, "reg.ion@example.org")
    hub = client.get("/hub/").data.decode()
    assert "Hub camp bed" in hub and "Lend this" in hub and "Ringmer" in hub
    assert client.post("/hub/lend", data={"slot_id": str(ids[0]), "thing_id": str(ids[1])}).status_code == 303
    lent = _booking(app)
    assert lent.thing_id == ids[1] and lent.state == BookingState.CONFIRMED  # the group's own: confirmed at once
    again = client.post("/hub/lend", data={"slot_id": str(ids[0]), "thing_id": str(ids[1])}, follow_redirects=True)
    assert "already booked" in again.data.decode()
    assert client.post("/hub/lend", data={"slot_id": "²", "thing_id": "1"}).status_code == 404


def test_the_api_and_open_data_list_things_and_bookings_as_documented_without_personal_data(app, client):
    import schemathesis

    with app.app_context():
        union = add_union()
        owner = add_volunteer("Olive Owner", union=union)
        thing = add_thing(owner=owner, lat=50.871234, lon=0.012345, place_label="9 Priory Crescent")
        add_thing(union=union, kind="food", title="Tins", sharing="consumable", count=20)
        _need, slot, _ = add_need_asking(contact_email="margaret@example.net")
        things_booking.book(slot, thing.id, utcnow())
        db.session.commit()
        add_coordinator(union)
    login(client, "rosa.coord@example.org")
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").get_json())
    for path, key, count in (("/things", "things", 2), ("/bookings", "bookings", 1)):
        response = client.get("/api/v1" + path)
        schema[path]["GET"].validate_response(response)
        body = response.get_data(as_text=True)
        assert len(response.get_json()[key]) == count
        assert not any(secret in body for secret in (NOTES, "50.871234", "Priory", "Olive", "margaret@"))
    csv = client.get("/hub/open-data-things.csv").get_data(as_text=True)
    assert csv.count("\nthing,") == 2 and csv.count("\nbooking,") == 1 and "#item+type" in csv
    assert not any(secret in csv for secret in (NOTES, "50.871234", "Priory", "Olive", "margaret@"))


def test_junk_in_the_thing_forms_is_refused_with_a_message_and_keeps_what_was_typed(app, client):
    with app.app_context():
        union = add_union()
        thing = add_thing(owner=add_volunteer("Olive Owner", union=union))
        thing_id, union_id = thing.id, union.id
    login(client, "olive.owner@example.org")
    for junk in ({"owner": "union:abc"}, {"owner": "union:99999999999"}, {"owner": f"union:{union_id}"},
                 {"count": "²"}, {"count": "0"}, {"best_before": "soon"}, {"kind": "spaceship"},
                 {"lat": "nan", "lon": "x", "place_label": ""}):
        response = _offer_bed(client, title="Camp bed 7", **junk)
        assert response.status_code in (303, 422), (junk, response.status_code)
        if response.status_code == 422:
            assert "Camp bed 7" in response.data.decode()
    with app.app_context():  # the union's choice is not this volunteer's to make: their own thing instead
        assert all(t.owner_id is not None for t in db.session.scalars(sa.select(Thing)))
    for window in ({"starts_at": "tomorrow", "ends_at": "2026-12-05T10:00"},
                   {"starts_at": "2026-12-05T12:00", "ends_at": "2026-12-05T10:00"}):
        response = client.post(f"/things/{thing_id}/windows", data=window, follow_redirects=True)
        assert response.status_code in (200, 422)
    with app.app_context():
        assert db.session.get(Thing, thing_id).windows == []
    assert client.post(f"/things/{thing_id}/windows/²/delete").status_code == 404
    assert client.post("/bookings/99999999999/confirm").status_code == 404


def test_the_owner_is_told_of_a_hold_and_an_unanswered_hold_goes_to_the_next_thing(app):
    from aid.models import OutboxMessage
    from aid.services import background

    with app.app_context():
        add_union()
        add_thing(owner=add_volunteer("Olive Owner"), title="Nearest room", lon=0.0188)
        add_thing(owner=add_volunteer("Pat Second"), title="Other room", lon=0.03)
    _ask_for_a_bed(app.test_client())
    drain(app)
    first = _booking(app)
    assert first.title == "Nearest room"
    with app.app_context():
        from aid.models import User

        olive = db.session.scalar(sa.select(User.id).where(User.email == "olive.owner@example.org"))
        told = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "thing_held")).all()
        assert [(row.user_id, row.audience) for row in told] == [(olive, "volunteer")]
    with time_machine.travel(first.held_until + timedelta(minutes=1), tick=False), app.app_context():
        background.sweep(utcnow())
        from aid import edge

        edge.commit()
    drain(app)
    with app.app_context():
        states = dict(db.session.execute(sa.select(Thing.title, Booking.state).join(Booking.thing)).all())
    assert states == {"Nearest room": BookingState.CANCELLED, "Other room": BookingState.HELD}


def test_cancelling_the_request_frees_its_thing_at_the_next_sweep(app, client):
    from aid.services import background

    with app.app_context():
        add_union()
        add_thing(union=add_union("Hall"), title="Camp bed", auto_confirm=True)
    token = _ask_for_a_bed(client)
    drain(app)
    assert _booking(app).state == BookingState.CONFIRMED
    assert client.post(f"/t/{token}/cancel").status_code == 303
    with app.app_context():
        background.sweep(utcnow())
        db.session.commit()
    assert _booking(app).state == BookingState.CANCELLED


def test_a_pools_reasons_say_how_many_are_left_in_the_readers_language(app, client):
    with app.app_context():
        add_union()
        add_thing(owner=add_volunteer("Olive Owner"), title="Camp beds", sharing="pool", count=4)
    _ask_for_a_bed(app.test_client())
    drain(app)
    login(client, "olive.owner@example.org")
    for language, words in (("en", "4 beds left"), ("es", "quedan 4 camas"), ("ar", "بقيت 4 أسرّة")):  # free when ranked
        page = client.get("/things/", headers={"Accept-Language": language}).data.decode()
        assert words in page, (language, re.findall(r'class="hint">[^<]*', page))


def test_the_boards_bookings_poll_answers_204_until_something_changes(app, client):
    with app.app_context():
        union = add_union()
        thing = add_thing(union=union, title="Van", kind="vehicle")
        _need, slot, _ = add_need_asking(kind="vehicle", category="transport", hours=4)
        booking_id = things_booking.book(slot, thing.id, utcnow()).id
        db.session.commit()
        add_coordinator(union)
    login(client, "rosa.coord@example.org")
    fragment = client.get("/hub/bookings", headers={"HX-Request": "true"}).data.decode()
    version = re.search(r'hx-get="/hub/bookings\?v=([^"]+)"', fragment).group(1)
    poll = f"/hub/bookings?v={version}"
    assert client.get(poll, headers={"HX-Request": "true"}).status_code == 204
    assert client.post(f"/bookings/{booking_id}/confirm").status_code == 303
    changed = client.get(poll, headers={"HX-Request": "true"})
    assert changed.status_code == 200 and "confirmed" in changed.data.decode()


def test_a_volunteer_who_takes_the_need_brings_their_own_van_instead_of_a_neighbours(app):
    """"A driver with a van": the hold on Olive's van ends once Tom, who lends a van, takes the person-slot."""
    from aid import edge
    from aid.models import Match, MatchState, Need, Slot
    from aid.services import background

    with app.app_context():
        add_union()
        add_thing(owner=add_volunteer("Olive Owner"), title="Olive's van", kind="vehicle", lon=0.0188)
        tom = add_volunteer("Tom Driver", lon=0.05)
        add_thing(owner=tom, title="Tom's van", kind="vehicle", lon=0.05)
        tom_id = tom.id
    _ask_for_a_bed(app.test_client(), category="transport", details="Move furniture", thing_kind="vehicle")
    drain(app)
    assert _booking(app).title == "Olive's van"
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        slot = db.session.scalar(sa.select(Slot).where(Slot.need_id == need.id))
        db.session.execute(sa.delete(Match))  # whoever the matcher offered it to, Tom took it
        slot.volunteer_id = tom_id
        db.session.add(Match(need_id=need.id, slot_id=slot.id, volunteer_id=tom_id, state=MatchState.ACCEPTED))
        db.session.commit()
        background.sweep(utcnow())
        edge.commit()
        states = dict(db.session.execute(sa.select(Thing.title, Booking.state).join(Booking.thing)).all())
        reasons = db.session.scalar(sa.select(Booking.reasons).where(Booking.state == BookingState.CONFIRMED))
    assert states == {"Olive's van": BookingState.CANCELLED, "Tom's van": BookingState.CONFIRMED}
    assert reasons[0] == {"code": "thing_helpers_own"}
