"""The board in a real browser: a poll swaps only the changed cards; states side by side at 1280 px; a
compact list that fits a 360 px phone, in English and in Arabic; each card's summary wide enough to read."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from aid import edge
from aid.extensions import db
from aid.models import Match, MatchState, utcnow
from aid.services import matches, needs
from tests.e2e.test_phone_pages import choose_language

DESK = {"viewport": {"width": 1280, "height": 800}, "screen": {"width": 1280, "height": 800},
        "is_mobile": False, "has_touch": True}  # touch: the login helper taps


def _post(live_app, *texts, urgency="normal", ago=timedelta(0)):
    ids = []
    with live_app.app_context():
        for text in texts:
            need, _token, _work = needs.create_need(dict(
                category="food", details=text, urgency=urgency, people=1, lat=50.8745, lon=0.0130,
                contact_phone="+441273471600"), utcnow() - ago)
            ids.append(need.id)
            edge.commit()
    assert live_app.extensions["aid_jobs"].drain()
    return ids


def _accept_one(live_app, need_id):
    with live_app.app_context():
        match = db.session.scalars(sa.select(Match).where(
            Match.need_id == need_id, Match.state == MatchState.OFFERED)).first()
        matches.accept(match, utcnow())
        edge.commit()
    assert live_app.extensions["aid_jobs"].drain()


@pytest.mark.e2e
def test_a_poll_moves_the_changed_card_and_leaves_every_other_card_in_place(live_app, phone, login, shoot, page_problems):
    first, second = _post(live_app, "Layout check: soup", "Layout check: blankets")
    coordinator = phone("coordinator", **DESK)
    login(coordinator, "coordinator@example.org", r"/board/$")
    expect(coordinator.locator(f"#list-offered #need-{second}")).to_be_visible()
    kept = coordinator.evaluate("() => { document.querySelectorAll('#board .card').forEach(c => c.dataset.kept = '1');"
                                " return document.querySelectorAll('#board .card').length; }")
    _accept_one(live_app, second)
    (third,) = _post(live_app, "Layout check: a lift", urgency="critical")
    expect(coordinator.locator(f"#list-accepted #need-{second}")).to_be_visible(timeout=10_000)
    expect(coordinator.locator(f"#need-{third}")).to_be_visible(timeout=10_000)
    shoot(coordinator, "board at 1280 after a poll")
    ids = coordinator.eval_on_selector_all("#board .card", "cards => cards.map(c => c.id)")
    assert len(ids) == len(set(ids)) == kept + 1  # one card more, none twice
    fresh = coordinator.eval_on_selector_all("#board .card:not([data-kept])", "cards => cards.map(c => c.id)")
    assert sorted(fresh) == sorted({f"need-{second}", f"need-{third}"})  # only those two were swapped in
    assert coordinator.locator(f"#need-{first}[data-kept]").count() == 1
    coordinator.locator(f"#need-{first}").tap()  # a card still opens its need: nothing of the poll leaks into it
    expect(coordinator).to_have_url(re.compile(rf"/board/needs/{first}$"))
    expect(coordinator.get_by_role("heading", level=1)).to_contain_text(f"#{first}")
    assert not page_problems.lines, "\n".join(page_problems.lines)


@pytest.mark.e2e
def test_at_1280_the_states_stand_side_by_side_under_a_compact_attention_list(live_app, phone, login, shoot):
    _post(live_app, *(f"Waiting too long: {i}" for i in range(3)), urgency="critical", ago=timedelta(hours=2))
    coordinator = phone("coordinator", **DESK)
    login(coordinator, "coordinator@example.org", r"/board/$")
    boxes = [coordinator.locator(f"section.column-{name}").bounding_box() for name in ("open", "offered", "accepted")]
    assert len({round(b["y"]) for b in boxes}) == 1 and boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    attention = coordinator.locator("#board-attention")
    assert attention.locator(".card").count() == 0 and attention.locator("li").count() >= 1
    assert boxes[0]["y"] < 800  # the columns start on the first screen
    shoot(coordinator, "board at 1280")


@pytest.mark.e2e
@pytest.mark.parametrize("locale", ["en-GB", "ar"])
def test_on_a_phone_the_board_is_a_compact_list_that_fits_the_screen(live_app, phone, shoot, locale):
    _post(live_app, *(f"Phone check {i}: a long description of what is needed, to be cut short" for i in range(4)))
    coordinator = phone("coordinator", locale=locale)
    coordinator.goto("/login")  # by field type: the labels are in the page's language
    coordinator.locator("input[type=email]").fill("coordinator@example.org")
    coordinator.locator("input[type=password]").fill("demo-password")
    coordinator.locator("main form button").last.tap()
    coordinator.wait_for_url(re.compile(r"/board/$"))
    assert coordinator.evaluate("document.documentElement.scrollWidth") <= 360
    heights = coordinator.eval_on_selector_all("#board .card", "cards => cards.map(c => c.getBoundingClientRect().height)")
    assert heights and max(heights) <= 80, heights  # two lines each: what and how urgent, then kind, number, age
    assert coordinator.get_attribute("html", "dir") == ("rtl" if locale == "ar" else "ltr")
    shoot(coordinator, f"board at 360 {locale}")


# Each card's summary: its width, and the card's width inside its padding.
SUMMARY_BOXES = """() => [...document.querySelectorAll('#board .card.need')].map(card => {
  const style = getComputedStyle(card);
  const inner = card.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {id: card.id, width: card.querySelector('.summary > bdi').getBoundingClientRect().width, inner};
})"""


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_a_cards_summary_is_wide_enough_to_read_beside_any_urgency(live_app, phone, login, shoot, language):
    _post(live_app, "Tarp on a leaking roof before the rain tonight", urgency="low")  # the longest badge
    coordinator = phone("coordinator", **DESK)
    login(coordinator, "coordinator@example.org", r"/board/$")
    choose_language(coordinator, language)
    coordinator.goto("/board/")
    for box in coordinator.evaluate(SUMMARY_BOXES):  # a 240 px column: the summary has the card's whole width
        assert box["width"] >= box["inner"] - 1, box
    shoot(coordinator, f"board cards at 1280 {language}")
    coordinator.set_viewport_size({"width": 360, "height": 740})
    for box in coordinator.evaluate(SUMMARY_BOXES):  # a phone's one line: a third of it at least, beside the badge
        assert box["width"] >= 120, box
    shoot(coordinator, f"board cards at 360 {language}")
