"""The common purse on phones: money in, spending asked by the helper, approved and paid by a second coordinator.

Real Chromium at 360x740, the real app on loopback with the demo data (Rosa and Kofi coordinate
Lewes; Chloe and Priya are members). Chloe holds an accepted need, set up in the database the
way accepting it would leave it.
"""
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.test_accessibility import choose_language, violations
from tests.e2e.test_need_journey import overflow

pytestmark = pytest.mark.e2e

HIDDEN = "Quiet Neighbour"
WHAT = "Prescription for Mrs Hill"


def _accepted_need(app, email):
    """A medicine need of the demo union whose one slot the volunteer holds; its id."""
    from aid.extensions import db
    from aid.models import Match, MatchState, NeedStatus, Union, User, utcnow
    from aid.services import needs

    with app.app_context():
        volunteer = db.session.scalar(sa.select(User).where(User.email == email)).volunteer
        union = db.session.scalar(sa.select(Union).where(Union.slug == "lewes"))
        need, _token, _work = needs.create_need(dict(
            category="medicine", details="Collect a prescription from Boots", urgency="normal", people=1,
            contact_phone="+447911123456", summary="Prescription pick-up"), utcnow())
        db.session.flush()
        need.union_id, need.status = union.id, NeedStatus.ASSIGNED
        need.slots[0].volunteer_id = volunteer.id
        db.session.add(Match(need_id=need.id, slot_id=need.slots[0].id, volunteer_id=volunteer.id,
                             state=MatchState.ACCEPTED))
        db.session.commit()
        return need.id


def _to_purse(page):
    page.get_by_role("link", name="Purse").tap()
    page.wait_for_url(re.compile(r"/purse/lewes$"))


def test_purse_journey(live_app, phone, login, shoot, page_problems):
    layout = []

    def snap(page, name):
        if wide := overflow(page):
            layout.append(f"{name}: wider than the screen at {page.url}: {wide}")
        shoot(page, name)

    need_id = _accepted_need(live_app, "chloe@example.org")

    # --- A coordinator records a contribution whose giver stays anonymous to members -------------
    rosa = phone("coordinator")
    login(rosa, "coordinator@example.org", r"/board/$")
    _to_purse(rosa)
    before = rosa.locator(".amount-big").inner_text()
    rosa.get_by_role("link", name="Record a contribution").tap()
    rosa.get_by_label("Amount").fill("25.00")
    rosa.get_by_label("From whom (optional)").fill(HIDDEN)
    snap(rosa, "purse coordinator records a contribution")
    rosa.get_by_role("button", name="Record it").tap()
    rosa.wait_for_url(re.compile(r"/purse/lewes$"))
    expect(rosa.locator(".flash-ok")).to_contain_text("Contribution recorded.")
    expect(rosa.locator("li.entry", has_text=HIDDEN)).to_contain_text("hidden from members")
    assert rosa.locator(".amount-big").inner_text() != before

    # --- The volunteer who accepted the need asks the purse to pay for it ------------------------
    chloe = phone("volunteer")
    login(chloe, "chloe@example.org", r"/me/$")
    _to_purse(chloe)
    chloe.get_by_role("link", name="Ask the purse to pay").tap()
    chloe.get_by_label("For which request").select_option(str(need_id))
    chloe.get_by_label("What it pays for").fill(WHAT)
    chloe.get_by_label("Amount").fill("12.40")
    snap(chloe, "purse volunteer asks for spending")
    chloe.get_by_role("button", name="Ask for it").tap()
    chloe.wait_for_url(re.compile(r"/purse/lewes$"))
    asked = chloe.locator("li.entry", has_text=WHAT)
    expect(asked).to_contain_text("waiting for approval")
    expect(asked).to_contain_text(f"request #{need_id}")
    expect(asked.get_by_role("button", name="Approve")).to_have_count(0)  # a member never approves
    snap(chloe, "purse volunteer request waiting")

    # --- A second coordinator approves, pays outside the app, and marks it paid ------------------
    kofi = phone("second coordinator")
    login(kofi, "treasurer@example.org", r"/board/$")
    _to_purse(kofi)
    entry = kofi.locator("li.entry", has_text=WHAT)
    snap(kofi, "purse second coordinator sees the request")
    entry.get_by_role("button", name="Approve").tap()
    expect(kofi.locator(".flash-ok")).to_contain_text("Approved.")
    expect(entry).to_contain_text("approved, to pay")
    entry.locator("summary", has_text="Mark paid").tap()
    entry.get_by_label("Payment reference (receipt or transfer number)").fill("Boots receipt 4471")
    entry.locator("form button", has_text="Mark paid").tap()
    expect(kofi.locator(".flash-ok")).to_contain_text("Marked paid.")
    expect(entry).to_contain_text("paid")
    expect(entry).to_contain_text("reference Boots receipt 4471")
    expect(entry).to_contain_text("approved by Kofi")
    snap(kofi, "purse spending approved and paid")

    # --- A member reads the ledger: the spending paid, the contributor anonymous -----------------
    priya = phone("member")
    login(priya, "priya@example.org", r"/me/$")
    _to_purse(priya)
    expect(priya.locator("li.entry", has_text=WHAT)).to_contain_text("paid")
    assert HIDDEN not in priya.content()
    expect(priya.locator("li.entry", has_text="+£25.00").first).to_contain_text("From an anonymous contributor")
    expect(priya.locator("li.entry", has_text="Lewes Quakers")).to_be_visible()  # a name shown by choice
    snap(priya, "purse member ledger")

    assert not page_problems.csp(), "CSP violations:\n" + "\n".join(page_problems.csp())
    problems = [*(f"layout: {line}" for line in layout), *page_problems.lines]
    assert not problems, "problems in the browser:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_every_purse_page_has_no_axe_violations_and_fits_the_phone(phone, login, shoot, language):
    problems = []
    kofi = phone("coordinator")
    login(kofi, "treasurer@example.org", r"/board/$")
    choose_language(kofi, language)
    for path in ("/purse/lewes", "/purse/lewes/contribute", "/purse/lewes/spend"):
        kofi.goto(path)
        kofi.wait_for_load_state("networkidle")
        kofi.locator("details").evaluate_all("nodes => nodes.forEach(n => n.open = true)")  # the folded forms too
        problems += [f"{path}: {line}" for line in violations(kofi)]
        problems += [f"{path}: wider than the screen: {wide}" for wide in overflow(kofi)]
        shoot(kofi, f"purse {language} {path}")
    kofi.goto("/purse/lewes/contribute")
    kofi.locator("#amount").fill("12.40.5")
    kofi.locator("#contribute-form button").tap()
    expect(kofi.locator(".error-summary")).to_be_visible()
    problems += [f"contribute with errors: {line}" for line in violations(kofi)]
    shoot(kofi, f"purse {language} contribute with errors")
    assert not problems, "\n".join(problems)
