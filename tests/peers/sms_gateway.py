"""A real HTTP server on loopback speaking the Twilio Messages API, and the gateway's webhook signing."""
import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.peers import free_port

ERRORS = {  # what Twilio says for the codes the tests use
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
}


def sign(auth_token, url, fields):
    """X-Twilio-Signature as the gateway computes it, written apart from aid.adapters.sms on purpose.

    `fields` is a dict of name -> value, or name -> list of values (each value is signed, in order).
    """
    data = url
    for name in sorted(fields):
        values = fields[name] if isinstance(fields[name], list) else [fields[name]]
        for value in sorted(values):
            data += f"{name}{value}"
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class SentSms:
    """One message the gateway accepted."""

    def __init__(self, sid, fields):
        self.sid, self.to, self.sender, self.body = sid, fields["To"], fields["From"], fields["Body"]
        self.status_callback = fields.get("StatusCallback")


class SmsGateway:
    """ThreadingHTTPServer on 127.0.0.1 that checks basic auth, records messages, answers 201 JSON.

    `fail(number, status, code)` makes messages to that number fail; `delay` holds every answer
    back that many seconds (to test timeouts).
    """

    def __init__(self, account_sid="AC" + "0" * 31 + "1", auth_token="test-auth-token"):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.messages, self.failures, self.delay, self.refused_auth = [], {}, 0.0, 0
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Handler)
        self.server.daemon_threads = True
        self.server.gateway = self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def fail(self, number, status, code=None):
        """Answer `status` (with Twilio error `code` in the JSON body) for messages to `number`."""
        self.failures[number] = (status, code)

    def signed_headers(self, url, fields):
        """Headers for posting `fields` to the app's webhook at public `url`, as the gateway would."""
        return {"X-Twilio-Signature": sign(self.auth_token, url, fields)}

    def status_fields(self, sent, status="delivered"):
        """The form a status callback posts about `sent` (a SentSms)."""
        return {"MessageSid": sent.sid, "SmsSid": sent.sid, "MessageStatus": status, "SmsStatus": status,
                "AccountSid": self.account_sid, "To": sent.to, "From": sent.sender, "ApiVersion": "2010-04-01"}

    def inbound_fields(self, sender, body, to="+15005550006"):
        """The form an inbound SMS posts to the app."""
        sid = "SM" + uuid.uuid4().hex
        return {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid, "From": sender, "To": to,
                "Body": body, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()  # quick to shut down
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway = self.server.gateway
        length = int(self.headers.get("Content-Length", 0))
        fields = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
        time.sleep(gateway.delay)
        if self.path != f"/2010-04-01/Accounts/{gateway.account_sid}/Messages.json":
            return self._error(404, 20404)
        expected = base64.b64encode(f"{gateway.account_sid}:{gateway.auth_token}".encode()).decode()
        if not hmac.compare_digest(self.headers.get("Authorization", ""), f"Basic {expected}"):
            gateway.refused_auth += 1
            return self._error(401, 20003)
        if not all(fields.get(name) for name in ("To", "From", "Body")):
            return self._error(400, 21604)
        if fields["To"] in gateway.failures:
            return self._error(*gateway.failures[fields["To"]])
        sent = SentSms("SM" + uuid.uuid4().hex, fields)
        gateway.messages.append(sent)
        self._json(201, {"sid": sent.sid, "status": "queued", "account_sid": gateway.account_sid, "to": sent.to,
                         "from": sent.sender, "body": sent.body, "num_segments": "1", "api_version": "2010-04-01",
                         "uri": f"{self.path[:-5]}/{sent.sid}.json"})

    def _error(self, status, code=None):
        self._json(status, {"code": code, "message": ERRORS.get(code, "error"), "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet: the test output is for the tests
        pass
