"""Web push with VAPID: `WebPush(private_key, subject).send(message) -> Receipt`, and new key pairs."""
import base64
import hashlib
import json
import logging
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from aid.adapters.channels import PermanentFailure, Receipt, SubscriptionGone, TemporaryFailure

log = logging.getLogger("aid.channels.push")


class WebPush:
    """Encrypts (aes128gcm) and signs (VAPID) one push to the service named by the subscription.

    `message.to` is the subscription's JSON; the payload is JSON {title, body, url, tag, actions}
    for the service worker to show (a second copy with the same tag replaces the first). A 404/410 means the browser dropped the subscription: SubscriptionGone.
    """

    channel = "push"

    def __init__(self, private_key, subject, timeout=10.0):
        self.vapid = Vapid.from_string(private_key)
        self.subject, self.timeout = subject, timeout

    @classmethod
    def from_config(cls, config):
        """None when no VAPID key is configured: no push channel."""
        if not config.get("VAPID_PRIVATE_KEY"):
            return None
        return cls(config["VAPID_PRIVATE_KEY"], config["VAPID_SUBJECT"], config["SEND_TIMEOUT"])

    def send(self, message):
        """Returns the push service's id for the message (its Location); raises on refusal or outage."""
        subscription = _subscription(message.to)
        payload = {"title": message.subject, "body": message.text, "url": message.url}
        if message.actions:
            payload["actions"] = list(message.actions)
        if message.key:
            payload["tag"] = _topic(message.key)["Topic"]
        payload = json.dumps(payload)
        try:
            answer = webpush(subscription, payload, vapid_private_key=self.vapid, vapid_claims={"sub": self.subject},
                             ttl=max(1, int(message.ttl)), timeout=self.timeout, headers=_topic(message.key))
        except WebPushException as error:
            raise self._logged(message, subscription, _failure(error)) from None
        except requests.RequestException as error:  # refused, timed out, reset
            failure = TemporaryFailure(f"push service unreachable: {type(error).__name__}")
            raise self._logged(message, subscription, failure) from None
        log.info("push %s via %s: %s", message.ref, _host(subscription), answer.status_code)
        return Receipt(self.channel, answer.headers.get("Location"), "created")

    def _logged(self, message, subscription, failure):
        log.warning("push %s via %s failed: %s code=%s", message.ref, _host(subscription),
                    type(failure).__name__, failure.code)
        return failure


def _subscription(text):
    """The browser's subscription JSON; one that cannot be read will never work."""
    try:
        subscription = json.loads(text)
        subscription["endpoint"], subscription["keys"]["p256dh"], subscription["keys"]["auth"]  # noqa: B018
    except (ValueError, TypeError, KeyError) as error:
        raise SubscriptionGone(f"unreadable push subscription: {type(error).__name__}") from None
    return subscription


def _failure(error):
    # `if error.response:` would be False here: a requests Response is falsy for 4xx and 5xx.
    status = error.response.status_code if error.response is not None else None
    if status in (404, 410):
        return SubscriptionGone(f"push subscription gone ({status})", code=status)
    if status is None or status == 429 or status >= 500:
        retry_after = error.response.headers.get("Retry-After") if error.response is not None else None
        return TemporaryFailure(f"push service answered {status}", status,
                                int(retry_after) if (retry_after or "").isdecimal() else None)
    return PermanentFailure(f"push service refused: {status}", code=status)  # 400, 401, 403, 413


def _topic(key):
    """A Topic header from the message key: a retry replaces an undelivered copy instead of adding one."""
    if not key:
        return {}
    return {"Topic": base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()).decode()[:32]}


def _host(subscription):
    """Logs name the push service, never the endpoint (its path identifies the browser)."""
    return urlsplit(subscription["endpoint"]).hostname


def new_vapid_keys():
    """A new VAPID key pair as the settings take it: (private, public), both base64url without padding.

    The public one is the browser's `applicationServerKey` (an uncompressed P-256 point).
    """
    vapid = Vapid()
    vapid.generate_keys()
    number = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    point = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return _b64(number), _b64(point)


def _b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
