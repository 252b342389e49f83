"""A need with different places, on a 360 px phone: each offer says which place it is for, offers
nobody can use any more leave the list with a kind note, and whoever taps too late is told why."""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from aid import edge
from aid.extensions import db
from aid.models import Match, MatchState, utcnow
from aid.services import matches, needs
from tests.e2e.test_accessibility import violations

pytestmark = pytest.mark.e2e

TARP = {"category": "repairs", "details": "Tarp over a leaking roof, ladder on site", "summary": "Roof tarp",
        "urgency": "high", "people": 3, "contact_phone": "+447911123456", "contact_name": "Margaret",
        "lat": 50.8752, "lon": 0.0101}


def _offers(app, need_id):
    """{volunteer email: (match id, place position, place skill)} of the need's open offers."""
    with app.app_context():
        rows = db.session.scalars(sa.select(Match).where(Match.need_id == need_id, Match.state == MatchState.OFFERED))
        return {m.volunteer.user.email: (m.id, m.slot.position, m.slot.skill.slug if m.slot.skill else None)
                for m in rows}


def _accept(app, match_id):
    """Someone else, on another phone, takes their place first."""
    with app.app_context():
        assert matches.accept(db.session.get(Match, match_id), utcnow()) == matches.Accepted.YES
        edge.commit()
        app.extensions["aid_jobs"].drain()


def test_offers_say_their_place_and_late_taps_are_told_why(live_app, phone, login, shoot, page_problems):
    with live_app.app_context():
        need, _token, _work = needs.create_need(dict(TARP), utcnow())
        edge.commit()
        need_id = need.id
    assert live_app.extensions["aid_jobs"].drain()
    offers = _offers(live_app, need_id)
    skilled = [e for e, (_m, _p, skill) in offers.items() if skill == "repairs"]
    plain = sorted((e for e, (_m, _p, skill) in offers.items() if skill is None), key=lambda e: offers[e][1])
    assert len(skilled) >= 2 and len(plain) >= 3, offers
    try:
        # A volunteer without a repairs skill sees the plain place, and how many are open.
        late = phone("plain volunteer")
        login(late, plain[1], r"/me/$")
        card = late.locator(f"#offer-{offers[plain[1]][0]}")
        expect(card).to_contain_text("For: a helper; no special skill needed")
        expect(card).to_contain_text("places still open: 3 of 3")
        assert violations(late) == []
        shoot(late, "offer for a plain place")

        # Both plain places go to others while this page is open; the tap comes too late.
        _accept(live_app, offers[plain[0]][0])
        _accept(live_app, offers[plain[-1]][0])
        card.get_by_role("button", name="Accept").tap()
        late.wait_for_url(re.compile(r"/me/$"))
        expect(late.get_by_text("Someone else took the place you could fill a moment before you")).to_be_visible()
        expect(late.get_by_role("heading", name="No longer needed from you")).to_be_visible()
        expect(late.locator(f"#offer-{offers[plain[1]][0]}").get_by_role("button", name="Accept")).to_have_count(0)
        assert violations(late) == []
        shoot(late, "plain place taken told kindly")

        # A volunteer with a repairs skill still has the repairs place, and is told which it is.
        fixer = phone("repairs volunteer")
        login(fixer, skilled[1], r"/me/$")
        card = fixer.locator(f"#offer-{offers[skilled[1]][0]}")
        expect(card).to_contain_text("For: a helper with repairs skills")
        expect(card).to_contain_text("places still open: 1 of 3")
        shoot(fixer, "offer for the repairs place")

        # The last place goes to another fixer a moment before this one taps.
        _accept(live_app, offers[skilled[0]][0])
        card.get_by_role("button", name="Accept").tap()
        fixer.wait_for_url(re.compile(r"/me/$"))
        expect(fixer.get_by_text("Someone else took the last place a moment before you")).to_be_visible()
        expect(fixer.get_by_text("nothing more is needed from you for this one").first).to_be_visible()
        shoot(fixer, "last place taken told kindly")
        assert fixer.evaluate("document.documentElement.scrollWidth") <= 360
        fixer.get_by_role("button", name="العربية").tap()  # the same note, right to left
        expect(fixer.locator("html[dir=rtl]")).to_have_count(1)
        expect(fixer.get_by_role("heading", name="لم نعد نحتاجك لهذه الطلبات")).to_be_visible()
        assert violations(fixer) == []
        shoot(fixer, "last place taken note in arabic")
        assert page_problems.lines == []
    finally:
        with live_app.app_context():  # leave the demo volunteers free for the other journeys
            needs.cancel(db.session.get(type(need), need_id), utcnow())
            edge.commit()
