"""The SMS gateway's webhooks: inbound texts and delivery reports, both signed by the gateway.

Both answer empty TwiML: every answer to a person goes through the outbox, after the commit.
"""
from flask import Blueprint, abort, current_app, request

from aid import edge
from aid.adapters.sms import valid_signature
from aid.extensions import csrf, limiter
from aid.models import utcnow
from aid.services import delivery, sms_inbox

bp = Blueprint("sms", __name__, url_prefix="/sms")
csrf.exempt(bp)  # the gateway signs instead: checked below
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


@bp.before_request
def _signed_by_the_gateway():
    """403 unless X-Twilio-Signature signs the public URL and these fields with our auth token."""
    if not valid_signature(current_app.config["SMS_AUTH_TOKEN"], _public_url(), request.form,
                           request.headers.get("X-Twilio-Signature")):
        abort(403)


def _public_url():
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    if not base:
        return request.url
    return base + request.full_path.rstrip("?")


def _sender():
    return request.form.get("From", "")


@bp.post("/inbound")
@limiter.limit(lambda: current_app.config["RATELIMIT_SMS_NUMBER"], key_func=_sender)
def inbound():
    sms_inbox.receive(request.form.get("MessageSid", ""), _sender(), request.form.get("Body", ""), utcnow())
    edge.commit()  # then the answers go out, and a decline or give-back asks the next volunteer
    return _twiml()


@bp.post("/status")
def status():
    delivery.status(request.form.get("MessageSid", ""), request.form.get("MessageStatus", ""), utcnow())
    edge.commit()
    return _twiml()


def _twiml():
    return current_app.response_class(EMPTY, mimetype="text/xml")
