"""Quiet hours hold a volunteer's offers until they end (the most urgent ones still go), and
several offers waiting for one person go as one digest."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Match, MatchState, OutboxState, Volunteer
from aid.sms import segments
from tests.factories import add_union, drain, login, post_need
from tests.integration.test_outbox import ANN, rows, sms_app, text_in, texted, texter
from tests.integration.test_phone_check import profile

NIGHT = datetime(2026, 1, 15, 22, 0, tzinfo=UTC)  # 22:00 in Europe/London (GMT in January)


def at(moment):
    return time_machine.travel(moment, tick=False)


def quiet_app(make, gateway, quiet=(21 * 60 + 30, 22 * 60 + 30)):
    app = sms_app(make, gateway)
    with app.app_context():
        add_union()
        texter("Ann Able", ANN, quiet_from=quiet[0], quiet_to=quiet[1])
    return app


def test_quiet_hours_hold_a_normal_offer_and_let_the_most_urgent_through(make, sms_gateway):
    app = quiet_app(make, sms_gateway)
    with at(NIGHT):
        post_need(app.test_client(), urgency="normal")
        drain(app)
        assert texted(sms_gateway, ANN) == []
        with app.app_context():
            [held] = rows(kind="offer")
            assert (held.state, held.next_attempt_at) == (OutboxState.PENDING, datetime(2026, 1, 15, 22, 30))

        post_need(app.test_client(), urgency="critical", category="transport")
        drain(app)
    [body] = texted(sms_gateway, ANN)
    assert body.startswith("Lewes: Transport, right now")


def test_the_held_offer_goes_when_quiet_hours_end(make, sms_gateway):
    app = quiet_app(make, sms_gateway)
    with at(NIGHT):
        post_need(app.test_client(), urgency="normal", category="transport")
        drain(app)
    with at(NIGHT + timedelta(minutes=20)):
        with app.app_context():
            sweep()
        drain(app)
        assert texted(sms_gateway, ANN) == []  # still quiet
    with at(NIGHT + timedelta(minutes=31)):
        with app.app_context():
            sweep()
        drain(app)
    [body] = texted(sms_gateway, ANN)
    assert body.startswith("Lewes: Transport, today") and "YES" in body
    with app.app_context():
        [row] = rows(kind="offer")
        assert (row.state, row.attempts) == (OutboxState.SENT, 1)


def test_an_offer_that_closes_before_quiet_hours_end_is_not_sent(make, sms_gateway):
    app = quiet_app(make, sms_gateway, quiet=(21 * 60, 7 * 60))  # overnight: past the offer's hour
    with at(NIGHT):
        post_need(app.test_client(), urgency="normal")
        drain(app)
        with app.app_context():
            [row] = rows(kind="offer")
            assert (row.state, row.error) == (OutboxState.SKIPPED, "offer closes during quiet hours")
    assert texted(sms_gateway, ANN) == []


def test_quiet_hours_are_saved_from_the_profile_and_cleared_when_empty(make, sms_gateway):
    app = quiet_app(make, sms_gateway, quiet=(None, None))
    client = app.test_client()
    login(client, "ann.able@example.org")
    assert profile(client, quiet_from="22:00", quiet_to="07:00").status_code == 303
    with app.app_context():
        assert (db.session.scalar(sa.select(Volunteer.quiet_from)), db.session.scalar(sa.select(Volunteer.quiet_to))) \
            == (22 * 60, 7 * 60)
    assert b'name="quiet_from" type="time" value="22:00"' in client.get("/me/profile").data

    half = profile(client, quiet_from="22:00", quiet_to="")
    assert half.status_code == 422 and b"Give both the start and the end of your quiet hours" in half.data
    assert profile(client, quiet_from="", quiet_to="").status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Volunteer.quiet_from)) is None


def test_three_offers_held_in_quiet_hours_arrive_as_one_digest_and_yes_takes_one(make, sms_gateway):
    app = quiet_app(make, sms_gateway)
    client = app.test_client()
    with at(NIGHT):
        for category in ("transport", "food", "shelter"):
            post_need(client, urgency="normal", category=category)
        drain(app)
    with at(NIGHT + timedelta(minutes=31)):
        with app.app_context():
            sweep()
        drain(app)

        [body] = texted(sms_gateway, ANN)
        assert body.startswith("Lewes: 3 requests near you: ") and body.endswith("Reply YES and the code to take one.")
        assert segments.count(body) <= 2
        with app.app_context():
            offers = rows(kind="offer")
            assert [r.state for r in offers] == [OutboxState.SENT] * 3
            carrier = next(r for r in offers if r.digest_id is None)
            assert sorted(r.digest_id or 0 for r in offers) == [0, carrier.id, carrier.id]
            codes = {r.code: r.match_id for r in offers}
        assert all(f"{code} (" in body for code in codes)
        for word in ("Transport", "Food", "Shelter"):
            assert word in body

        code = sorted(codes)[1]
        text_in(client, sms_gateway, ANN, f"YES {code}")
        drain(app)
        with app.app_context():
            assert db.session.get(Match, codes[code]).state == MatchState.ACCEPTED
    assert f"{code} is yours" in texted(sms_gateway, ANN)[-1]


def test_a_long_digest_lists_what_fits_in_two_segments_and_points_to_the_app_for_the_rest(app):
    from types import SimpleNamespace

    from aid.models import Category, Urgency
    from aid.services import texts

    def offer(i):
        match = SimpleNamespace(id=i, distance_km=i % 5 + 1, expires_at=None)
        need = SimpleNamespace(union=SimpleNamespace(name="Lewes"), category=Category.TRANSPORT, urgency=Urgency.NORMAL,
                               matches=[match], contact_name="", contact_phone="", address="", place_label="", id=i)
        return SimpleNamespace(id=i, need=need, match_id=i, channel="sms", audience="volunteer", code=f"{4000 + i}",
                               args={}, locale="en")

    with app.test_request_context():
        offers = [offer(i) for i in range(1, 21)]
        body = texts.digest(offers[0], offers[1:])
    listed = [o.code for o in offers if o.code in body]
    assert segments.count(body) <= 2 and 5 < len(listed) < 20
    assert f"and {20 - len(listed)} more in the app" in body and body.startswith("Lewes: 20 requests near you:")
