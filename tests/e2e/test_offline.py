"""Asking for help with no connection, in a real Chromium at phone size.

The service worker keeps the form; a need sent offline is saved in IndexedDB, then sent
once when the connection is back (by the page, or by the worker's Background Sync), and
a second send of the same saved need never makes a second need.
"""
import re
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from aid.extensions import db
from aid.models import Need
from tests.e2e.conftest import CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

QUEUED = "No connection. Your request is saved on this phone and will be sent automatically when you are back online."
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

# Read a store straight from IndexedDB (not through the app's code): [[key, value], ...].
READ_STORE = """([name, store]) => new Promise((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onupgradeneeded = () => open.transaction.abort();  // never create it here
    open.onerror = () => resolve([]);
    open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains(store)) { db.close(); resolve([]); return; }
        const tx = db.transaction(store), keys = tx.objectStore(store).getAllKeys(), values = tx.objectStore(store).getAll();
        tx.oncomplete = () => { db.close(); resolve(keys.result.map((key, i) => [key, values.result[i]])); };
        tx.onerror = () => reject(tx.error);
    };
})"""
PUT_BACK = """([key, value]) => new Promise((resolve, reject) => {
    const open = indexedDB.open("aid-queue");
    open.onsuccess = () => {
        const tx = open.result.transaction("needs", "readwrite");
        tx.objectStore("needs").put(value, key);
        tx.oncomplete = () => { open.result.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
    };
})"""


def queued(page):
    return page.evaluate(READ_STORE, ["aid-queue", "needs"])


def stored(app, details):
    """(id, client_id) of every need in the database with these details."""
    with app.app_context():
        rows = db.session.execute(sa.select(Need.id, Need.client_id).where(Need.details == details)).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def open_ask_form_online(page):
    """Load the form while online; wait until the worker controls the page and has saved the form."""
    page.goto("/ask")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("""() => caches.keys().then(names => Promise.all(names.map(name =>
        caches.open(name).then(cache => cache.match("/ask", {ignoreVary: true}))))).then(found => found.some(Boolean))""")


def fill_need(page, details, phone_number="07911 123457"):
    page.get_by_label("Food").check()
    page.get_by_label("Tell us what is needed").fill(details)
    page.get_by_label("Address, street or town").fill("Lewes")
    page.get_by_label("Your name (or who to ask for)").fill("Mrs Offline")
    page.get_by_label("Phone").fill(phone_number)
    page.get_by_role("button", name="Send my request").tap()


def no_problems(page_problems):
    assert not page_problems.csp(), "CSP violations:\n" + "\n".join(page_problems.csp())
    assert not page_problems.lines, "browser problems:\n" + "\n".join(page_problems.lines)


def test_a_need_asked_offline_is_saved_on_the_phone_and_sent_once_when_back_online(
        phone, live_app, shoot, page_problems):
    details = f"Bottled water, the tap is off ({time.monotonic_ns()})"
    page = phone("requester offline")
    open_ask_form_online(page)
    client_id = page.locator("#client_id").input_value()
    assert CLIENT_ID.fullmatch(client_id), "the form gets its client id on load, even online"
    shoot(page, "offline ask form loaded online")

    page.context.set_offline(True)
    response = page.reload()
    assert response.from_service_worker and response.status == 200
    assert page.evaluate("navigator.onLine") is False
    expect(page.get_by_role("heading", name="Ask for help")).to_be_visible()
    shoot(page, "offline ask form from the phone's cache")

    fill_need(page, details)
    expect(page.get_by_text(QUEUED)).to_be_visible()
    shoot(page, "offline need saved on the phone")
    saved = queued(page)
    assert len(saved) == 1, saved
    key, fields = saved[0]
    assert CLIENT_ID.fullmatch(key) and ["client_id", key] in fields
    assert ["details", details] in fields
    names = set(page.evaluate("() => [...document.getElementById('ask-form').elements].map(e => e.name).filter(Boolean)"))
    assert {name for name, _ in fields} <= names - {"csrf_token"}, "only the form's own fields, never its CSRF token"
    assert stored(live_app, details) == []

    page.context.set_offline(False)  # the page sends it and opens its tracking page
    page.wait_for_url(re.compile(r"/t/[\w-]{43}$"))
    expect(page.get_by_role("heading", name="We got your request")).to_be_visible()  # with its "keep this link"
    shoot(page, "offline need sent when back online")
    need = stored(live_app, details)
    assert [client_id for _, client_id in need] == [key], "exactly one need, with the phone's id"
    assert queued(page) == [], "the saved copy is deleted once the server has it"

    # A stale copy sent again (say the answer was lost on the way) is the same need, same link.
    page.evaluate(PUT_BACK, [key, fields])
    results = page.evaluate("aidOffline.flush()")
    assert [(r["id"], r["status"], r["url"]) for r in results] == [(key, 200, urlpath(page.url))]
    assert stored(live_app, details) == need
    assert queued(page) == []
    no_problems(page_problems)


def test_background_sync_sends_a_saved_need_after_the_page_is_closed(phone, live_app, shoot, page_problems):
    details = f"Nappies and formula for a baby ({time.monotonic_ns()})"
    page = phone("requester background sync")
    context = page.context
    open_ask_form_online(page)
    context.set_offline(True)
    page.reload()
    fill_need(page, details)
    expect(page.get_by_text(QUEUED)).to_be_visible()
    [(key, _fields)] = queued(page)
    page.close()

    context.set_offline(False)
    blank = context.new_page()  # a page of no origin: nothing of the app runs in it
    dispatch_sync(context, blank, live_app.config["E2E_BASE_URL"])
    deadline = time.monotonic() + 10
    while not stored(live_app, details) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [client_id for _, client_id in stored(live_app, details)] == [key]

    page = context.new_page()  # the same phone, later
    page_problems.watch(page, "requester back later")
    page.goto("/")
    assert queued(page) == []
    expect(page.get_by_text("Your request saved on this phone has been sent.")).to_be_visible()
    shoot(page, "offline need sent in the background, link on the next visit")
    page.wait_for_load_state("networkidle")  # the favicon too: leaving cuts off what still loads
    page.get_by_role("link", name="Open its private page to follow it").tap()
    page.wait_for_url(re.compile(r"/t/[\w-]{43}$"))
    page.wait_for_load_state("networkidle")
    page.goto("/")
    expect(page.get_by_text("Your request saved on this phone has been sent.")).to_have_count(0)
    no_problems(page_problems)


def test_a_saved_need_the_server_refuses_comes_back_in_the_form_with_its_reasons(
        phone, live_app, shoot, page_problems):
    details = f"Someone to check on my neighbour ({time.monotonic_ns()})"
    page = phone("requester with a typo")
    open_ask_form_online(page)
    page.context.set_offline(True)
    page.reload()
    fill_need(page, details, phone_number="12")  # too short to be a phone number: only the server knows
    expect(page.get_by_text(QUEUED)).to_be_visible()
    [(key, _fields)] = queued(page)

    page.context.set_offline(False)
    expect(page.locator(".error-summary")).to_have_text("Please check the parts marked below. Nothing you typed is lost.")
    expect(page.locator("#offline-status")).to_be_empty()  # neither "saved" nor "check it" any more: it is here
    phone_field = page.get_by_label("Phone")
    expect(phone_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#contact_phone-error")).to_contain_text("That number is too short")
    expect(page.get_by_label("Tell us what is needed")).to_have_value(details)
    expect(page.get_by_label("Food")).to_be_checked()
    assert page.locator("#client_id").input_value() == key, "corrected and sent, it is still the same need"
    shoot(page, "offline need refused comes back with its reasons")
    assert queued(page) == [] and stored(live_app, details) == []

    phone_field.fill("07911 123458")
    page.get_by_role("button", name="Send my request").tap()
    page.wait_for_url(re.compile(r"/t/[\w-]{43}$"))
    assert [client_id for _, client_id in stored(live_app, details)] == [key]
    # The refusal itself, as the browser reports any 4xx (a response, and a console line); nothing else.
    refusal = [line for line in page_problems.lines if "/ask/replay" in line and "422" in line]
    assert len(refusal) == 2, page_problems.lines
    page_problems.lines[:] = [line for line in page_problems.lines if line not in refusal]
    no_problems(page_problems)


def test_chromium_finds_the_app_installable(playwright_api, chromium_path, base_url, tmp_path):
    """Chromium's own verdict. Its contexts are off the record (never installable), so a real profile."""
    context = playwright_api.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=chromium_path, args=CHROMIUM_ARGS, base_url=base_url)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto("/")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == [] and manifest["url"].endswith("/static/manifest.webmanifest")
    finally:
        context.close()


def dispatch_sync(context, page, origin):
    """Fire the worker's Background Sync event now, as Chromium does when the connection returns."""
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 5
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    [registration] = [r for r in registrations if r["scopeURL"].startswith(origin) and not r["isDeleted"]]
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": origin, "registrationId": registration["registrationId"],
                                                   "tag": "aid-replay", "lastChance": False})


def urlpath(url):
    return re.sub(r"^https?://[^/]+", "", url)


HELD = "Your request is saved on this phone and will be sent by itself in a few minutes."


@pytest.fixture
def strict_limits(live_app, tmp_path):
    """Rate limits on for one test: one request for help every 10 seconds from an address.

    The shared limiter gets its storage from an app built with limits on; the live app's
    limits read its own configuration on every request.
    """
    from aid import create_app
    from aid.extensions import limiter

    create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/limits.sqlite", "SECRET_KEY": "e2e",
                "SWEEP_SECONDS": 0, "RATELIMIT_ENABLED": True})
    saved = live_app.config["RATELIMIT_ASK_ADDRESS"]
    live_app.config["RATELIMIT_ASK_ADDRESS"] = "1 per 10 seconds"
    yield
    limiter.enabled = False
    live_app.config["RATELIMIT_ASK_ADDRESS"] = saved


def test_a_need_refused_by_a_rate_limit_comes_back_whole_and_is_sent_later_by_itself(
        phone, live_app, strict_limits, shoot, page_problems):
    stamp = time.monotonic_ns()
    first, second = f"Blankets for the shelter ({stamp})", f"Insulin, the fridge is off ({stamp})"
    page = phone("requester at a shelter")
    open_ask_form_online(page)
    fill_need(page, first, phone_number="07911 123471")
    page.wait_for_url(re.compile(r"/t/[\w-]{43}$"))  # the one request the address may send now

    open_ask_form_online(page)
    client_id = page.locator("#client_id").input_value()
    fill_need(page, second, phone_number="07911 123472")
    expect(page.get_by_text("Many requests came from your connection in a short time")).to_be_visible()
    expect(page.get_by_text(HELD)).to_be_visible()
    expect(page.get_by_text("then press “Send my request” again")).to_have_count(0)  # it goes by itself
    expect(page.get_by_label("Tell us what is needed")).to_have_value(second)
    expect(page.get_by_label("Food")).to_be_checked()
    shoot(page, "rate-limited need kept on the phone")
    assert [key for key, _ in queued(page)] == [client_id]
    assert stored(live_app, second) == []

    page.wait_for_url(re.compile(r"/t/[\w-]{43}$"), timeout=45_000)  # the page retries after the wait
    assert [cid for _, cid in stored(live_app, second)] == [client_id]
    assert queued(page) == []
    refusals = [line for line in page_problems.lines if "429" in line]
    assert refusals, "the limit really refused it first"
    page_problems.lines[:] = [line for line in page_problems.lines if line not in refusals]
    no_problems(page_problems)
