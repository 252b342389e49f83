"""End-to-end fixtures: the real app on a loopback port, and Debian's Chromium through Playwright.

Nothing here skips: a missing browser or Playwright is a failure with a message that says
how to fix it, so a green run always means the browser really ran.
"""
import os
import re
import socket
import threading
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# A cheap phone: 360 px wide, touch, 2x pixels.
PHONE = dict(viewport={"width": 360, "height": 740}, screen={"width": 360, "height": 740},
             is_mobile=True, has_touch=True, device_scale_factor=2, locale="en-GB",
             timezone_id="Europe/London")
PASSWORD = "demo-password"

# Runs in every page before its own scripts (init scripts are not subject to the page's CSP):
# a CSP violation becomes a console error the fixtures below collect.
REPORT_CSP = """
document.addEventListener("securitypolicyviolation", function (e) {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                + " at " + (e.sourceFile || "?") + ":" + (e.lineNumber || "?"));
});
"""


@pytest.fixture(scope="session")
def chromium_path():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. The e2e tests drive Debian's Chromium: run "
            "`apt-get update && apt-get install -y chromium` (or set E2E_CHROMIUM to a Chromium binary). "
            "Do not run `playwright install`: it cannot download anything here.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: `pip install -e '.[test]'` (the Python package only).",
                    pytrace=False)
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="session")
def browser(playwright_api, chromium_path):
    browser = playwright_api.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app with its schema built by the migrations and the Lewes demo data, served on loopback."""
    import flask_migrate
    from werkzeug.serving import make_server

    from aid import create_app
    from aid.extensions import db
    from aid.services import demo

    db_file = tmp_path_factory.mktemp("e2e-db") / "aid.sqlite"
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
        "RATELIMIT_ENABLED": False,
        "SWEEP_SECONDS": 0,
        "SECRET_KEY": "e2e",
        "REMEMBER_COOKIE_SECURE": False,
        "TESTING": False,
    })
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed()
        db.session.commit()

    port = _free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    app.config["E2E_BASE_URL"] = f"http://127.0.0.1:{port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def base_url(live_app):
    return live_app.config["E2E_BASE_URL"]


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):  # no screenshot from an earlier run passes for this one's
        old.unlink()
    return ARTIFACTS


class PageProblems:
    """Console errors, uncaught exceptions, CSP violations and failed responses, per role."""

    # Chromium fetches /favicon.ico on its own and logs the app's 404 as a console error.
    # It is not the page's fault, so it is kept apart and reported as a warning, not hidden.
    TOLERATED = ("/favicon.ico",)

    def __init__(self):
        self.lines = []
        self.tolerated = []

    def watch(self, page, role):
        def on_console(message):
            if message.type == "error":
                source = (message.location or {}).get("url", "")
                line = f"[{role}] console error: {message.text} (page {page.url}, source {source or '?'})"
                if urlsplit(source).path in self.TOLERATED:
                    self.tolerated.append(line)
                else:
                    self.lines.append(line)

        def on_response(response):
            if response.status >= 400:
                self.lines.append(f"[{role}] HTTP {response.status} {response.request.method} {response.url}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.lines.append(f"[{role}] uncaught: {error} ({page.url})"))
        page.on("response", on_response)
        def on_failed(request):
            kind = request.resource_type + (", navigation" if request.is_navigation_request() else "")
            line = f"[{role}] request failed: {request.method} {request.url} {request.failure} ({kind}, on {page.url})"
            # A page that moves on cancels its own pending loads (an icon still coming when the
            # form's answer navigates): the browser's doing, not the page's; kept as a warning.
            cancelled = request.failure == "net::ERR_ABORTED" and urlsplit(request.url).path.startswith("/static/")
            (self.tolerated if cancelled else self.lines).append(line)

        page.on("requestfailed", on_failed)

    def csp(self):
        return [line for line in self.lines if "CSP violation" in line or "Content Security Policy" in line]


@pytest.fixture
def page_problems():
    problems = PageProblems()
    yield problems
    for line in sorted(set(problems.tolerated)):
        warnings.warn(f"tolerated browser noise: {line}", stacklevel=1)


@pytest.fixture
def phone(browser, base_url, page_problems):
    """Open a fresh phone-sized browser context (its own cookies) for one person; returns its page."""
    contexts = []

    def open_phone(role, **options):
        context = browser.new_context(base_url=base_url, **{**PHONE, **options})
        context.set_default_timeout(10_000)
        context.add_init_script(REPORT_CSP)
        contexts.append(context)
        page = context.new_page()
        page_problems.watch(page, role)
        return page

    yield open_phone
    for context in contexts:
        context.close()


@pytest.fixture
def shoot(artifacts):
    """Save a full-page screenshot named NN-step.png, in the order taken."""
    counter = iter(range(1, 1000))

    def take(page, name):
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = artifacts / f"{next(counter):02d}-{slug}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login():
    def log_in(page, email, landing):
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Log in").tap()
        page.wait_for_url(re.compile(landing))

    return log_in
