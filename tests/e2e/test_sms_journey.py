"""A need posted on one phone reaches a volunteer by SMS, is taken by a text, and the requester is texted.

The app runs as a newcomer would configure it from the README (SMS_API_URL and the account
settings), against a real local gateway that speaks the Twilio-compatible Messages API.
"""
import re
import threading
import time
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from aid.extensions import db
from aid.models import User, utcnow
from tests.peers.sms_gateway import SmsGateway

GATEWAY_NUMBER = "+15005550006"
SAM_PHONE = "+447700900123"
REQUESTER_PHONE, REQUESTER_E164 = "07911 123456", "+447911123456"


@pytest.fixture(scope="module")
def gateway():
    with SmsGateway() as peer:
        yield peer


@pytest.fixture(scope="module")
def sms_base_url(tmp_path_factory, gateway):
    """The demo app with SMS on, served on loopback; Sam's phone is checked and he wants texts first."""
    import flask_migrate
    from werkzeug.serving import make_server

    from aid import create_app, edge
    from aid.services import demo

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('sms-e2e')}/aid.sqlite",
        "RATELIMIT_ENABLED": False, "SWEEP_SECONDS": 0, "SECRET_KEY": "e2e-sms", "REMEMBER_COOKIE_SECURE": False,
        "SMS_API_URL": gateway.url, "SMS_ACCOUNT_SID": gateway.account_sid, "SMS_AUTH_TOKEN": gateway.auth_token,
        "SMS_FROM": GATEWAY_NUMBER,
    })
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed()
        sam = db.session.scalar(sa.select(User).where(User.email == "sam@example.org")).volunteer
        sam.channels, sam.phone, sam.phone_verified_at = "sms,email", SAM_PHONE, utcnow()
        edge.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def texts_to(gateway, number, pattern, timeout=20):
    """The texts to `number` once one matches `pattern` (the matcher works in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        bodies = [m.body for m in gateway.messages if m.to == number]
        if any(re.search(pattern, body) for body in bodies):
            return bodies
        time.sleep(0.2)
    raise AssertionError(f"no text to {number} matching {pattern!r}: {[m.body for m in gateway.messages]}")


def text_from(gateway, base_url, number, body):
    """Post an inbound SMS to the app's webhook, signed as the gateway signs it."""
    url = f"{base_url}/sms/inbound"
    fields = gateway.inbound_fields(number, body, to=GATEWAY_NUMBER)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                     headers=gateway.signed_headers(url, fields))
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200 and b"<Response/>" in response.read()


@pytest.mark.e2e
def test_a_need_posted_on_a_phone_is_offered_by_sms_taken_by_a_reply_and_the_requester_is_texted(
        browser, gateway, sms_base_url, shoot):
    from tests.e2e.conftest import PHONE

    requester = browser.new_context(base_url=sms_base_url, **PHONE).new_page()
    requester.goto("/ask")
    requester.get_by_label("Transport").check()
    requester.get_by_label("Tell us what is needed").fill("A lift to the clinic at 3pm, I cannot walk far")
    requester.get_by_label("Within a few hours").check()
    requester.get_by_label("Address, street or town").fill("Lewes")
    requester.get_by_label("Phone").fill(REQUESTER_PHONE)
    requester.get_by_label(re.compile("Text me updates")).check()
    requester.get_by_role("button", name="Send my request").tap()
    requester.wait_for_url(re.compile(r"/t/[\w-]{43}$"))

    [offer] = texts_to(gateway, SAM_PHONE, r"Reply YES \d{4}")
    code = re.search(r"YES (\d{4})", offer).group(1)
    # Not "7911" alone: one offer code in a thousand is 7911 (791 and its check digit).
    assert "clinic" not in offer and "123456" not in offer, "an offer text carries no personal data"

    text_from(gateway, sms_base_url, SAM_PHONE, f"yes {code}")
    to_sam = texts_to(gateway, SAM_PHONE, r"7911\s?123456|" + re.escape(REQUESTER_E164))
    assert any("Lewes" in body for body in to_sam), to_sam  # the place, to the one who took it
    told = texts_to(gateway, REQUESTER_E164, r"Sam")
    assert all(SAM_PHONE not in body for body in told)

    expect(requester.locator("#status")).to_contain_text("Sam", timeout=10_000)  # the page updates by itself
    shoot(requester, "requester page after an SMS yes")
