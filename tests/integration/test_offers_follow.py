"""Offers follow every change: vetting, a profile edit, a need edit and a filled place each re-run
matching (after the commit, through the real rq worker), and volunteers hear kindly what happened."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from redis import Redis

from aid import edge
from aid.extensions import db
from aid.models import Match, MatchState, OutboxMessage, PendingWork, Volunteer, utcnow
from aid.services import coordination
from tests.conftest import PASSWORD, run_worker
from tests.factories import add_coordinator, add_skills, add_union, add_volunteer, drain, login, post_need

PROFILE = {"base_label": "Lewes", "max_km": "5", "capacity": "2", "week_cap": "5", "languages": ["en"], "on_duty": "y"}


def _offers():
    """{volunteer email: (match id, slot position)} of the open offers."""
    rows = db.session.scalars(sa.select(Match).where(Match.state == MatchState.OFFERED)).all()
    return {m.volunteer.user.email: (m.id, m.slot.position) for m in rows}


def _queued(redis_url, queue):
    return Redis.from_url(redis_url).llen(f"rq:queue:{queue}")


def test_checking_an_id_offers_the_waiting_medicine_need_without_pressing_offer(make, database, redis_server):
    app = make(REDIS_URL=redis_server.url, RQ_QUEUE="test-vet")
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        union_id, ann_id = union.id, add_volunteer("Ann Able").id  # ID not checked yet: medicine needs it
    post_need(app.test_client(), category="medicine", details="Collect a prescription")
    run_worker(database.url, redis_server.url, queue="test-vet")
    with app.app_context():
        assert _offers() == {}
        coordination.vet(ann_id, [union_id], utcnow())
        edge.rollback()  # nothing is queued for a change that did not happen
        assert _queued(redis_server.url, "test-vet") == 0
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")
    assert coordinator.post(f"/board/volunteers/{ann_id}/vet").status_code == 303
    assert _queued(redis_server.url, "test-vet") == 1  # enqueued once the vetting was committed
    run_worker(database.url, redis_server.url, queue="test-vet")
    with app.app_context():
        assert set(_offers()) == {"ann.able@example.org"}


def test_adding_a_skill_offers_the_need_that_asks_for_it(make, database, redis_server):
    app = make(REDIS_URL=redis_server.url, RQ_QUEUE="test-skill")
    with app.app_context():
        add_skills()
        add_union()
        add_volunteer("Ann Able")
    post_need(app.test_client(), category="transport", details="A lift to the clinic")  # asks for a driver
    run_worker(database.url, redis_server.url, queue="test-skill")
    with app.app_context():
        assert _offers() == {}
    ann = app.test_client()
    login(ann, "ann.able@example.org")
    assert ann.post("/me/profile", data={**PROFILE, "skills": ["driving"]}).status_code == 303
    run_worker(database.url, redis_server.url, queue="test-skill")
    with app.app_context():
        assert set(_offers()) == {"ann.able@example.org"}


def test_dropping_a_skill_or_range_withdraws_the_offer_and_asks_someone_else(make, database, redis_server):
    app = make(REDIS_URL=redis_server.url, RQ_QUEUE="test-drop")
    with app.app_context():
        add_skills()
        add_union()
        for i, name in enumerate(["Ann Able", "Bob Baker", "Cat Cole", "Dan Dale"]):
            add_volunteer(name, skills=["driving"], lat=50.874 + i * 0.004)  # Dan is furthest: not in the first wave
    post_need(app.test_client(), category="transport", details="A lift to the clinic")
    run_worker(database.url, redis_server.url, queue="test-drop")
    with app.app_context():
        assert set(_offers()) == {"ann.able@example.org", "bob.baker@example.org", "cat.cole@example.org"}
    ann = login_as(app, "ann.able@example.org")
    assert ann.post("/me/profile", data={**PROFILE, "skills": []}).status_code == 303
    with app.app_context():  # withdrawn in the request itself; the replacement waits for the worker
        assert set(_offers()) == {"bob.baker@example.org", "cat.cole@example.org"}
        ann = db.session.scalar(sa.select(Match).where(Match.volunteer.has(Volunteer.user.has(email="ann.able@example.org"))))
        assert (ann.state, ann.note) == (MatchState.WITHDRAWN, "no_longer_fits")
    run_worker(database.url, redis_server.url, queue="test-drop")
    with app.app_context():
        assert set(_offers()) == {"bob.baker@example.org", "cat.cole@example.org", "dan.dale@example.org"}
    bob = login_as(app, "bob.baker@example.org")
    bob.post("/me/profile", data={**PROFILE, "skills": ["driving"], "max_km": "0.5"})  # too far now
    run_worker(database.url, redis_server.url, queue="test-drop")
    with app.app_context():
        assert set(_offers()) == {"cat.cole@example.org", "dan.dale@example.org"}  # nobody else is left to ask


def test_those_withdrawn_when_the_place_filled_are_asked_again_when_it_is_given_back(app, client):
    with app.app_context():
        add_union()
        for i, name in enumerate(["Ann Able", "Bob Baker", "Cat Cole"]):
            add_volunteer(name, lat=50.874 + i * 0.004)
    post_need(client, details="Bread")
    drain(app)
    with app.app_context():
        first = _offers()
    ann = login_as(app, "ann.able@example.org")
    assert ann.post(f"/me/offers/{first['ann.able@example.org'][0]}/accept").status_code == 303
    drain(app)
    with app.app_context():
        assert _offers() == {}  # Bob and Cat: "went to someone else"
    assert ann.post(f"/me/tasks/{first['ann.able@example.org'][0]}/release", data={"reason": "Car broke"}).status_code == 303
    drain(app)
    with app.app_context():
        assert _offers() == {e: first[e] for e in ("bob.baker@example.org", "cat.cole@example.org")}  # Ann gave it back
        told = db.session.scalars(sa.select(OutboxMessage.kind).where(
            OutboxMessage.match_id == first["bob.baker@example.org"][0]).order_by(OutboxMessage.id)).all()
        assert told == ["offer", "taken", "offer"]  # and told so again


def _untick_available(app):
    form = {k: v for k, v in PROFILE.items() if k != "on_duty"}
    assert login_as(app, "ann.able@example.org").post("/me/profile", data=form).status_code == 303


def _snooze(app):
    assert login_as(app, "ann.able@example.org").post("/me/snooze", data={"hours": "4"}).status_code == 303


def _hours_end(app):
    with app.app_context():
        ann = db.session.scalar(sa.select(Volunteer).where(Volunteer.user.has(email="ann.able@example.org")))
        ann.on_duty_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
        from aid.jobs.tasks import sweep

        sweep()


@pytest.mark.parametrize("go_off_duty", [_untick_available, _snooze, _hours_end])
def test_going_off_duty_withdraws_open_offers_asks_someone_else_and_keeps_accepted_tasks(app, client, go_off_duty):
    with app.app_context():
        add_coordinator(add_union())
        for i, name in enumerate(["Ann Able", "Bob Baker", "Cat Cole", "Dan Dale", "Eve East"]):
            add_volunteer(name, lat=50.874 + i * 0.004)  # Dan and Eve are furthest: not in a first wave
    post_need(client, details="Bread")
    drain(app)
    with app.app_context():
        task = _offers()["ann.able@example.org"][0]
    assert login_as(app, "ann.able@example.org").post(f"/me/offers/{task}/accept").status_code == 303
    post_need(client, details="A lift to the shop", contact_phone="01273 471600")
    drain(app)
    with app.app_context():
        asked = _offers()
        assert set(asked) == {"ann.able@example.org", "bob.baker@example.org", "cat.cole@example.org"}
    go_off_duty(app)
    with app.app_context():  # withdrawn in the same transaction; the replacement waits for the job
        offer = db.session.get(Match, asked["ann.able@example.org"][0])
        assert (offer.state, offer.note) == (MatchState.WITHDRAWN, "off_duty")
        assert db.session.get(Match, task).state == MatchState.ACCEPTED  # her task stays hers
    drain(app)
    with app.app_context():
        assert set(_offers()) == {"bob.baker@example.org", "cat.cole@example.org", "dan.dale@example.org"}
    page = login_as(app, "rosa.coord@example.org").get(f"/board/needs/{offer.need_id}").get_data(as_text=True)
    assert "<strong>offer withdrawn</strong>" in page and "they went off duty" in page and "off_duty" not in page  # why, in words


def login_as(app, email):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def test_raising_the_urgency_sends_a_bigger_wave_and_other_edits_do_not_rematch(make, database, redis_server):
    app = make(REDIS_URL=redis_server.url, RQ_QUEUE="test-edit")
    with app.app_context():
        add_union()
        for i in range(5):
            add_volunteer(f"Helper {i}", lat=50.874 + i * 0.002)
    client = app.test_client()
    token = post_need(client, details="Bread")
    run_worker(database.url, redis_server.url, queue="test-edit")
    with app.app_context():
        assert len(_offers()) == 3  # a normal need: three offers per place
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(PendingWork))
    form = {"details": "Bread and milk", "summary": "Groceries", "urgency": "normal", "contact_name": "Mrs Hill",
            "contact_phone": "01273 471600", "contact_email": "", "on_site_name": ""}
    assert client.post(f"/t/{token}/edit", data=form).status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingWork)) == rows  # details only
    assert client.post(f"/t/{token}/edit", data={**form, "urgency": "critical"}).status_code == 303
    assert _queued(redis_server.url, "test-edit") == 1
    run_worker(database.url, redis_server.url, queue="test-edit")
    with app.app_context():
        assert len(_offers()) == 5  # critical: up to six at once


def _repairs_for_three(app, client):
    """A repairs need for three (the first place asks for repairs), a fixer and six without the skill."""
    with app.app_context():
        add_skills()
        add_union()
        add_volunteer("Fixer Finn", skills=["repairs"], lat=50.880)
        for i in range(6):
            add_volunteer(f"Plain {i}", lat=50.874 + i * 0.001)
    post_need(client, category="repairs", people="3", details="Tarp over a roof")
    drain(app)
    with app.app_context():
        return _offers()


def test_a_taken_place_withdraws_the_offers_that_could_only_fill_it(app, client):
    offers = _repairs_for_three(app, client)
    assert offers["fixer.finn@example.org"][1] == 0 and len(offers) == 7  # the fixer gets the repairs place
    plain = sorted((email for email in offers if email.startswith("plain")), key=lambda e: offers[e][1])
    first, second = plain[0], plain[-1]  # one on each unskilled place
    for email in (first, second):
        assert login_as(app, email).post(f"/me/offers/{offers[email][0]}/accept").status_code == 303
    drain(app)
    with app.app_context():
        assert set(_offers()) == {"fixer.finn@example.org"}
        told = db.session.scalars(sa.select(OutboxMessage.match_id).where(OutboxMessage.kind == "taken")).all()
        assert sorted(told) == sorted(offers[e][0] for e in plain if e not in (first, second))
    fixer = login_as(app, "fixer.finn@example.org").get("/me/").get_data(as_text=True)
    assert "For: a helper with repairs skills" in fixer and "places still open: 1 of 3" in fixer
    loser_email = next(e for e in plain if e not in (first, second))
    loser = login_as(app, loser_email)
    page = loser.get("/me/").get_data(as_text=True)
    assert "No longer needed from you" in page and f"/me/offers/{offers[loser_email][0]}/accept" not in page
    late = loser.post(f"/me/offers/{offers[loser_email][0]}/accept", follow_redirects=True).get_data(as_text=True)
    assert "Someone else took the place you could fill a moment before you" in late


def test_an_offer_says_which_place_only_when_the_places_differ(app, client):
    offers = _repairs_for_three(app, client)
    some = next(e for e in offers if e.startswith("plain"))
    page = login_as(app, some).get("/me/").get_data(as_text=True)
    assert "For: a helper; no special skill needed" in page and "places still open: 3 of 3" in page


def test_places_alike_need_no_role(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    post_need(client, people="2")
    drain(app)
    page = login_as(app, "ann.able@example.org").get("/me/").get_data(as_text=True)
    assert "places still open: 2 of 2" in page and "For: a helper" not in page


def test_an_offer_tapped_after_it_ran_out_is_explained(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    post_need(client)
    drain(app)
    with app.app_context():
        match_id = _offers()["ann.able@example.org"][0]
    ann = login_as(app, "ann.able@example.org")
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        with app.app_context():
            from aid.services import background

            background.sweep(utcnow())
            db.session.commit()
        late = ann.post(f"/me/offers/{match_id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "This offer ran out of time before your answer" in late


def test_an_offer_by_hand_is_for_a_place_the_volunteer_can_fill(app, client):
    with app.app_context():
        add_skills()
        union = add_union()
        coordinator_id = add_coordinator(union).id
        fixer = add_volunteer("Fixer Finn", skills=["repairs"], on_duty=False).id
        plain = add_volunteer("Pat Plain", on_duty=False).id
    post_need(client, category="repairs", people="2", details="Tarp over a roof")
    drain(app)
    with app.app_context():
        from aid.models import Need, User

        need, coordinator = db.session.scalar(sa.select(Need)), db.session.get(User, coordinator_id)
        places = {v: coordination.offer_to(need, v, coordinator, utcnow()).slot.position for v in (plain, fixer)}
        edge.commit()
    assert places == {plain: 1, fixer: 0}  # the fixer is offered the repairs place, whatever the order


def _care_wave_of_two(app, client, carer_vetting, carer_skills):
    """A low-urgency care need (two offers at a time) asked of two vetted helpers without a care skill;
    Cat Carer, a little further away, is not in that first wave. Returns {email: wave} of the offers."""
    with app.app_context():
        add_skills([("care", None)])
        union = add_union()
        add_coordinator(union)
        for i, name in enumerate(["Ann Able", "Bob Baker"]):
            add_volunteer(name, lat=50.874, lon=0.0188 + i * 0.001, vetting=1)
        cat = add_volunteer("Cat Carer", lat=50.874, lon=0.0238, skills=carer_skills, vetting=carer_vetting)
        union_id, cat_id = union.id, cat.id
    post_need(client, category="care", urgency="low", details="Sit with my mother this afternoon")
    drain(app)
    with app.app_context():
        assert set(_offers()) == {"ann.able@example.org", "bob.baker@example.org"}
    return union_id, cat_id


def _waves():
    return {m.volunteer.user.email: m.wave for m in db.session.scalars(
        sa.select(Match).where(Match.state == MatchState.OFFERED))}


def test_a_newly_vetted_volunteer_who_ranks_within_the_open_wave_joins_it_at_once(app, client):
    _union_id, cat_id = _care_wave_of_two(app, client, carer_vetting=0, carer_skills=["care"])
    coordinator = login_as(app, "rosa.coord@example.org")
    assert coordinator.post(f"/board/volunteers/{cat_id}/vet").status_code == 303
    drain(app)
    with app.app_context():  # the carer ranks first now: asked at once, in the same wave, and nobody dropped
        assert _waves() == {"ann.able@example.org": 1, "bob.baker@example.org": 1, "cat.carer@example.org": 1}


def test_a_volunteer_who_adds_a_skill_that_ranks_them_within_the_open_wave_joins_it(app, client):
    _care_wave_of_two(app, client, carer_vetting=1, carer_skills=[])  # vetted, third: the wave is full
    cat = login_as(app, "cat.carer@example.org")
    profile = {**PROFILE, "skills": ["care"], "lat": "50.874", "lon": "0.0238"}
    assert cat.post("/me/profile", data=profile).status_code == 303
    drain(app)
    with app.app_context():
        assert _waves() == {"ann.able@example.org": 1, "bob.baker@example.org": 1, "cat.carer@example.org": 1}


def test_a_volunteer_who_ranks_outside_the_open_wave_waits_for_it(app, client):
    _care_wave_of_two(app, client, carer_vetting=1, carer_skills=[])
    cat = login_as(app, "cat.carer@example.org")
    assert cat.post("/me/profile", data={**PROFILE, "lat": "50.874", "lon": "0.0240"}).status_code == 303
    drain(app)
    with app.app_context():  # still third: nothing changes until the wave's offers run out
        assert set(_waves()) == {"ann.able@example.org", "bob.baker@example.org"}
