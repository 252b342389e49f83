"""One need, end to end, on phone-sized screens: a requester asks, a volunteer takes it, a coordinator watches.

Three separate browser contexts (their own cookies), real Chromium, the real app on loopback
with its in-process job worker doing the matching.
"""
import re
import unicodedata

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

NEAR_LEWES = {"latitude": 50.8752, "longitude": 0.0101, "accuracy": 30}  # the demo volunteers are around Lewes
DETAILS = "Lift to the hospital"
PHONE_TYPED = "07911 123456"
PHONE_E164 = "+447911123456"
PHONE_FORMS = (PHONE_E164, PHONE_TYPED, "7911123456", "7911 123456")
POLL = 15_000  # the tracking page polls every 5 s, the board every 3 s, offers every 10 s


def email_of(full_name):
    """Demo logins are the first name, lower case, without accents: "Lucía Torres" -> lucia@example.org."""
    first = unicodedata.normalize("NFKD", full_name.split()[0]).encode("ascii", "ignore").decode()
    return f"{first.lower()}@example.org"


def mark_page(page):
    """Leave a flag in the page's JS world: it survives htmx polls and swaps, not a reload."""
    page.evaluate("window.__e2eNoReload = true")


def assert_not_reloaded(page):
    assert page.evaluate("window.__e2eNoReload === true"), f"{page.url} was reloaded; it should update by polling"


def next_poll(page, path):
    """Wait for the page's next htmx request to `path` to be answered and swapped in; its status."""
    return page.evaluate("""(path) => new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no htmx request to " + path + " within 15 s")), 15000);
        document.addEventListener("htmx:afterRequest", function seen(event) {
            if (!(event.detail.pathInfo.requestPath || "").startsWith(path)) return;
            document.removeEventListener("htmx:afterRequest", seen);
            clearTimeout(timer);
            resolve(event.detail.xhr.status);
        });
    })""", path)


def one_page(page, part, step, problems):
    """One layout and one `part`: a poll must swap in its fragment, never a page inside the page.

    Checked softly (recorded, failed at the end) so one broken page still lets the journey
    show everything else that is wrong.
    """
    counts = {what: page.locator(what).count() for what in ("header.top", "footer.foot", part)}
    if any(count != 1 for count in counts.values()):
        problems.append(f"{step}: expected one of each, found {counts} on {page.url}")


def overflow(page):
    """Elements wider than the 360 px screen (sideways scrolling), as short descriptions."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        return [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > width + 1)
            .slice(0, 5)
            .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : ""));
    }""")


def shows_phone(text):
    compact = re.sub(r"\s+", "", text)
    return [form for form in PHONE_FORMS if form in text or form.replace(" ", "") in compact]


def offered_names(coordinator):
    """Full names of the volunteers the need page lists as "offered", in page order."""
    matches = coordinator.locator("section.card", has=coordinator.get_by_role("heading", name="Matches"))
    expect(matches.locator("p", has_text="asked, waiting").first).to_be_visible()
    names = []
    for line in matches.locator("p").all_inner_texts():
        name, _, rest = line.partition(" — ")
        if rest.split(" · ")[0].strip() == "asked, waiting":
            names.append(name.strip())
    return names


def test_need_journey(phone, login, shoot, page_problems):
    layout = []  # pages that polling, reopening or width broke, reported together at the end

    def snap(page, name):
        if wide := overflow(page):
            layout.append(f"{name}: wider than the screen at {page.url}: {wide}")
        shoot(page, name)

    # --- Requester: ask for a lift, with the phone's location ------------------------------------
    requester = phone("requester", geolocation=NEAR_LEWES, permissions=["geolocation"])
    requester.goto("/")
    expect(requester.get_by_role("heading", name="Need help? Neighbours can help.")).to_be_visible()
    snap(requester, "requester home")
    requester.get_by_role("link", name="Ask for help").tap()
    expect(requester).to_have_url(re.compile(r"/ask$"))
    expect(requester.get_by_role("heading", name="Ask for help")).to_be_visible()
    snap(requester, "requester ask form empty")

    requester.get_by_role("radio", name="Transport").check()
    requester.get_by_label("Tell us what is needed").fill(f"{DETAILS} for my 10:30 appointment, I use a walking stick")
    requester.get_by_role("radio", name="Within a few hours").check()
    requester.get_by_label("How many helpers?").fill("1")
    locate = requester.get_by_role("button", name="Use my location")
    expect(locate).to_be_visible()  # app.js unhides it when geolocation exists
    locate.tap()
    expect(requester.locator("#locate-status")).to_contain_text("Your location is attached.")
    assert float(requester.locator("#lat").input_value()) == pytest.approx(NEAR_LEWES["latitude"], abs=1e-5)
    assert float(requester.locator("#lon").input_value()) == pytest.approx(NEAR_LEWES["longitude"], abs=1e-5)
    requester.get_by_label("Your name (or who to ask for)").fill("Margaret")
    requester.get_by_label("Phone").fill(PHONE_TYPED)
    snap(requester, "requester ask form filled")

    requester.get_by_role("button", name="Send my request").tap()
    requester.wait_for_url(re.compile(r"/t/[^/]+$"))
    tracking_url = requester.url
    status = requester.locator("#status")
    expect(requester.get_by_role("heading", name="We got your request")).to_be_visible()
    expect(status).to_contain_text("Received")
    expect(status).to_contain_text("Looking for volunteers")
    expect(status).to_contain_text(re.compile(r"finding volunteers near you|asked volunteers nearby"))
    snap(requester, "requester tracking received")
    mark_page(requester)
    # A poll that finds nothing new must leave the page as it is (the same ETag serves page and fragment).
    expect(status).to_contain_text("asked volunteers nearby", timeout=POLL)
    next_poll(requester, "/t/")
    one_page(requester, "#status", "tracking page after a poll with nothing new", layout)
    snap(requester, "requester tracking after a quiet poll")

    # --- Coordinator: the need reaches the board, and its page says who was offered it -----------
    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    card = coordinator.locator("a.card.need", has_text=DETAILS)
    expect(coordinator.locator("section.column-offered").locator("a.card.need", has_text=DETAILS)).to_be_visible(
        timeout=POLL)
    next_poll(coordinator, "/board/")  # the board was a full page load (after log-in): a quiet poll must not nest it
    one_page(coordinator, "#board", "board after a poll with nothing new", layout)
    snap(coordinator, "coordinator board offered")
    need_id = card.get_attribute("id").removeprefix("need-")
    card.tap()
    expect(coordinator).to_have_url(re.compile(rf"/board/needs/{need_id}$"))
    expect(coordinator.get_by_role("heading", name=f"Transport #{need_id}")).to_be_visible()
    offered = offered_names(coordinator)
    snap(coordinator, "coordinator need page matches")
    assert len(offered) >= 2, f"a 'Within a few hours' need should go to several volunteers at once, got {offered}"
    helper_name, other_name = offered[0], offered[1]
    helper_first = helper_name.split()[0]

    # --- Another offered volunteer sees the offer, but no phone number before anyone accepts -----
    other = phone("other volunteer")
    login(other, email_of(other_name), r"/me/$")
    other_offer = other.locator("article.offer", has_text="Transport")
    expect(other_offer).to_be_visible()
    expect(other_offer).to_contain_text("Why you:")
    assert not shows_phone(other.locator("body").inner_text()), "the phone number shows before acceptance"
    assert PHONE_E164 not in other.content(), "the phone number is in the offers page's HTML before acceptance"
    snap(other, "other volunteer offer no phone")

    # --- The helper: offer with reasons, accept, exact contact ----------------------------------
    helper = phone("volunteer")
    login(helper, email_of(helper_name), r"/me/$")
    offer = helper.locator("article.offer", has_text="Transport")
    expect(offer).to_be_visible()
    expect(offer.locator(".why")).to_contain_text("Why you:")
    assert len(offer.locator(".why").inner_text().replace("Why you:", "").strip()) > 3, "no reason given"
    assert not shows_phone(helper.locator("body").inner_text())
    snap(helper, "volunteer offers")

    # The coordinator watches the board live from here on.
    coordinator.get_by_role("link", name="Board").first.tap()
    expect(coordinator).to_have_url(re.compile(r"/board/$"))
    expect(coordinator.locator(f"#need-{need_id}")).to_be_visible()
    mark_page(coordinator)

    offer.get_by_role("button", name="Accept").tap()
    helper.wait_for_url(re.compile(r"/me/tasks/\d+$"))
    expect(helper.locator(".flash-ok")).to_contain_text("It's yours")
    task = helper.locator("#task")
    expect(task).to_contain_text(DETAILS)
    expect(task.get_by_role("link", name="Call +44 7911 123456")).to_have_attribute("href", f"tel:{PHONE_E164}")
    expect(task).to_contain_text("Margaret")
    snap(helper, "volunteer task accepted")

    # --- Requester sees the name, by polling (no reload) ----------------------------------------
    expect(status).to_contain_text(f"{helper_first} will help you", timeout=POLL)
    assert_not_reloaded(requester)
    assert requester.url == tracking_url
    one_page(requester, "#status", "tracking page once a volunteer accepted", layout)
    snap(requester, "requester tracking helper named")

    # --- On my way ------------------------------------------------------------------------------
    helper.get_by_label("When will you be there? (optional)").fill("15 minutes")
    helper.get_by_role("button", name="I'm on my way").tap()
    expect(helper.locator(".flash-ok")).to_contain_text("on your way")
    expect(helper.get_by_role("button", name="I'm on my way")).to_have_count(0)
    expect(helper.get_by_role("button", name="Yes, it's done")).to_be_visible()
    snap(helper, "volunteer on my way")

    expect(status).to_contain_text(f"{helper_first} is on the way", timeout=POLL)
    expect(status).to_contain_text("15 minutes")
    assert_not_reloaded(requester)
    one_page(requester, "#status", "tracking page once the volunteer is on the way", layout)
    snap(requester, "requester tracking on the way")

    # Opening the link again (after polls cached the fragment) shows the whole page, not a bare fragment.
    requester.reload()
    expect(status).to_contain_text(f"{helper_first} is on the way")
    one_page(requester, "#status", "tracking page opened again", layout)
    if not requester.get_by_role("heading", name="Your request").is_visible():
        layout.append(f"tracking page opened again: no 'Your request' heading, {requester.url} shows a bare fragment")
    snap(requester, "requester tracking reopened")

    # --- Coordinator board moved the card on its own ---------------------------------------------
    moved = coordinator.locator(f"section.column-accepted #need-{need_id}, section.column-in_progress #need-{need_id}")
    expect(moved).to_be_visible(timeout=POLL)
    expect(moved).to_contain_text(helper_first)
    assert_not_reloaded(coordinator)
    next_poll(coordinator, "/board/")
    one_page(coordinator, "#board", "board after the card moved", layout)
    snap(coordinator, "coordinator board in progress")

    # --- The other volunteer's offer is withdrawn once the only slot is taken --------------------
    other.reload()
    expect(other.locator("article.offer", has_text="Transport")).to_have_count(0)
    assert not shows_phone(other.locator("body").inner_text())
    snap(other, "other volunteer after someone accepted")

    # --- Reported together: pages broken by polling, console errors, CSP violations, failed requests ---
    assert not page_problems.csp(), "CSP violations:\n" + "\n".join(page_problems.csp())
    problems = [*(f"layout: {line}" for line in layout), *page_problems.lines]
    assert not problems, "problems in the browser:\n" + "\n".join(problems)


def test_a_requester_corrects_a_place_that_was_not_found(phone, shoot, page_problems):
    """Typed a place nobody can find: the tracking page says so and links to the edit form, whose
    "Use my location" places the need, and volunteers are asked, all at 360x740."""
    requester = phone("requester fixing the place", geolocation=NEAR_LEWES, permissions=["geolocation"])
    requester.goto("/ask")
    requester.get_by_role("radio", name="Food").check()
    requester.get_by_label("Tell us what is needed").fill("Bread and soup for two days")
    requester.get_by_label("Address, street or town").fill("Qwertyplace nowhere")
    requester.get_by_label("Phone").fill(PHONE_TYPED)
    requester.get_by_role("button", name="Send my request").tap()
    requester.wait_for_url(re.compile(r"/t/[^/]+$"))
    status = requester.locator("#status")
    expect(status.locator("#place-not-found")).to_contain_text("could not find “Qwertyplace nowhere”", timeout=POLL)
    shoot(requester, "requester place not found")

    status.get_by_role("link", name="Correct the place").tap()
    requester.wait_for_url(re.compile(r"/t/[^/]+/edit#where$"))
    expect(requester.locator("#place-not-found")).to_be_visible()
    requester.get_by_role("button", name="Use my location").tap()
    expect(requester.locator("#locate-status")).to_contain_text("Your location is attached.")
    assert not overflow(requester), f"the edit form is wider than the screen: {overflow(requester)}"
    shoot(requester, "requester edit form place attached")
    requester.get_by_role("button", name="Save changes").tap()
    requester.wait_for_url(re.compile(r"/t/[^/]+$"))
    expect(status).to_contain_text("asked volunteers nearby", timeout=POLL)
    expect(status.locator("#place-not-found")).to_have_count(0)
    shoot(requester, "requester place fixed and volunteers asked")
    assert not page_problems.lines, "problems in the browser:\n" + "\n".join(page_problems.lines)
