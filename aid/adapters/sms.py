"""SMS through a Twilio-compatible Messages API, and the check of its signed webhooks."""
import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlencode

from aid.adapters.channels import PermanentFailure, Receipt, TemporaryFailure, mask_number

log = logging.getLogger("aid.channels.sms")
DEFAULT_API_URL = "https://api.twilio.com"


class TwilioSms:
    """Posts one message to `{base}/2010-04-01/Accounts/{sid}/Messages.json` with basic auth.

    The API has no idempotency key: a timeout after the gateway took the message is reported as
    a TemporaryFailure, and a retry may send it twice. The status callback's `MessageSid` lets
    the caller notice.
    """

    channel = "sms"

    def __init__(self, account_sid, auth_token, sender, base_url=DEFAULT_API_URL, status_callback=None,
                 timeout=10.0):
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {credentials}", "Accept": "application/json"}
        self.sender, self.status_callback, self.timeout = sender, status_callback, timeout

    @classmethod
    def from_config(cls, config):
        """None when no account is configured: no SMS channel."""
        if not (config.get("SMS_ACCOUNT_SID") and config.get("SMS_AUTH_TOKEN") and config.get("SMS_FROM")):
            return None
        return cls(config["SMS_ACCOUNT_SID"], config["SMS_AUTH_TOKEN"], config["SMS_FROM"],
                   config.get("SMS_API_URL") or DEFAULT_API_URL, config.get("SMS_STATUS_CALLBACK") or None,
                   config["SEND_TIMEOUT"])

    def send(self, message):
        """Returns the gateway's sid and status; TemporaryFailure on 429/5xx/network, else PermanentFailure."""
        fields = {"To": message.to, "From": self.sender, "Body": message.text_with_url()}
        if self.status_callback:
            fields["StatusCallback"] = self.status_callback
        post = urllib.request.Request(self.url, data=urlencode(fields).encode(), headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(post, timeout=self.timeout) as answer:
                body = json.load(answer)
        except urllib.error.HTTPError as error:
            raise self._logged(message, _failure(error)) from None
        except (OSError, ValueError) as error:  # refused, timed out, reset, or not JSON
            raise self._logged(message, TemporaryFailure(f"SMS gateway unreachable: {type(error).__name__}")) from None
        log.info("sms %s to %s: %s %s", message.ref, mask_number(message.to), body.get("sid"), body.get("status"))
        return Receipt(self.channel, body.get("sid"), body.get("status", "queued"))

    def _logged(self, message, failure):
        log.warning("sms %s to %s failed: %s code=%s", message.ref, mask_number(message.to),
                    type(failure).__name__, failure.code)
        return failure


def _failure(error):
    """429 and 5xx are worth retrying; any other 4xx will fail the same way again (21211, 21610...)."""
    try:
        body = json.loads(error.read() or b"{}")
    except ValueError:
        body = {}
    code, reason = body.get("code"), f"SMS gateway {error.code}: {body.get('message', error.reason)}"
    if error.code == 429 or error.code >= 500:
        retry_after = error.headers.get("Retry-After")
        return TemporaryFailure(reason, code, int(retry_after) if (retry_after or "").isdecimal() else None)
    return PermanentFailure(reason, code)


def signature(auth_token, url, fields):
    """X-Twilio-Signature: base64(HMAC-SHA1(token, URL + each field name and value, sorted by name)).

    `fields` is a dict or a MultiDict (werkzeug's request.form); repeated names sign each value, sorted.
    """
    payload = url
    for name in sorted(set(fields)):
        values = fields.getlist(name) if hasattr(fields, "getlist") else [fields[name]]
        payload += "".join(name + value for value in sorted(set(values)))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


def valid_signature(auth_token, url, fields, header):
    """True when `header` signs exactly this public URL and these fields (compared in constant time)."""
    if not header or not auth_token:
        return False
    return hmac.compare_digest(signature(auth_token, url, fields).encode(), header.encode())
