"""A requester posts without an account, follows by a private link, cancels or closes."""
import re

import sqlalchemy as sa

from aid.adapters import notify
from aid.extensions import db
from aid.models import Event, Match, MatchState, Need, NeedStatus, PendingWork
from aid.services.tokens import hash_token
from tests.factories import add_union, add_volunteer, drain, login, need_form, post_need


def test_posting_stores_the_need_with_pending_work_and_only_a_token_hash(app, client):
    with app.app_context():
        add_union()
    token = post_need(client, details="Insulin from the pharmacy")
    assert len(token) >= 43  # 256 random bits, url-safe
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.details == "Insulin from the pharmacy"
        assert need.token_hash == hash_token(token) and token not in need.token_hash
        assert need.contact_phone == "+447911123456"
        assert need.cell_lat is not None and (need.cell_lat, need.cell_lon) != (need.lat, need.lon)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingWork)) == 1


def test_matching_offers_the_need_only_to_eligible_volunteers(app, client):
    with app.app_context():
        add_union()
        near_id = add_volunteer("Near One", max_km=5).id
        add_volunteer("Off Duty", on_duty=False)
        add_volunteer("Far Away", lat=51.5, lon=-0.12, max_km=10)
        add_volunteer("Short Range", lat=50.874, lon=0.08, max_km=1)
    post_need(client)
    drain(app)
    with app.app_context():
        offered = db.session.scalars(sa.select(Match.volunteer_id).where(Match.state == MatchState.OFFERED)).all()
        assert offered == [near_id]
        need = db.session.scalar(sa.select(Need))
        assert need.status == NeedStatus.MATCHING
        assert [e.kind for e in need.events] == ["posted", "offered"]


def test_tracking_page_shows_progress_and_an_unknown_token_is_404(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Near One")
    token = post_need(client)
    drain(app)
    page = client.get(f"/t/{token}")
    assert page.status_code == 200 and b"We have asked volunteers nearby" in page.data
    assert client.get(f"/t/{token[:-1]}x").status_code == 404
    assert client.get("/t/not-a-token").status_code == 404


def test_cancel_withdraws_outstanding_offers(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Near One")
    token = post_need(client)
    drain(app)
    assert client.post(f"/t/{token}/cancel").status_code == 303
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.status == NeedStatus.CANCELLED
        assert {m.state for m in need.matches} == {MatchState.WITHDRAWN}
        assert "cancelled" in [e.kind for e in need.events]
    again = client.post(f"/t/{token}/cancel", follow_redirects=True)
    assert b"already closed" in again.data


def test_typed_address_is_geocoded_by_the_job(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Near One", max_km=10)
    post_need(client, lat=None, lon=None, address="12 High Street, Lewes")
    drain(app)
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert abs(need.lat - 50.874) < 0.01 and need.union_id is not None
        assert need.status == NeedStatus.MATCHING


def test_an_address_that_cannot_be_found_is_kept_and_flagged(app, client):
    with app.app_context():
        add_union()
    token = post_need(client, lat=None, lon=None, address="Nowhere-in-particular-xyz")
    drain(app)
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.status == NeedStatus.OPEN and str(need.location_status) == "not_found"
        assert db.session.scalar(sa.select(Event.kind).where(Event.kind == "location_not_found"))
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert f"/t/{token}/edit#where" in page  # a link to correct it, beside the place as typed
    assert "could not find “Nowhere-in-particular-xyz” on the map" in re.sub(r"<[^>]+>", "", page)


EDIT = {"details": "Groceries for two days", "summary": "", "urgency": "normal", "contact_name": "Mrs Hill",
        "contact_phone": "07911 123456", "contact_email": "", "on_site_name": ""}


def test_a_requester_fixes_a_place_that_was_not_found_and_the_need_is_located_and_offered(app, client):
    with app.app_context():
        add_union()
        ann_id = add_volunteer("Ann Able", max_km=10).id
    token = post_need(client, lat=None, lon=None, address="Qwertyplace nowhere")
    drain(app)
    form = client.get(f"/t/{token}/edit").get_data(as_text=True)
    assert 'name="address"' in form and "data-locate" in form and 'value="Qwertyplace nowhere"' in form
    assert client.post(f"/t/{token}/edit", data={**EDIT, "address": "12 High Street, Lewes"}).status_code == 303
    with app.app_context():  # a pending-work row committed with the edit, as a new need's is (the worker may have done it)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingWork)) == 2
    drain(app)
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert str(need.location_status) == "found" and abs(need.lat - 50.874) < 0.01
        assert need.address == "12 High Street, Lewes" and need.status == NeedStatus.MATCHING
        assert [m.volunteer_id for m in need.matches if m.state == MatchState.OFFERED] == [ann_id]
        assert "Changed: place" in [e.detail for e in need.events]
    assert "could not find" not in client.get(f"/t/{token}").get_data(as_text=True)


def test_a_new_point_moves_the_need_and_withdraws_offers_it_is_now_beyond(app, client):
    with app.app_context():
        add_union()
        near_id = add_volunteer("Near One", max_km=3).id
        east_id = add_volunteer("East One", lon=0.07, max_km=3).id  # about 4 km east of Near One
    token = post_need(client)
    drain(app)
    assert client.post(f"/t/{token}/edit", data={**EDIT, "lat": "50.8740", "lon": "0.0700"}).status_code == 303
    drain(app)
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert (need.lat, need.lon) == (50.874, 0.07)
        states = {m.volunteer_id: (m.state, m.note) for m in need.matches}
        assert states == {near_id: (MatchState.WITHDRAWN, "no_longer_fits"), east_id: (MatchState.OFFERED, "")}


def accepted_by_ann(app, client, **need):
    """Post a need (with these fields) that Ann Able, the only volunteer, accepts; (token, match id, Ann's client)."""
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    token = post_need(client, **need)
    drain(app)
    with app.app_context():
        match_id = db.session.scalar(sa.select(Match.id))
    ann = app.test_client()
    login(ann, "ann.able@example.org")
    assert ann.post(f"/me/offers/{match_id}/accept").status_code == 303
    return token, match_id, ann


def test_once_someone_has_accepted_the_place_is_no_longer_offered_for_change(app, client):
    token = accepted_by_ann(app, client)[0]
    assert 'name="address"' not in client.get(f"/t/{token}/edit").get_data(as_text=True)
    client.post(f"/t/{token}/edit", data={**EDIT, "address": "Brighton", "lat": "50.82", "lon": "-0.14"})
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert (need.address, need.lat) != ("Brighton", 50.82)  # the helper's address stays as they accepted it


def test_invalid_input_re_renders_the_form_with_messages_and_keeps_what_was_typed(client):
    response = client.post("/ask", data=need_form(category="", contact_phone="", lat=None, lon=None,
                                                  details="My words stay here", people="0"))
    assert response.status_code == 422
    page = response.data.decode()
    for message in ("Choose what kind of help", "Give a phone number or an email", "Tell us where",
                    "Say how many helpers"):
        assert message in page
    assert "My words stay here" in page


def test_nothing_a_person_can_type_produces_a_server_error(client):
    nasty = ["", " ", "x" * 5000, "'; DROP TABLE needs; --", "<script>alert(1)</script>", "\u202e\u0000",
             "NaN", "1e309", "-91", "٣", "😀" * 300]
    for value in nasty:
        for name in ("category", "details", "urgency", "people", "lat", "lon", "address", "contact_phone",
                     "contact_email", "language", "client_id"):
            response = client.post("/ask", data=need_form(**{name: value}))
            assert response.status_code in (200, 303, 422), (name, value, response.status_code)  # 200: duplicate hint
    assert b"<script>alert(1)</script>" not in client.post("/ask", data=need_form(details="<script>alert(1)</script>", category="")).data


def test_a_replayed_need_with_the_same_client_id_is_stored_once_with_the_same_link(app, client):
    with app.app_context():
        add_union()
    first = post_need(client, client_id="offline-3f9a1c2b7d5e4f60")
    second = post_need(client, client_id="offline-3f9a1c2b7d5e4f60")
    assert first == second
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingWork)) == 1


def test_the_same_request_again_within_the_hour_gets_a_hint_and_can_still_be_sent(app, client):
    with app.app_context():
        add_union()
    post_need(client)
    hinted = client.post("/ask", data=need_form())
    assert hinted.status_code == 200 and b"Is this the same as your earlier request?" in hinted.data
    assert b'name="same_anyway" type="hidden" value="yes"' in hinted.data
    post_need(client, same_anyway="yes")
    post_need(client, category="medicine")  # another kind of help is not a duplicate
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 3


def test_a_need_nobody_took_asks_the_requester_if_still_needed_and_one_tap_re_asks(app, client):
    from datetime import timedelta

    import time_machine

    from aid.jobs.tasks import sweep
    from aid.models import utcnow

    with app.app_context():
        add_union()
    token = post_need(client)
    drain(app)
    with time_machine.travel(utcnow() + timedelta(hours=13), tick=False), app.app_context():
        sweep()
    page = client.get(f"/t/{token}").data
    assert b"Do you still need help with this?" in page
    client.post(f"/t/{token}/still-needed")
    drain(app)
    assert b"Do you still need help with this?" not in client.get(f"/t/{token}").data
    with app.app_context():
        kinds = [e.kind for e in db.session.scalar(sa.select(Need)).events]
        assert "checkin_asked" in kinds and "still_needed" in kinds


def test_phone_numbers_with_letters_or_the_wrong_length_are_refused_with_advice(client):
    for typed, advice in (("07911 l23456", "Use only digits, spaces and a + at the start"),
                          ("0791112345", "0791112345\u2069 looks like a phone number, but no phone uses it"),
                          ("01273 471600 ask for Kate", "Use only digits"), ("999", "That number is too short")):
        response = client.post("/ask", data=need_form(contact_phone=typed))
        assert response.status_code == 422 and advice in response.get_data(as_text=True), typed
    assert client.post("/ask", data=need_form(contact_phone="(01273) 471-600")).status_code == 303


def test_typed_places_prefer_this_country_and_say_when_only_the_town_is_known(app, client):
    with app.app_context():
        add_union()
    post_need(client, lat=None, lon=None, address="12 Fort Road, Newhaven", details="A")
    post_need(client, lat=None, lon=None, address="3 Station Street Lewes BN7 2DA", details="B", same_anyway="yes")
    post_need(client, lat=None, lon=None, address="New Haven", details="C", same_anyway="yes")
    post_need(client, lat=None, lon=None, address="50.8801, 0.0123", details="D", same_anyway="yes")
    post_need(client, lat=None, lon=None, address="Springfield", details="E", same_anyway="yes")
    drain(app)
    with app.app_context():
        found = {n.details: (n.place_label, n.location_exact, str(n.location_status))
                 for n in db.session.scalars(sa.select(Need))}
    assert found["A"] == ("Newhaven", False, "found")  # East Sussex, not Connecticut
    assert found["B"] == ("Lewes", False, "found")
    assert found["C"] == ("Newhaven", False, "found")  # the local spelling, not New Haven, Connecticut
    assert found["E"][2] == "not_found"  # matched only towns far from every union
    assert found["D"] == ("50.88010, 0.01230", True, "found")


def test_a_poll_with_the_current_version_gets_204_and_a_change_gets_the_new_fragment(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    token = post_need(client, urgency="critical")
    drain(app)
    page = client.get(f"/t/{token}").get_data(as_text=True)
    assert "call 112" in page  # the most urgent requests show the emergency number
    version = re.search(r'hx-get="/t/[^"?]+\?v=([^"]+)"', page).group(1)
    poll = {"HX-Request": "true"}
    assert client.get(f"/t/{token}?v={version}", headers=poll).status_code == 204
    client.post(f"/t/{token}/messages", data={"body": "Door code 1234"})
    changed = client.get(f"/t/{token}?v={version}", headers=poll)
    assert changed.status_code == 200 and "Door code 1234" in changed.get_data(as_text=True)
    assert "<html" not in changed.get_data(as_text=True)


def test_the_requester_can_change_their_request_and_the_change_is_checked_and_recorded(app, client):
    with app.app_context():
        add_union()
    token = post_need(client, details="Bread")
    form = {"details": "Bread and milk", "summary": "Groceries", "urgency": "high", "contact_name": "Mrs Hill",
            "contact_phone": "01273 471600", "contact_email": "", "on_site_name": "Mr Hill"}
    assert client.get(f"/t/{token}/edit").status_code == 200
    bad = client.post(f"/t/{token}/edit", data={**form, "contact_phone": "12"})
    assert bad.status_code == 422 and b"That number is too short" in bad.data
    assert client.post(f"/t/{token}/edit", data=form).status_code == 303
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert (need.details, need.urgency, need.contact_phone, need.on_site_name) == (
            "Bread and milk", "high", "+441273471600", "Mr Hill")
        edited = [e for e in need.events if e.kind == "edited"]  # a new urgency also matches again
        assert len(edited) == 1 and "details" in edited[0].detail and "urgency" in edited[0].detail
    client.post(f"/t/{token}/cancel")
    closed = client.post(f"/t/{token}/edit", data=form, follow_redirects=True)
    assert b"already closed" in closed.data


class Recorder:
    """A notifier that keeps what it was asked to send."""

    sent = []

    def send(self, notice):
        self.sent.append(notice)


def test_the_requester_deletes_their_request_after_confirming_and_the_link_then_says_deleted(make, monkeypatch):
    monkeypatch.setitem(notify.NOTIFIERS, "record", Recorder)
    monkeypatch.setattr(Recorder, "sent", [])
    app = make(NOTIFIER="record")
    client = app.test_client()
    token, match_id, ann = accepted_by_ann(app, client, details="Key under the blue flowerpot", address="7 Cliffe High Street",
                                           contact_email="margaret@example.net", summary="Shopping, 10 min walk")
    client.post(f"/t/{token}/messages", data={"body": "The gate code is 4821"})
    assert f"/t/{token}/delete" in client.get(f"/t/{token}").get_data(as_text=True)
    confirm = client.get(f"/t/{token}/delete")
    assert confirm.status_code == 200 and b"Yes, delete my request" in confirm.data
    deleted = client.post(f"/t/{token}/delete")
    assert deleted.status_code == 303 and deleted.headers["Location"] == f"/t/{token}"
    page = client.get(f"/t/{token}")
    assert page.status_code == 410 and b"This request was deleted" in page.data
    assert client.post(f"/t/{token}/cancel").status_code == 410 and client.get(f"/t/{token}/edit").status_code == 410
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.status == NeedStatus.CANCELLED and need.purged_at is not None
        assert (need.details, need.address, need.contact_phone, need.contact_email, need.summary, need.lat) == \
            ("", "", "", "", "", None)
        assert need.messages == [] and db.session.get(Match, match_id).state == MatchState.WITHDRAWN
        assert need.cell_lat is not None and str(need.category) == "food"  # still counted, coarsely
    told = [(n.kind, n.match_id) for n in Recorder.sent if n.kind != "offer"]
    assert told == [("need_deleted", match_id)]  # the volunteer who had accepted is told
    task = ann.get(f"/me/tasks/{match_id}").get_data(as_text=True)
    assert "cancelled this request" in task and "flowerpot" not in task and "4821" not in task


def test_deleting_a_request_needs_the_csrf_token_and_answers_htmx_with_a_redirect(make):
    app = make(WTF_CSRF_ENABLED=True)
    with app.app_context():
        add_union()
    client = app.test_client()
    form = client.get("/ask").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    token = post_need(client, csrf_token=csrf)
    assert client.post(f"/t/{token}/delete").status_code == 400  # no CSRF token: refused, nothing erased
    with app.app_context():
        assert db.session.scalar(sa.select(Need.purged_at)) is None
    deleted = client.post(f"/t/{token}/delete", data={"csrf_token": csrf}, headers={"HX-Request": "true"})
    assert deleted.status_code == 200 and deleted.headers["HX-Redirect"] == f"/t/{token}"
    assert client.get(f"/t/{token}").status_code == 410
