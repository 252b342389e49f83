"""A volunteer's channels and mobile number, and the texted code that proves the number is theirs.

SMS reaches a volunteer only once `phone_verified_at` is set (aid.services.outbox.volunteer).
The code goes through the outbox like any text, to that number only, and only a keyed hash of
it is kept on the volunteer: it expires after CODE_LIFETIME and allows MAX_TRIES guesses.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from aid.extensions import db
from aid.models import OutboxMessage
from aid.services import ServiceError, outbox

CHANNEL_ORDERS = ("email", "sms,email", "email,sms")  # email stays last resort (outbox.volunteer)
CODE_LIFETIME = timedelta(minutes=15)
MAX_TRIES = 5
CODES_PER_HOUR = 3


class Sent(StrEnum):
    TEXTED = "texted"  # handed to the SMS channel, after the commit
    KEPT = "kept"  # no SMS channel here: stored unsent in the outbox


class Checked(StrEnum):
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"  # or never sent, or replaced by a new number
    TOO_MANY = "too_many"


def set_reach(vol, channels, phone):
    """Save the channel order and the number (E.164 or ""); a different number must be checked again."""
    if channels not in CHANNEL_ORDERS:
        raise ServiceError(_("Choose how we should reach you."))
    # Notifications on a phone are turned on and off on that phone (aid/services/push.py):
    # they stay first whatever order of the others is chosen here.
    vol.channels = ",".join((["push"] if "push" in vol.channel_list else []) + channels.split(","))
    if phone != vol.phone:
        vol.phone = phone
        vol.phone_verified_at = None
        _forget_code(vol)


def send_code(vol, now):
    """Store a new 6-digit code for the volunteer's number and queue it by SMS; how it went (Sent)."""
    if not vol.phone:
        raise ServiceError(_("Add your mobile number and save it first."))
    if outbox.opted_out(vol.phone):
        raise ServiceError(_("This number asked us to stop texting it. Text START to us from it, then try again."))
    since = now - timedelta(hours=1)
    sent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "verify", OutboxMessage.user_id == vol.user_id, OutboxMessage.created_at > since))
    if sent >= CODES_PER_HOUR:
        raise ServiceError(_("You asked for %(n)s codes in the last hour. Please wait a while, then try again.",
                             n=CODES_PER_HOUR))
    code = f"{secrets.randbelow(10**6):06d}"
    vol.phone_code_hash = code_hash(vol, code)
    vol.phone_code_expires_at = now + CODE_LIFETIME
    vol.phone_code_attempts = 0
    person = outbox.phone(vol.phone, vol.user_id, outbox.volunteer(vol).locale)
    row = outbox.tell("verify", person, args={"code": code}, key=f"verify:{vol.user_id}:{now:%Y%m%d%H%M%S%f}")
    if row is None:
        raise ServiceError(_("A code was just sent. Please wait a moment."))
    row.created_at = now
    return Sent.TEXTED if row.channel == "sms" else Sent.KEPT


def check_code(vol, typed, now):
    """Compare the typed code; every try counts, so the caller commits whatever the outcome (Checked)."""
    if not vol.phone_code_hash or vol.phone_code_expires_at is None or vol.phone_code_expires_at <= now:
        return Checked.EXPIRED
    if vol.phone_code_attempts >= MAX_TRIES:
        return Checked.TOO_MANY
    vol.phone_code_attempts += 1
    typed = "".join(c for c in (typed or "") if c.isdigit())
    if not hmac.compare_digest(code_hash(vol, typed), vol.phone_code_hash):
        return Checked.TOO_MANY if vol.phone_code_attempts >= MAX_TRIES else Checked.WRONG
    vol.phone_verified_at = now
    _forget_code(vol)
    return Checked.VERIFIED


def forget(vol):
    """The account is deleted: no number, no code, email only; the codes' rows lose the number."""
    db.session.execute(sa.update(OutboxMessage).where(
        OutboxMessage.user_id == vol.user_id, OutboxMessage.kind == "verify").values(to="", args={})
        .execution_options(synchronize_session=False))
    vol.channels, vol.phone, vol.phone_verified_at = "email", "", None
    _forget_code(vol)


def code_hash(vol, code):
    """HMAC-SHA256 of the code, keyed by the app secret and bound to this volunteer and number."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"phone-code:{vol.id}:{vol.phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _forget_code(vol):
    vol.phone_code_hash, vol.phone_code_expires_at, vol.phone_code_attempts = "", None, 0


def order_of(vol):
    """The volunteer's channels as one of CHANNEL_ORDERS (an older or unknown order is read as the nearest)."""
    if vol.channels in CHANNEL_ORDERS:
        return vol.channels
    names = [c for c in vol.channel_list if c in ("sms", "email")]
    return "sms,email" if names[:1] == ["sms"] else "email,sms" if "sms" in names else "email"
