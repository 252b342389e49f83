"""A volunteer sees offers with reasons, accepts, and only then sees the exact place and contact."""
import re
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Match, MatchState, Need, NeedStatus, Slot, utcnow
from tests.conftest import PASSWORD
from tests.factories import add_skills, add_union, add_volunteer, drain, login, post_need

PHONE = b"+447911123456"


def _offered(app):
    with app.app_context():
        return {m.volunteer.user.email: m.id for m in db.session.scalars(
            sa.select(Match).where(Match.state == MatchState.OFFERED))}


def _setup(app, client, names=("Ann Able", "Bob Baker"), **need):
    with app.app_context():
        add_union()
        for name in names:
            add_volunteer(name)
    token = post_need(client, **need)
    drain(app)
    return token


def test_offer_shows_reasons_but_no_contact_until_accepted(app, client):
    _setup(app, client, details="Needs insulin, flat 3 above the bakery")
    offers = _offered(app)
    assert set(offers) == {"ann.able@example.org", "bob.baker@example.org"}
    login(client, "ann.able@example.org")
    page = client.get("/me/").data
    assert b"Why you:" in page and b" km" in page
    assert PHONE not in page and b"flat 3" not in page and b"Mrs Hill" not in page
    task = client.get(f"/me/tasks/{offers['ann.able@example.org']}").data
    assert PHONE not in task and b"flat 3" not in task


def test_accepting_reveals_the_contact_to_the_winner_only(app):
    _setup(app, app.test_client())
    offers = _offered(app)
    ann, bob = app.test_client(), app.test_client()
    login(ann, "ann.able@example.org")
    login(bob, "bob.baker@example.org")
    accepted = ann.post(f"/me/offers/{offers['ann.able@example.org']}/accept")
    assert accepted.headers["Location"] == f"/me/tasks/{offers['ann.able@example.org']}"
    assert PHONE in ann.get(accepted.headers["Location"]).data
    late = bob.post(f"/me/offers/{offers['bob.baker@example.org']}/accept", follow_redirects=True)
    assert b"Someone else took the last place a moment before you" in late.data
    assert PHONE not in bob.get(f"/me/tasks/{offers['bob.baker@example.org']}").data
    assert bob.get(f"/me/tasks/{offers['ann.able@example.org']}").status_code == 404


def test_on_my_way_and_done_show_on_the_tracking_page_and_fulfil_the_need(app, client):
    token = _setup(app, client, names=("Ann Able",))
    match_id = _offered(app)["ann.able@example.org"]
    volunteer = app.test_client()
    login(volunteer, "ann.able@example.org")
    volunteer.post(f"/me/offers/{match_id}/accept")
    assert b'<span dir="auto">Ann</span> will help you' in client.get(f"/t/{token}").data
    volunteer.post(f"/me/tasks/{match_id}/on-my-way", data={"eta": "15 minutes"})
    tracking = client.get(f"/t/{token}").data
    assert b'<span dir="auto">Ann</span> is on the way (<span dir="auto">15 minutes</span>)' in tracking
    volunteer.post(f"/me/tasks/{match_id}/done")
    with app.app_context():
        need = db.session.scalar(sa.select(Need))
        assert need.status == NeedStatus.FULFILLED
        assert [e.kind for e in need.events] == ["posted", "offered", "accepted", "en_route", "done"]


def test_declining_offers_the_need_to_the_next_volunteer_at_once(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", lat=50.8741)  # closest: offered first
        for i in range(4):
            add_volunteer(f"Next {i}", lat=50.874 + 0.01 * (i + 1), max_km=10)
    post_need(client, urgency="low")  # a low-urgency wave asks fewer people at once
    drain(app)
    first = _offered(app)
    assert "ann.able@example.org" in first
    login(client, "ann.able@example.org")
    client.post(f"/me/offers/{first['ann.able@example.org']}/decline", data={"reason": "At work"})
    drain(app)
    after = _offered(app)
    assert "ann.able@example.org" not in after
    assert len(after) == len(first)  # the wave was topped up with someone new
    assert set(after) - set(first)


def test_giving_a_task_back_reopens_the_slot_and_asks_someone_else(app, client):
    _setup(app, client, names=("Ann Able",))
    match_id = _offered(app)["ann.able@example.org"]
    with app.app_context():
        add_volunteer("Cal Late")
    login(client, "ann.able@example.org")
    client.post(f"/me/offers/{match_id}/accept")
    client.post(f"/me/tasks/{match_id}/release", data={"reason": "Car broke down"})
    drain(app)
    with app.app_context():
        assert db.session.scalar(sa.select(Slot.volunteer_id)) is None
        assert db.session.get(Match, match_id).state == MatchState.RELEASED
    assert set(_offered(app)) == {"cal.late@example.org"}
    assert PHONE not in client.get(f"/me/tasks/{match_id}").data


def test_profile_save_sets_the_travel_box_used_by_matching(app, client):
    with app.app_context():
        add_union()
    client.post("/signup", data={"name": "New Person", "email": "new@example.org", "password": "long enough pw"})
    response = client.post("/me/profile", data={"base_label": "50.874, 0.0088", "max_km": "4", "capacity": "2",
                                                "week_cap": "5", "languages": ["en"], "on_duty": "y"})
    assert response.status_code == 303, response.data[:500]
    post_need(app.test_client())
    drain(app)
    assert "new@example.org" in _offered(app)


def test_profile_with_an_unknown_place_explains_and_keeps_the_form(app, client):
    client.post("/signup", data={"name": "New Person", "email": "new@example.org", "password": "long enough pw"})
    response = client.post("/me/profile", data={"base_label": "Zzyzx-nowhere", "max_km": "4", "capacity": "2",
                                                "week_cap": "5"})
    assert response.status_code == 422 and b"could not find that place" in response.data


def test_going_on_duty_offers_the_open_needs_nearby_at_once(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", on_duty=False)
    post_need(client)
    drain(app)
    assert _offered(app) == {}
    login(client, "ann.able@example.org")
    client.post("/me/profile", data={"base_label": "Lewes", "max_km": "5", "capacity": "2", "week_cap": "5",
                                     "languages": ["en"], "on_duty": "y"})
    drain(app)
    assert set(_offered(app)) == {"ann.able@example.org"}


def test_requester_and_volunteer_write_to_each_other_without_sharing_numbers(app, client):
    token = _setup(app, client, names=("Ann Able",))
    match_id = _offered(app)["ann.able@example.org"]
    volunteer = app.test_client()
    login(volunteer, "ann.able@example.org")
    assert volunteer.post(f"/me/tasks/{match_id}/messages", data={"body": "Hi"}).status_code == 403  # not yet accepted
    volunteer.post(f"/me/offers/{match_id}/accept")
    volunteer.post(f"/me/tasks/{match_id}/messages", data={"body": "I'll ring the bell twice"})
    client.post(f"/t/{token}/messages", data={"body": "Thank you, the gate is open"})
    tracking = client.get(f"/t/{token}").data.decode()
    assert """<span dir="auto">Ann</span>:</strong> <span dir="auto">I'll ring the bell twice""" in tracking.replace("&#39;", "'")
    task = volunteer.get(f"/me/tasks/{match_id}").data.decode()
    assert "Thank you, the gate is open" in task
    empty = client.post(f"/t/{token}/messages", data={"body": "  "}, follow_redirects=True)
    assert b"Write a message first" in empty.data


def test_the_offer_badge_counts_waiting_offers_and_is_cheap_to_poll(app, client):
    _setup(app, client, names=("Ann Able",))
    login(client, "ann.able@example.org")
    first = client.get("/me/badge", headers={"HX-Request": "true"})
    assert b'id="offer-badge"' in first.data and b">1<" in first.data
    again = client.get("/me/badge", headers={"HX-Request": "true", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_marking_done_can_carry_a_thank_you_the_volunteer_reads(app, client):
    token = _setup(app, client, names=("Ann Able",))
    match_id = _offered(app)["ann.able@example.org"]
    volunteer = app.test_client()
    login(volunteer, "ann.able@example.org")
    volunteer.post(f"/me/offers/{match_id}/accept")
    client.post(f"/t/{token}/done", data={"thanks": "Thank you, Ann!\x00"})
    assert b"Thank you, Ann!" in volunteer.get(f"/me/tasks/{match_id}").data
    with app.app_context():
        assert db.session.scalar(sa.select(Need.status)) == NeedStatus.FULFILLED


def test_why_you_reads_in_the_volunteers_language(app, client):
    with app.app_context():
        add_union()
        skills = add_skills()
        skills["van"].name, skills["driving"].name = "Van driving", "Driving"  # as the demo names them
        db.session.commit()
        add_volunteer("Ann Able", skills=["van"], has_vehicle=True)
    post_need(client, category="transport")
    drain(app)
    login(client, "ann.able@example.org")
    english = client.get("/me/").get_data(as_text=True)
    assert "Van driving covers Driving" in english and "has a vehicle" in english
    client.post("/language", data={"lang": "es"})
    spanish = client.get("/me/").get_data(as_text=True)
    assert "tiene un vehículo" in spanish and "has a vehicle" not in spanish
    assert "Conducir furgoneta" in spanish  # the skill, by its translated name


def test_offers_round_the_distance_to_the_public_cell_and_the_profile_shows_the_skill_tree(app, client):
    with app.app_context():
        add_union()
        add_skills()
        add_volunteer("Ann Able", lat=50.8741)
    post_need(client, lat="50.8802", lon="0.0140")
    drain(app)
    login(client, "ann.able@example.org")
    page = client.get("/me/").get_data(as_text=True)
    why = re.search(r'<p class="why">(.*?)</p>', page, re.S).group(1)
    assert "about 2 km" in why and "0.8 km" not in page  # one volunteer around: a 2 km cell; exactly 0.8 km
    profile = client.get("/me/profile").get_data(as_text=True)
    assert profile.index("first aid") < profile.index("↳ nurse")  # nurse sits under first aid


def test_a_volunteer_downloads_their_own_profile_skills_availability_tasks_and_messages(app, client):
    with app.app_context():
        add_skills()
        add_union()
        add_volunteer("Ann Able", skills=["nurse"], schedule_days="0,2", schedule_from=540, schedule_to=720)
        add_volunteer("Bob Baker")
    post_need(client, summary="Shopping, 10 min walk")
    drain(app)
    match_id = _offered(app)["ann.able@example.org"]
    ann = app.test_client()
    login(ann, "ann.able@example.org")
    ann.post(f"/me/offers/{match_id}/accept")
    ann.post(f"/me/tasks/{match_id}/messages", data={"body": "I'll ring the bell twice"})
    assert b"/me/data.json" in ann.get("/me/data").data
    response = ann.get("/me/data.json")
    assert response.status_code == 200 and response.content_type == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert response.headers["Cache-Control"] == "private, no-store"
    mine = response.get_json()
    assert mine["account"] == {"name": "Ann Able", "email": "ann.able@example.org", "created_at": mine["account"]["created_at"]}
    assert mine["profile"]["base"] == "Lewes" and mine["profile"]["lat"] == 50.874 and mine["skills"] == ["nurse"]
    assert mine["availability"]["weekly_days"] == [0, 2] and mine["availability"]["weekly_from_minute"] == 540
    assert [(t["state"], t["summary"]) for t in mine["tasks"]] == [("accepted", "Shopping, 10 min walk")]
    assert [m["body"] for m in mine["messages"]] == ["I'll ring the bell twice"]
    assert "Bob" not in response.get_data(as_text=True) and "Mrs Hill" not in response.get_data(as_text=True)


def test_deleting_an_account_asks_the_password_logs_out_offers_the_task_again_and_keeps_anonymous_rows(app, client):
    token = _setup(app, client, names=("Ann Able",))
    match_id = _offered(app)["ann.able@example.org"]
    with app.app_context():
        add_volunteer("Cal Late")
    ann = app.test_client()
    login(ann, "ann.able@example.org")
    ann.post(f"/me/offers/{match_id}/accept")
    ann.post(f"/me/tasks/{match_id}/messages", data={"body": "Ann here, 07700 900123"})
    confirm = ann.get("/me/delete")
    assert confirm.status_code == 200 and b'name="password"' in confirm.data
    assert ann.post("/me/delete", data={"password": "not my password"}).status_code == 422
    with app.app_context():
        assert db.session.get(Match, match_id).state == MatchState.ACCEPTED  # nothing happened yet
    deleted = ann.post("/me/delete", data={"password": PASSWORD}, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert deleted.status_code == 200 and deleted.headers["HX-Redirect"] == "/"
    drain(app)
    assert ann.get("/me/").status_code == 302  # logged out
    assert client.post("/login", data={"email": "ann.able@example.org", "password": PASSWORD}).status_code == 422
    assert set(_offered(app)) == {"cal.late@example.org"}  # the task is offered again
    with app.app_context():
        match = db.session.get(Match, match_id)
        assert match.state == MatchState.RELEASED and db.session.scalar(sa.select(Slot.volunteer_id)) is None
        gone = match.volunteer
        assert (gone.lat, gone.base_label, gone.on_duty, gone.skills, gone.union_id) == (None, "", False, [], match.need.union_id)
        assert gone.user.name == "deleted account" and gone.user.email.endswith("@invalid")
        assert match.need.first_accepted_at is not None  # the numbers still count the accept
        stored = " ".join(str(row) for table in ("users", "volunteers", "events", "messages", "matches")
                          for row in db.session.execute(sa.text(f"SELECT * FROM {table}")))
    assert not any(word in stored for word in ("Ann", "ann.able", "07700 900123"))
    assert "(message deleted)" in client.get(f"/t/{token}").get_data(as_text=True)


def test_an_offer_counts_hours_past_ninety_minutes_and_spanish_distances_use_a_decimal_comma(app, client):
    _setup(app, client, names=("Ann Able",))
    match_id = _offered(app)["ann.able@example.org"]
    login(client, "ann.able@example.org")

    def offers_page(minutes_left, lang="en"):
        with app.app_context():
            db.session.get(Match, match_id).expires_at = utcnow() + timedelta(minutes=minutes_left, seconds=30)
            db.session.commit()
        client.post("/language", data={"lang": lang})
        return client.get("/me/").get_data(as_text=True)

    assert "Please answer within 40 min," in offers_page(40)
    assert "Please answer within about 4 hours," in offers_page(238) and "238 min" not in offers_page(238)
    spanish = offers_page(238, "es")
    assert "Responda en unas 4 horas;" in spanish
    assert "a unos 2 km)" in spanish and "2.0 km" not in spanish  # the public cell, in whole km
    client.post(f"/me/offers/{match_id}/accept")
    assert "a 0,7 km" in client.get(f"/me/tasks/{match_id}").get_data(as_text=True)
