"""Coordinators filter the board, see what is late or stuck, and act on a need by hand."""
from datetime import timedelta

import sqlalchemy as sa
import time_machine

from aid.extensions import db
from aid.models import Match, MatchState, Need, NeedStatus, Slot, Volunteer, utcnow
from tests.factories import add_coordinator, add_union, add_volunteer, drain, login, post_need


def _board(app, volunteers=("Ann Able", "Bob Baker")):
    with app.app_context():
        union = add_union()
        add_coordinator(union)
        ids = {name: add_volunteer(name, union=union).id for name in volunteers}
    coordinator = app.test_client()
    login(coordinator, "rosa.coord@example.org")
    return coordinator, ids


def _need_id(app, details):
    with app.app_context():
        return db.session.scalar(sa.select(Need.id).where(Need.details == details))


def test_filters_narrow_the_board_and_bad_values_are_ignored(app, client):
    coordinator, _ids = _board(app)
    post_need(client, details="Bread please", category="food", urgency="low")
    post_need(client, details="Lift to clinic", category="transport", urgency="critical", same_anyway="yes")
    drain(app)
    food = coordinator.get("/board/?category=food").data
    assert b"Bread please" in food and b"Lift to clinic" not in food
    urgent = coordinator.get("/board/?urgency=critical&column=offered").data
    assert b"Lift to clinic" in urgent and b"Bread please" not in urgent
    junk = coordinator.get("/board/?urgency=%00&older_than_hours=-5&column=zzz&skill=" + "x" * 500)
    assert junk.status_code == 200 and b"Bread please" in junk.data


def test_a_need_nobody_takes_turns_late_and_lands_in_the_attention_queue(app, client):
    coordinator, _ids = _board(app, volunteers=())
    post_need(client, details="Nobody around", urgency="high")
    drain(app)
    page = coordinator.get("/board/").data.decode()
    assert "Needs your attention" in page and "nobody eligible nearby" in page
    with time_machine.travel(utcnow() + timedelta(minutes=61), tick=False):
        later = coordinator.get("/board/").data.decode()
    assert 'class="card need late"' in later and "1 late" in later


def test_assign_by_hand_takes_the_slot_and_release_gives_it_back(app, client):
    coordinator, ids = _board(app)
    post_need(client, details="Carry boxes")
    drain(app)
    need_id = _need_id(app, "Carry boxes")
    response = coordinator.post(f"/board/needs/{need_id}/assign", data={"volunteer_id": ids["Bob Baker"]})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Slot.volunteer_id)) == ids["Bob Baker"]
        match_id = db.session.scalar(sa.select(Match.id).where(Match.state == MatchState.ACCEPTED))
        assert db.session.get(Need, need_id).status == NeedStatus.ASSIGNED
    coordinator.post(f"/board/needs/{need_id}/release", data={"match_id": match_id})
    drain(app)
    with app.app_context():
        assert db.session.scalar(sa.select(Slot.volunteer_id)) is None
        assert db.session.get(Match, match_id).state == MatchState.RELEASED
    kinds = coordinator.get(f"/board/needs/{need_id}").data.decode()
    assert "assigned" in kinds and "given back" in kinds


def test_offer_to_a_chosen_volunteer_appears_in_their_offers(app, client):
    coordinator, ids = _board(app, volunteers=("Ann Able",))
    with app.app_context():
        far = add_volunteer("Far Fay", lat=51.0, lon=0.5, max_km=2).id  # the matcher would never pick her
    post_need(client, details="Check on Mr Grey")
    drain(app)
    need_id = _need_id(app, "Check on Mr Grey")
    coordinator.post(f"/board/needs/{need_id}/offer", data={"volunteer_id": far})
    fay = app.test_client()
    login(fay, "far.fay@example.org")
    assert b"chosen by a coordinator" in fay.get("/me/").data


def test_close_needs_a_reason_and_merge_marks_the_duplicate(app, client):
    coordinator, _ids = _board(app)
    post_need(client, details="First copy")
    post_need(client, details="Second copy", same_anyway="yes")
    drain(app)
    first, second = _need_id(app, "First copy"), _need_id(app, "Second copy")
    refused = coordinator.post(f"/board/needs/{first}/close", data={}, follow_redirects=True)
    assert b"Choose why this need is closed" in refused.data
    coordinator.post(f"/board/needs/{second}/merge", data={"into": first})
    coordinator.post(f"/board/needs/{first}/close", data={"reason": "could_not_help"})
    with app.app_context():
        assert db.session.get(Need, second).status == NeedStatus.CANCELLED
        assert db.session.get(Need, first).status == NeedStatus.EXPIRED
        assert "Merged into" in db.session.get(Need, second).events[-1].detail
    assert coordinator.post(f"/board/needs/{first}/merge", data={"into": "999"}).status_code == 303


def test_roster_and_numbers_show_load_and_times(app, client):
    coordinator, ids = _board(app, volunteers=("Ann Able",))
    token = post_need(client, details="Soup")
    drain(app)
    ann = app.test_client()
    login(ann, "ann.able@example.org")
    with app.app_context():
        match_id = db.session.scalar(sa.select(Match.id))
    ann.post(f"/me/offers/{match_id}/accept")
    client.post(f"/t/{token}/done")
    roster = coordinator.get("/board/roster").data.decode()
    assert "Ann Able" in roster and "1 / 5" in roster
    numbers = coordinator.get("/board/numbers").data.decode()
    assert "Median time to first yes" in numbers and "0 min" in numbers
    with app.app_context():
        assert db.session.get(Volunteer, ids["Ann Able"]).on_duty


def test_the_backlog_run_offers_every_waiting_need_fairly_and_within_capacity(app, client):
    from aid.jobs.tasks import match_backlog

    with app.app_context():
        union = add_union()
        for name in ("Ann Able", "Bob Baker", "Cy Cole"):
            add_volunteer(name, union=union, capacity=1, week_cap=5)
    app.config["SWEEP_SECONDS"] = 0
    app.extensions["aid_jobs"].enqueue = lambda *args: None  # a surge: the per-need jobs have not run yet
    for i in range(5):
        post_need(client, details=f"Surge {i}", urgency="critical" if i == 4 else "normal", same_anyway="yes")
    with app.app_context():
        assert match_backlog() == 3  # three volunteers, one task each at a time
        offers = db.session.execute(sa.select(Match.volunteer_id, Need.details).join(Need)).all()
    assert len({v for v, _ in offers}) == 3
    assert "Surge 4" in {d for _, d in offers}  # the critical need is served first
