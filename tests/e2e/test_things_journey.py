"""Shared things at 360x740: a member offers a spare bed, a requester asks for shelter for two nights,
the matcher offers the bed with its reasons, the owner confirms, the requester's page shows it, and
the board shows the booking, then its late return. Axe-clean in English, Spanish and Arabic.
"""
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.test_accessibility import check, choose_language, violations

pytestmark = pytest.mark.e2e

# Newhaven, about 9 km south of Lewes: far enough from the group's camp beds in the town's hall
# that a bed on the spot ranks first (closeness weighs 0.6, a pool's spare share 0.3).
NEWHAVEN = {"latitude": 50.7930, "longitude": 0.0470, "accuracy": 30}
BED = "Sofa bed in the front room"
NOTES = "Side door, ring twice"
POLL = 20_000


def _local_input(days, hour):
    """A datetime-local value `days` from now at `hour`:00 in the site's zone."""
    local = datetime.now(UTC).astimezone(ZoneInfo("Europe/London")) + timedelta(days=days)
    return local.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def _offer_the_bed(owner, shoot):
    owner.get_by_role("link", name="Things").first.tap()
    owner.get_by_role("link", name="Offer a thing").tap()
    owner.get_by_role("radio", name="Bed or room").check()
    owner.get_by_label("Name it in a few words").fill(BED)
    locate = owner.get_by_role("button", name="Use my location")
    expect(locate).to_be_visible()
    locate.tap()
    expect(owner.locator("#locate-status")).to_contain_text("Your location is attached.")
    owner.get_by_label("Hand-over notes, shown only to whoever books it").fill(NOTES)
    shoot(owner, "owner offers a spare bed")
    owner.get_by_role("button", name="Offer it").tap()
    expect(owner.locator("#my-things")).to_contain_text(BED)


def _ask_for_shelter(requester, shoot):
    requester.goto("/ask")
    requester.get_by_role("radio", name="Shelter").check()
    requester.get_by_label("Tell us what is needed").fill("Our flat flooded, somewhere to sleep for two nights")
    requester.get_by_text("Also need a bed, a vehicle, food or a tool?").tap()
    requester.get_by_label("Which thing?").select_option("bed_room")
    requester.get_by_label("From").fill(_local_input(1, 18))
    requester.get_by_label("Until").fill(_local_input(3, 10))
    requester.get_by_role("button", name="Use my location").tap()
    expect(requester.locator("#locate-status")).to_contain_text("Your location is attached.")
    requester.get_by_label("Phone").fill("07911 123456")
    shoot(requester, "requester asks for shelter and a bed for two nights")
    requester.get_by_role("button", name="Send my request").tap()
    expect(requester).to_have_url(re.compile(r"/t/[\w-]+$"))


def test_a_spare_bed_offered_matched_confirmed_shown_and_returned_late(phone, login, shoot, live_app, page_problems):
    owner = phone("owner", geolocation=NEWHAVEN, permissions=["geolocation"])
    login(owner, "mia@example.org", r"/me/$")
    _offer_the_bed(owner, shoot)

    requester = phone("requester", geolocation=NEWHAVEN, permissions=["geolocation"])
    _ask_for_shelter(requester, shoot)
    things_part = requester.locator("#need-things")
    expect(things_part).to_contain_text(f"We found one: {BED}. Waiting for its owner to confirm.", timeout=POLL)
    expect(things_part).not_to_contain_text(NOTES)
    shoot(requester, "requester sees the bed held")

    owner.reload()
    card = owner.locator("article.booking").filter(has_text=BED)
    expect(card).to_contain_text("Why this one:")
    reasons = card.locator(".hint").first.inner_text()
    assert re.search(r"\d+\.\d km · free \w+ \d+ \w+ 18:00 to \w+ \d+ \w+ 10:00", reasons), reasons
    shoot(owner, "owner sees the hold with its reasons")
    card.get_by_role("button", name="Yes, lend it").tap()
    expect(owner.locator("article.booking").filter(has_text=BED)).to_contain_text("confirmed")

    expect(things_part).to_contain_text(f"{BED} is yours: confirmed.", timeout=POLL)  # by polling
    expect(things_part).to_contain_text(NOTES)
    shoot(requester, "requester sees the bed confirmed with the hand-over notes")

    owner.locator("article.booking").filter(has_text=BED).get_by_role("button", name="Handed over").tap()
    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    booking = coordinator.locator("#board-bookings article.booking").filter(has_text=BED)
    expect(booking).to_contain_text("handed over")
    expect(booking).not_to_have_class(re.compile(r"\b(soon|late)\b"))
    shoot(coordinator, "board shows the booking")
    for hours_late, flag in ((2, "soon"), (30, "late")):
        _end_the_booking_hours_ago(live_app, hours_late)
        coordinator.reload()
        expect(booking).to_have_class(re.compile(rf"\bbooking {flag}\b"))
        expect(booking).to_contain_text("Not back yet")
        shoot(coordinator, f"board shows a late return ({flag})")
    assert not violations(coordinator)
    assert not page_problems.lines, "\n".join(page_problems.lines)


def _end_the_booking_hours_ago(app, hours):
    """A seeded past window: the bed was due back `hours` ago."""
    from aid.extensions import db
    from aid.models import Booking, Thing, utcnow

    with app.app_context():
        booking = db.session.scalar(sa.select(Booking).join(Thing).where(Thing.title == BED))
        booking.ends_at = utcnow() - timedelta(hours=hours)
        booking.starts_at = booking.ends_at - timedelta(days=2)
        db.session.commit()


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_the_things_pages_have_no_axe_violations(phone, login, language):
    problems = []
    member = phone("member")
    login(member, "priya@example.org", r"/me/$")
    choose_language(member, language)
    for path in ("/things/", "/things/new"):
        check(member, path, problems)
    member.goto("/things/")
    check(member, member.locator("a.card.thing").first.get_attribute("href"), problems, "a thing's page")
    member.goto("/things/new")
    member.locator("#thing-form button.btn-primary").click()  # empty: every error shown
    expect(member.locator(".error-summary")).to_be_visible()
    problems += [f"/things/new with errors: {line}" for line in violations(member)]

    requester = phone("requester")
    choose_language(requester, language)
    requester.goto("/ask")
    requester.locator("#things-ask summary").click()
    problems += [f"/ask with the thing part open: {line}" for line in violations(requester)]

    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    choose_language(coordinator, language)
    for path in ("/hub/", "/hub/bookings", "/board/"):
        check(coordinator, path, problems)
    assert not problems, "\n".join(problems)
