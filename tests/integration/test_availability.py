"""Volunteers say when they can help: until a time today, a snooze, or weekly hours."""
from datetime import datetime, timedelta

import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Match, MatchState, Volunteer, utcnow
from tests.factories import add_union, add_volunteer, drain, login, post_need


def _on_duty(app, name="Ann Able"):
    with app.app_context():
        return db.session.scalar(sa.select(Volunteer.on_duty).join(Volunteer.user).where(
            Volunteer.user.has(name=name)))


def test_a_snooze_takes_the_volunteer_off_and_brings_them_back_with_the_needs_waiting(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    volunteer = app.test_client()
    login(volunteer, "ann.able@example.org")
    volunteer.post("/me/snooze", data={"hours": "1"})
    assert _on_duty(app) is False
    post_need(client)
    drain(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Match)) == 0
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False), app.app_context():
        sweep()
    drain(app)
    assert _on_duty(app) is True
    with app.app_context():
        assert db.session.scalar(sa.select(Match.state)) == MatchState.OFFERED  # offered as soon as back


def test_available_until_a_time_ends_by_itself(app, client):
    with app.app_context():
        add_union()
        volunteer = add_volunteer("Ann Able")
        volunteer.on_duty_until = utcnow() + timedelta(hours=2)
        db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=False), app.app_context():
        sweep()
    assert _on_duty(app) is True
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False), app.app_context():
        sweep()
    assert _on_duty(app) is False


def test_weekly_hours_put_the_volunteer_on_duty_exactly_then(make):
    app = make(TIMEZONE="Europe/London")
    with app.app_context():
        add_union()
        volunteer = add_volunteer("Ann Able", on_duty=False)
        volunteer.schedule_days, volunteer.schedule_from, volunteer.schedule_to = "0,2", 18 * 60, 21 * 60  # Mon, Wed
        db.session.commit()

    def at(moment):  # London is UTC+0 in January
        with time_machine.travel(moment, tick=False), app.app_context():
            sweep()
        return _on_duty(app)

    assert at(datetime(2027, 1, 4, 18, 30)) is True  # Monday evening
    assert at(datetime(2027, 1, 4, 21, 5)) is False
    assert at(datetime(2027, 1, 5, 19, 0)) is False  # Tuesday
    assert at(datetime(2027, 1, 6, 20, 59)) is True  # Wednesday


def test_the_profile_saves_weekly_hours_and_refuses_an_end_before_the_start(app, client):
    with app.app_context():
        add_union()
    client.post("/signup", data={"name": "New Person", "email": "new@example.org", "password": "long enough pw"})
    base = {"base_label": "Lewes", "max_km": "4", "capacity": "2", "week_cap": "5", "languages": ["en"]}
    wrong = client.post("/me/profile", data={**base, "schedule_days": ["5"], "schedule_from": "18:00",
                                             "schedule_to": "09:00"})
    assert wrong.status_code == 422 and b"must be after their start" in wrong.data
    client.post("/me/profile", data={**base, "schedule_days": ["5", "6"], "schedule_from": "09:00",
                                     "schedule_to": "17:00"})
    with app.app_context():
        saved = db.session.scalar(sa.select(Volunteer).where(Volunteer.schedule_days != ""))
        assert (saved.schedule_days, saved.schedule_from, saved.schedule_to) == ("5,6", 540, 1020)
