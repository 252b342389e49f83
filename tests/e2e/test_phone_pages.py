"""The volunteer's and requester's pages, and the roster, on a 320-360 px phone and a 1280 px desk.

What a person on a phone was let down by, each pinned in real Chromium in English, Spanish and
Arabic: the task's next step sits at the top, the profile asks where and what first and every
target is at least 44 px (the coordinator's board menu, outbox pager, need, map and purse too),
category words are never cut in the middle, typed text reads in its own direction, the roster
fits the phone with its vetting button on screen, a phone number in an unused range is told
what is wrong, and a field with a limit counts down without chattering to a screen reader.
"""
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from aid import edge
from aid.extensions import db
from aid.models import Coordinator, Match, MatchState, User, utcnow
from aid.services import accounts, matches, messages, needs, outbox_log

pytestmark = pytest.mark.e2e

LANGUAGES = ["en", "es", "ar"]
ARABIC_DETAILS = "أحتاج إلى خبز وحليب من المتجر"
ARABIC_MESSAGE = "سأصل بعد عشر دقائق"
DESK = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}

# Everything a finger aims at. A checkbox or radio inside its label is aimed at through the
# label; a link inside running text is exempt (WCAG 2.5.8), a link standing alone is not: a
# paragraph's only words, a menu or pager, a heading's link, a link under a list's heading, a map's zoom.
TOO_SMALL = """() => {
  const targets = [...document.querySelectorAll(
    'main button, main input:not([type=hidden]), main select, main textarea, main summary, main a.btn, main p > a:only-child,' +
    ' main nav a, main h2 > a, main dd > a, main .leaflet-bar a')];
  return targets
    .filter(el => !el.matches('p > a') || el.parentElement.textContent.trim() === el.textContent.trim())
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
    .map(el => (['checkbox', 'radio'].includes(el.type) && el.closest('label')) || el)
    .map(el => [el.outerHTML.slice(0, 90), el.getBoundingClientRect()])
    .filter(([, r]) => r.width < 44 || r.height < 44)
    .map(([html, r]) => `${html} is ${Math.round(r.width)}x${Math.round(r.height)}`);
}"""

# A word is cut when its letters sit on more than one line; a tile overflows when a word is wider.
CUT_WORDS = """(selector) => {
  const cut = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.scrollWidth > el.clientWidth + 1) cut.push('overflows: ' + el.textContent.trim());
    const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = texts.nextNode(); node; node = texts.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top)));
        if (lines.size > 1) cut.push(word[0]);
      }
    }
  }
  return cut;
}"""


def choose_language(page, code):
    page.goto("/")
    with page.expect_navigation():  # the switch answers HX-Redirect: wait for that page
        page.locator(f'footer button[value="{code}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", code)


@pytest.fixture
def accepted_task(live_app):
    """A need typed in Arabic, accepted by a demo volunteer, with messages both ways: (match id, email, token)."""
    with live_app.app_context():
        need, token, _work = needs.create_need(dict(
            category="transport", details=ARABIC_DETAILS, urgency="normal", people=1, lat=50.8745, lon=0.0130,
            contact_phone="+447911123456", contact_name="ليلى"), utcnow())
        need_id = need.id
        edge.commit()
    assert live_app.extensions["aid_jobs"].drain()
    with live_app.app_context():
        match = db.session.scalar(sa.select(Match).where(
            Match.need_id == need_id, Match.state == MatchState.OFFERED).order_by(Match.id))
        assert match is not None, "the demo union has a volunteer for a lift in Lewes"
        matches.accept(match, utcnow())
        for body in ("Hello, I can bring it this afternoon", ARABIC_MESSAGE, "Thank you!"):
            messages.post(match.need, body, utcnow(), user=match.volunteer.user)
        edge.commit()
        match_id, email = match.id, match.volunteer.user.email
    yield match_id, email, token
    with live_app.app_context():  # give the demo volunteer their capacity back for the other tests
        match = db.session.get(Match, match_id)
        if match.state in (MatchState.ACCEPTED, MatchState.EN_ROUTE):
            matches.done(match, utcnow())
        edge.commit()


@pytest.mark.parametrize("language", LANGUAGES)
def test_task_page_puts_the_next_step_above_the_details_and_messages(phone, login, shoot, accepted_task, language,
                                                                      page_problems):
    match_id, email, token = accepted_task
    volunteer = phone("volunteer")
    login(volunteer, email, r"/me/$")
    choose_language(volunteer, language)
    for size in (None, DESK):
        if size:
            volunteer.set_viewport_size(size)
        volunteer.goto(f"/me/tasks/{match_id}")
        step, thread = volunteer.locator("#next-step"), volunteer.locator("#thread")
        on_my_way = step.locator("> form button.btn-primary")
        expect(on_my_way).to_be_visible()
        go, message_box = on_my_way.bounding_box(), volunteer.locator("#message-body").bounding_box()
        viewport = volunteer.viewport_size
        assert go["y"] + go["height"] <= viewport["height"], f"'on my way' is below the first screen: {go}"
        assert go["y"] < thread.bounding_box()["y"] and go["y"] < message_box["y"]
        assert go["y"] < volunteer.locator("dl.private").bounding_box()["y"]
        shoot(volunteer, f"task {language} {viewport['width']}")
    volunteer.set_viewport_size({"width": 360, "height": 740})
    on_my_way.tap()
    volunteer.wait_for_url(f"**/me/tasks/{match_id}")
    done = volunteer.locator("#next-step details[open] button.btn-primary")  # the step after: "Yes, it's done"
    expect(done).to_be_visible()
    assert done.bounding_box()["y"] < volunteer.locator("#thread").bounding_box()["y"]
    # A poll cut short by the next page is the browser's doing; errors and CSP violations are not.
    problems = [line for line in page_problems.lines if "net::ERR_ABORTED" not in line]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_text_people_typed_reads_in_its_own_direction(phone, login, accepted_task, language, base_url):
    match_id, email, token = accepted_task
    volunteer = phone("volunteer")
    login(volunteer, email, r"/me/$")
    choose_language(volunteer, language)
    volunteer.goto(f"/me/tasks/{match_id}")
    requester = phone("requester")
    choose_language(requester, language)
    requester.goto(f"/t/{token}")
    for page, typed in ((volunteer, [ARABIC_DETAILS, ARABIC_MESSAGE, "ليلى", "Thank you!"]),
                        (requester, [ARABIC_MESSAGE, "Thank you!"])):
        for text in typed:
            holder = page.locator("[dir=auto]", has_text=text).last
            expect(holder).to_have_attribute("dir", "auto")
            direction = holder.evaluate("el => getComputedStyle(el).direction")
            assert direction == ("rtl" if text[0] >= "\u0600" else "ltr"), (page.url, text, direction)
    for field in ("#message-body", "#eta", "#release-reason"):
        expect(volunteer.locator(field)).to_have_attribute("dir", "auto")


PROFILE_ORDER = ["fieldset.where", "#skills-0", "#on_duty", "#until", "fieldset.schedule"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_profile_asks_where_and_what_first_and_every_target_is_44px(phone, login, shoot, language):
    volunteer = phone("volunteer")
    login(volunteer, "ben@example.org", r"/me/$")
    choose_language(volunteer, language)
    for size in (None, NARROW, DESK):
        if size:
            volunteer.set_viewport_size(size)
        volunteer.goto("/me/profile")
        tops = [volunteer.locator(part).first.bounding_box()["y"] for part in PROFILE_ORDER]
        assert tops == sorted(tops), dict(zip(PROFILE_ORDER, tops, strict=True))
        assert volunteer.evaluate(TOO_SMALL) == []
        assert volunteer.evaluate("document.documentElement.scrollWidth") <= volunteer.viewport_size["width"]
        shoot(volunteer, f"profile {language} {volunteer.viewport_size['width']}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_target_on_the_requesters_and_volunteers_pages_is_44px(phone, login, accepted_task, language):
    match_id, email, token = accepted_task
    requester = phone("requester")
    choose_language(requester, language)
    small = {}
    for path in ("/", "/ask", f"/t/{token}", f"/t/{token}/edit", f"/t/{token}/delete"):
        requester.goto(path)
        requester.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")
        small[path] = requester.evaluate(TOO_SMALL)
    volunteer = phone("volunteer")
    login(volunteer, email, r"/me/$")
    choose_language(volunteer, language)
    for path in ("/me/", f"/me/tasks/{match_id}", "/me/data", "/me/delete"):
        volunteer.goto(path)
        volunteer.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")
        small[path] = volunteer.evaluate(TOO_SMALL)
    assert not any(small.values()), {path: found for path, found in small.items() if found}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_target_on_the_coordinators_pages_is_44px(live_app, phone, login, accepted_task, language, monkeypatch):
    match_id = accepted_task[0]
    with live_app.app_context():
        need_id = db.session.get(Match, match_id).need_id
    monkeypatch.setattr(outbox_log, "PER_PAGE", 2)  # the outbox's pager shows with a few messages
    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    choose_language(coordinator, language)
    small = {}
    for size in (None, DESK):
        if size:
            coordinator.set_viewport_size(size)
        for path in ("/board/", "/board/outbox", f"/board/needs/{need_id}", "/board/map", "/purse/lewes"):
            coordinator.goto(path)
            coordinator.locator("details").evaluate_all("all => all.forEach(d => d.open = true)")
            if path == "/board/map":
                expect(coordinator.locator(".leaflet-control-zoom-in")).to_be_visible()
            small[f"{path} at {coordinator.viewport_size['width']}"] = coordinator.evaluate(TOO_SMALL)
    expect(coordinator.locator("main summary").first).to_be_visible()  # the purse: History, Mark paid
    coordinator.goto("/board/outbox")
    expect(coordinator.locator("nav.pager a")).to_have_count(1)  # Older
    assert not any(small.values()), {where: found for where, found in small.items() if found}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", [320, 360])
def test_category_words_are_never_cut_in_the_middle(phone, shoot, language, width):
    requester = phone("requester", viewport={"width": width, "height": 740}, screen={"width": width, "height": 740})
    choose_language(requester, language)
    requester.goto("/ask")
    assert requester.locator(".option").count() >= 8
    assert requester.evaluate(CUT_WORDS, ".option") == []
    shoot(requester, f"ask categories {language} {width}")


@pytest.fixture(scope="module")
def unvetted(live_app):
    """A volunteer of the demo union whose ID nobody has checked (off duty: offered nothing): their name."""
    with live_app.app_context():
        union_id = db.session.scalar(sa.select(Coordinator.union_id).join(User, User.id == Coordinator.user_id)
                                     .where(User.email == "coordinator@example.org"))
        user = accounts.register("Zainab Roster", "zainab.roster@example.org", "demo-password", union_id=union_id)
        accounts.update_profile(user.volunteer, dict(on_duty=False, lat=50.87, lon=0.01, base_label="Lewes"),
                                ["driving", "first-aid"])
        edge.commit()
    return "Zainab Roster"


@pytest.mark.parametrize("language", LANGUAGES)
def test_roster_fits_a_phone_with_skills_and_the_vetting_button_on_screen(phone, login, shoot, unvetted, language):
    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    choose_language(coordinator, language)
    for size in (None, NARROW, DESK):
        if size:
            coordinator.set_viewport_size(size)
        coordinator.goto("/board/roster")
        width = coordinator.viewport_size["width"]
        assert coordinator.evaluate("document.documentElement.scrollWidth") <= width
        roster = coordinator.locator("#roster")
        assert roster.evaluate("el => el.scrollWidth <= el.clientWidth")
        card = roster.locator("li", has_text=unvetted)
        expect(card.locator(".skills .tag")).to_have_count(2)
        vet = card.locator("form button")
        box = vet.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width and box["height"] >= 44, box
        assert coordinator.evaluate(TOO_SMALL) == []
        shoot(coordinator, f"roster {language} {width}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_well_formed_number_no_phone_uses_is_told_what_is_wrong(phone, language):
    requester = phone("requester")
    choose_language(requester, language)
    requester.goto("/ask")
    requester.locator("input[name=category][value=food]").check()
    requester.fill("#details", "Bread and milk")
    requester.fill("#address", "Lewes")
    requester.fill("#contact_phone", "07700 900123")
    requester.locator("#ask-form button[type=submit]").click()
    error = requester.locator("#contact_phone-error")
    expect(error).to_be_visible()
    text = error.text_content()
    assert "07700 900123" in text, text  # it names the number, as dialled
    assert "+44" not in text, "the number was well formed: no advice to add the country code"
    expect(requester.locator("#details")).to_have_value("Bread and milk")  # nothing typed is lost


def test_a_limited_field_counts_down_and_speaks_only_when_it_matters(phone):
    requester = phone("requester")
    requester.goto("/ask")
    details, counter = requester.locator("#details"), requester.locator("#details-count")
    expect(counter).to_have_count(0)  # fetched only once someone is about to type (the page stays light)
    details.focus()
    expect(counter).to_have_text("Characters left: 2000")
    assert "details-count" in details.get_attribute("aria-describedby")
    live = requester.locator("#details-count + [aria-live=polite]")
    details.press_sequentially("Bread")
    expect(counter).to_have_text("Characters left: 1995")
    requester.wait_for_timeout(1200)
    expect(live).to_have_text("")  # far from the limit: nothing said while typing
    details.fill("x" * 1990)
    expect(live).to_have_text("Characters left: 10", timeout=3000)  # close to it: said once, after a pause
    details.fill("x" * 2005)
    expect(counter).to_have_class("counter over")
    expect(live).to_have_text("Characters over the limit: 5", timeout=3000)
    requester.locator("input[name=category][value=food]").check()
    requester.fill("#address", "Lewes")
    requester.fill("#contact_phone", "07911 123456")
    requester.locator("#ask-form button[type=submit]").click()
    expect(requester.locator("#details-error")).to_be_visible()  # the server still refuses, nothing is cut
    expect(details).to_have_value("x" * 2005)
