"""Every page of the three paths passes axe (WCAG 2.2 AA) in all languages; the ask page is light and fast."""
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

AXE = Path(os.environ.get("AID_AXE_JS", Path(__file__).resolve().parents[2] / ".cache/axe-core/axe.min.js"))
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def violations(page):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE} (scripts/test installs it)")
    page.evaluate("source => (0, eval)(source)", AXE.read_text())  # through DevTools: the page's CSP stays on
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def choose_language(page, code):
    page.goto("/")
    with page.expect_navigation():  # the switch answers HX-Redirect: wait for that page, or the next goto races it
        page.locator(f'footer button[value="{code}"]').click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if code == "ar" else "ltr")
    if code == "ar":  # laid out right to left: the brand sits at the right edge, the menu at the left
        brand, menu = page.locator(".brand").bounding_box(), page.locator(".top nav").bounding_box()
        assert brand["x"] > menu["x"], (brand, menu)


def check(page, path, problems, label=None):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    problems += [f"{label or path}: {line}" for line in violations(page)]


@pytest.mark.e2e
@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_every_page_of_each_path_has_no_axe_violations(phone, login, language):
    problems = []
    requester = phone("requester")
    choose_language(requester, language)
    for path in ("/", "/ask", "/login", "/signup"):
        check(requester, path, problems)
    requester.goto("/ask")
    requester.locator("#ask-form button[type=submit]").click()  # empty: every error shown
    expect(requester.locator(".error-summary")).to_be_visible()
    problems += [f"/ask with errors: {line}" for line in violations(requester)]

    volunteer = phone("volunteer")
    login(volunteer, "sam@example.org", r"/me/$")
    choose_language(volunteer, language)
    for path in ("/me/", "/me/profile"):
        check(volunteer, path, problems)

    coordinator = phone("coordinator")
    login(coordinator, "coordinator@example.org", r"/board/$")
    choose_language(coordinator, language)
    for path in ("/board/", "/board/roster", "/board/numbers"):
        check(coordinator, path, problems)
    cards = coordinator.locator("a.card.need")
    if cards.count():
        check(coordinator, cards.first.get_attribute("href"), problems, "need page")
    assert not problems, "\n".join(problems)


@pytest.mark.e2e
def test_the_ask_page_weighs_under_50_kb_from_this_host_only_and_renders_on_slow_3g(phone, base_url):
    page = phone("requester on a slow phone network")
    sizes, hosts, inline = {}, set(), set()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))

    def sent(event):  # a data: URL (Chromium's own date-picker icon) comes from no host and over no network
        url = event["request"]["url"]
        if url.startswith("data:"):
            inline.add(event["requestId"])
        else:
            hosts.add(re.match(r"https?://[^/]+", url).group(0))

    cdp.on("Network.requestWillBeSent", sent)
    # Chromium DevTools' "Slow 3G": 400 ms round trips, about 50 KB/s down, 50 KB/s up.
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 400,
                                                   "downloadThroughput": 50 * 1024, "uploadThroughput": 50 * 1024})
    page.goto("/ask", wait_until="load")
    page.wait_for_timeout(500)  # late requests (the service worker registration, icons)
    usable_ms = page.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd")
    total = sum(size for request, size in sizes.items() if request not in inline)
    print(f"ask page: {total} bytes, usable after {usable_ms:.0f} ms on slow 3G")
    assert hosts == {base_url}, hosts
    assert total <= 50 * 1024, f"{total} bytes"
    assert usable_ms <= 3000, f"usable after {usable_ms:.0f} ms"
    expect(page.get_by_role("button", name="Send my request")).to_be_visible()
