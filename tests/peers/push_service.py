"""A real push service on loopback: checks the VAPID JWT, decrypts the aes128gcm body as the browser would."""
import base64
import json
import os
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from py_vapid.jwt import decode

from tests.peers import free_port


def b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Subscriber:
    """What a browser keeps for one subscription: its ECDH key pair and auth secret."""

    def __init__(self, endpoint, application_server_key):
        self.key, self.auth = ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
        self.endpoint, self.application_server_key = endpoint, application_server_key
        self.path = endpoint.split("/", 3)[3]

    def info(self):
        """The subscription as `JSON.stringify(subscription)` gives it in the browser."""
        point = self.key.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        return json.dumps({"endpoint": self.endpoint, "expirationTime": None,
                           "keys": {"p256dh": b64(point), "auth": b64(self.auth)}})


class Push:
    """One push the service accepted: the decrypted payload and the headers that matter."""

    def __init__(self, subscriber, payload, ttl, topic, claims):
        self.subscriber, self.payload, self.ttl, self.topic, self.claims = subscriber, payload, ttl, topic, claims


class PushService:
    """ThreadingHTTPServer on 127.0.0.1. `subscribe()` makes a subscription as a browser would.

    A push is accepted (201 with a Location) only with a valid VAPID JWT for this origin, signed
    by the key the subscription was made with, a TTL header, and a body that decrypts. `answer`
    maps a subscription path to a status to give instead (410 gone, 429, 500); `delay` holds
    answers back.
    """

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Handler)
        self.server.daemon_threads = True
        self.server.service = self
        self.subscribers, self.pushes, self.refusals, self.answer, self.delay = {}, [], [], {}, 0.0

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.server.server_port}"

    def subscribe(self, application_server_key):
        """A new subscription bound to the VAPID public key (base64url), as PushManager.subscribe makes."""
        subscriber = Subscriber(f"{self.origin}/wpush/v2/{uuid.uuid4().hex}", application_server_key)
        self.subscribers[subscriber.path] = subscriber
        return subscriber

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()  # quick to shut down
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def receive(self, path, headers, body):
        """(status, reason) for one POST; records the push when it is accepted."""
        time.sleep(self.delay)
        subscriber = self.subscribers.get(path.lstrip("/"))
        if subscriber is None:
            return 404, "no such subscription"
        if path.lstrip("/") in self.answer:
            return self.answer[path.lstrip("/")], "told to"
        claims = self._claims(headers.get("Authorization", ""), subscriber)
        if isinstance(claims, str):
            return 403, claims
        ttl = headers.get("TTL", "")
        if not ttl.isdigit():
            return 400, "TTL header missing"
        if headers.get("Content-Encoding") != "aes128gcm":
            return 415, "not aes128gcm"
        try:
            plain = http_ece.decrypt(body, private_key=subscriber.key, auth_secret=subscriber.auth, version="aes128gcm")
        except Exception as error:  # noqa: BLE001  (any decryption error is the sender's fault)
            return 400, f"cannot decrypt: {type(error).__name__}"
        self.pushes.append(Push(subscriber, json.loads(plain), int(ttl), headers.get("Topic"), claims))
        return 201, "created"

    def _claims(self, authorization, subscriber):
        """The JWT's claims, or why it is refused (a str)."""
        try:
            if not Vapid02.verify(authorization):
                return "VAPID signature does not verify"
            parts = dict(item.split("=", 1) for item in authorization.split(" ", 1)[1].split(","))
            claims = decode(parts["t"], parts["k"])
        except (AssertionError, ValueError, KeyError, IndexError) as error:
            return f"unreadable VAPID header: {type(error).__name__}"
        if parts["k"] != subscriber.application_server_key:
            return "signed with another key than the subscription's"
        if claims.get("aud") != self.origin:
            return "wrong audience"
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            return "expired or too long-lived"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return "no contact subject"
        return claims


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        service = self.server.service
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, reason = service.receive(self.path, self.headers, body)
        if status != 201:
            service.refusals.append((status, reason))
        self.send_response(status, reason)
        if status == 201:
            self.send_header("Location", f"{service.origin}/m/{uuid.uuid4().hex}")
        if status == 429:
            self.send_header("Retry-After", "30")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass
