"""The coordinator's board is live: an accept made on a volunteer's phone shows without a reload.

The promise is "within 2 seconds": the board polls every 1.5 s and an unchanged poll costs
almost nothing. The test pins the poll interval the page asks for and that the card moves
on its own; it does not time the browser, which on a busy machine proves nothing but load.
"""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from aid import edge
from aid.extensions import db
from aid.models import Match, MatchState, User, Volunteer, utcnow
from aid.services import needs


@pytest.mark.e2e
def test_board_shows_an_accept_from_another_phone_by_itself(live_app, phone, login, shoot, page_problems):
    with live_app.app_context():  # a need posted and matched, as the requester's path does
        needs.create_need(dict(
            category="food", details="Live board check: bread and milk", urgency="normal", people=1,
            lat=50.8745, lon=0.0130, contact_phone="+441273471600"), utcnow())
        edge.commit()  # and the edge enqueues its matching
    assert live_app.extensions["aid_jobs"].drain()
    with live_app.app_context():
        match_id, email = db.session.execute(
            sa.select(Match.id, User.email).join(Volunteer, Volunteer.id == Match.volunteer_id)
            .join(User, User.id == Volunteer.user_id)
            .where(Match.state == MatchState.OFFERED).order_by(Match.id.desc())).first()
        need_id = db.session.get(Match, match_id).need_id

    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    card = coordinator.locator(f"#need-{need_id}")
    expect(coordinator.locator("section.column-offered").locator(f"#need-{need_id}")).to_be_visible()
    shoot(coordinator, "live board before the accept")

    volunteer = phone("volunteer")
    login(volunteer, email, r"/me/$")
    volunteer.locator(f"#offer-{match_id}").get_by_role("button", name="Accept").tap()
    volunteer.wait_for_url(re.compile(r"/me/tasks/\d+$"))
    expect(coordinator.locator("#board")).to_have_attribute("hx-trigger", "every 1500ms")
    expect(coordinator.locator("section.column-accepted").locator(f"#need-{need_id}")).to_be_visible(timeout=10_000)
    shoot(coordinator, "live board after the accept")
    assert card.count() == 1
    assert not page_problems.lines, "\n".join(page_problems.lines)
