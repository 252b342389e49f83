"""Requesters who ticked "text me updates": the still-needed check-in answered by YES or NO, the
volunteer's ETA by text; and coordinators see on the roster whose messages are failing."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Match, MatchState, Need, NeedStatus, utcnow
from tests.factories import add_coordinator, add_union, drain, login, post_need
from tests.integration.test_outbox import code_in, sms_app, text_in, texted, texter

REQUESTER, OTHER, SAM = "+447911123456", "+447911123457", "+447700900003"
ASKED = "Lewes: is your Transport request still needed? Reply YES to keep asking volunteers, NO to close it."


def _asked(app, sms_gateway, start, **need):
    """A transport need nobody takes, and the sweep 13 hours later asking whether it is still needed."""
    client = app.test_client()
    post_need(client, category="transport", sms_updates="y", **need)
    drain(app)
    with time_machine.travel(start + timedelta(hours=13), tick=False), app.app_context():
        sweep()
    drain(app)
    return client


def _need(app):
    with app.app_context():
        return db.session.scalar(sa.select(Need).order_by(Need.id))


def test_the_check_in_is_texted_and_yes_keeps_the_need_open_and_asks_volunteers_again(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    start = utcnow()
    with app.app_context():
        add_union()
    client = _asked(app, sms_gateway, start)
    post_need(client, contact_phone="07911 123457", details="Another need", same_anyway="yes")  # no texts asked
    drain(app)
    assert texted(sms_gateway, REQUESTER) == [ASKED]
    assert texted(sms_gateway, OTHER) == []
    with app.app_context():
        texter("Sam Swift", SAM)  # a volunteer joins: asking again reaches him

    with time_machine.travel(start + timedelta(hours=13, minutes=5), tick=False):
        text_in(client, sms_gateway, REQUESTER, "Yes")
        drain(app)
    need = _need(app)
    assert need.status in (NeedStatus.OPEN, NeedStatus.MATCHING) and need.checkin_asked_at is None
    assert texted(sms_gateway, REQUESTER)[1:] == [
        "Lewes: thank you, we are asking volunteers again for your Transport request."]
    [offer] = texted(sms_gateway, SAM)
    assert code_in(offer)

    with time_machine.travel(start + timedelta(hours=13, minutes=10), tick=False), app.app_context():
        sweep()  # just answered: not asked again at once
    drain(app)
    assert len(texted(sms_gateway, REQUESTER)) == 2 and _need(app).checkin_asked_at is None
    with time_machine.travel(start + timedelta(hours=25, minutes=6), tick=False), app.app_context():
        sweep()  # twelve hours on, nobody has taken it yet: asked again
    drain(app)
    assert texted(sms_gateway, REQUESTER)[2:] == [ASKED]


def test_no_closes_the_need_and_says_so(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
    client = _asked(app, sms_gateway, utcnow())

    text_in(client, sms_gateway, REQUESTER, "no")
    drain(app)
    assert _need(app).status == NeedStatus.CANCELLED
    assert texted(sms_gateway, REQUESTER) == [ASKED, "Lewes: your Transport request is closed. Take care!"]


def test_with_two_needs_waiting_for_an_answer_yes_points_to_the_tracking_link(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    start = utcnow()
    with app.app_context():
        add_union()
    client = app.test_client()
    post_need(client, details="Another need", sms_updates="y")
    _asked(app, sms_gateway, start)

    text_in(client, sms_gateway, REQUESTER, "YES")
    drain(app)
    assert texted(sms_gateway, REQUESTER)[-1] == (
        "Lewes: please answer on the page of your request (the link we gave you when you asked).")
    with app.app_context():
        assert all(need.checkin_asked_at is not None for need in db.session.scalars(sa.select(Need)))


def test_on_my_way_with_an_eta_is_texted_to_the_requester(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        add_union()
        texter("Sam Swift", SAM)
    client = app.test_client()
    post_need(client, sms_updates="y")
    drain(app)
    text_in(client, sms_gateway, SAM, f"YES {code_in(texted(sms_gateway, SAM)[0])}")
    drain(app)
    sam = app.test_client()
    login(sam, "sam.swift@example.org")
    with app.app_context():
        match_id = db.session.scalar(sa.select(Match.id))

    assert sam.post(f"/me/tasks/{match_id}/on-my-way", data={"eta": "15 min"}).status_code == 303
    drain(app)
    with app.app_context():
        assert db.session.get(Match, match_id).state == MatchState.EN_ROUTE
    assert texted(sms_gateway, REQUESTER) == ["Lewes: Sam is coming to help with your request.",
                                              "Lewes: Sam is on the way, about 15 min."]


def test_the_roster_shows_since_when_a_volunteers_sms_is_failing_until_one_goes_through(make, sms_gateway):
    app = sms_app(make, sms_gateway)
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        texter("Sam Swift", SAM, union=union)
    coordinator, client = app.test_client(), app.test_client()
    sms_gateway.fail(SAM, 400, 21211)

    with time_machine.travel(datetime(2027, 6, 1, 13, 2, tzinfo=UTC)):  # 14:02 in London
        login(coordinator, "rosa.coord@example.org")
        post_need(client)
        drain(app)
        roster = coordinator.get("/board/roster").data.decode()
    assert "SMS failing since 14:02" in roster
    with time_machine.travel(datetime(2027, 6, 2, 9, 0, tzinfo=UTC)):
        login(coordinator, "rosa.coord@example.org")
        assert "SMS failing since 01/06 14:02" in coordinator.get("/board/roster").data.decode()

        del sms_gateway.failures[SAM]
        post_need(client, details="Soup", same_anyway="yes")
        drain(app)
        assert len(texted(sms_gateway, SAM)) == 1
        assert "failing since" not in coordinator.get("/board/roster").data.decode()
