"""pytest fixtures for the local peers: a real SMTP server, SMS gateway and push service on 127.0.0.1."""
import pytest

from tests.peers.push_service import PushService
from tests.peers.sms_gateway import SmsGateway
from tests.peers.smtp import SmtpPeer
from tests.peers.tls import LoopbackCertificate


@pytest.fixture
def smtp_peer():
    """A plain SMTP server (no TLS, no AUTH) that records messages; `smtp_peer.url()` for SMTP_URL."""
    with SmtpPeer() as peer:
        yield peer


@pytest.fixture(scope="session")
def loopback_cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1; `.client_context()` trusts it."""
    return LoopbackCertificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def sms_gateway():
    """A Twilio-compatible Messages API; its `url`, `account_sid`, `auth_token` are the SMS_* settings."""
    with SmsGateway() as gateway:
        yield gateway


@pytest.fixture
def push_service():
    """A push service; `push_service.subscribe(vapid_public_key)` gives a browser-like subscription."""
    with PushService() as service:
        yield service
