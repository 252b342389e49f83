"""Web push devices: a volunteer's subscriptions, stored from the page and sent to one by one.

One outbox row on the `push` channel is one message to a person; delivery sends it to every
device they subscribed (aid.services.delivery). A device the push service says is gone
(404/410) is deleted; when none is left the row fails and the person's next channel is tried.
"""
import base64
import binascii
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from aid.extensions import db
from aid.models import PushSubscription
from aid.services import ServiceError

ADDRESS = "devices"  # what a push row stores as its address: the devices are looked up when it is sent


def configured():
    """Push can be offered to browsers: both halves of the VAPID key are set."""
    config = current_app.config
    return bool(config.get("VAPID_PRIVATE_KEY") and config.get("VAPID_PUBLIC_KEY"))


def devices(user_id):
    if not user_id:
        return []
    return db.session.scalars(sa.select(PushSubscription).where(PushSubscription.user_id == user_id)
                              .order_by(PushSubscription.id)).all()


def subscribe(user, data, now, replaces=""):
    """Store or update this device's subscription (`data` as the browser's subscription.toJSON()).

    The endpoint names the device: a phone subscribing again, or for another account, updates
    its row. `replaces` is the endpoint a `pushsubscriptionchange` gave up, deleted if it was
    this user's. Push goes first in the volunteer's channels: they asked for it on this device.
    """
    endpoint, p256dh, auth = _checked(data)
    if replaces and replaces != endpoint:
        unsubscribe(user, replaces)
    row = _device(endpoint)
    if row is None:
        try:
            with db.session.begin_nested():  # the same device posting twice at once: one row
                row = PushSubscription(endpoint=endpoint, user_id=user.id, p256dh=p256dh, auth=auth, created_at=now)
                db.session.add(row)
        except sa.exc.IntegrityError:
            row = _device(endpoint)
    row.user_id, row.p256dh, row.auth = user.id, p256dh, auth
    if user.volunteer is not None and "push" not in user.volunteer.channel_list:
        user.volunteer.channels = ",".join(["push", *user.volunteer.channel_list])
    db.session.flush()
    return row


def _device(endpoint):
    return db.session.scalar(sa.select(PushSubscription).where(PushSubscription.endpoint == endpoint))


def unsubscribe(user, endpoint):
    """Forget this user's device; True when there was one."""
    deleted = db.session.execute(sa.delete(PushSubscription).where(
        PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint))
    return deleted.rowcount > 0


def forget(subscription_ids):
    """Delete devices their push service called gone."""
    if subscription_ids:
        db.session.execute(sa.delete(PushSubscription).where(PushSubscription.id.in_(subscription_ids)))


def used(subscription_ids, now):
    if subscription_ids:
        db.session.execute(sa.update(PushSubscription).where(PushSubscription.id.in_(subscription_ids))
                           .values(last_used_at=now))


def _checked(data):
    """(endpoint, p256dh, auth) from the browser's JSON, or ServiceError: the server will POST to that URL."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise ServiceError("Not a push subscription.")
    endpoint, keys = data.get("endpoint"), data["keys"]
    if not isinstance(endpoint, str) or not 0 < len(endpoint) <= 1000:
        raise ServiceError("A push subscription needs an endpoint.")
    parts = urlsplit(endpoint)
    schemes = ("https", "http") if current_app.config.get("PUSH_HTTP_ENDPOINTS") else ("https",)
    if parts.scheme not in schemes or not parts.hostname or parts.username or parts.password:
        raise ServiceError("A push endpoint must be an https address.")
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    point, secret = _b64(p256dh), _b64(auth)
    if point is None or len(point) != 65 or point[0] != 4 or secret is None or len(secret) != 16:
        raise ServiceError("The push subscription's keys are not valid.")
    return endpoint, p256dh, auth


def _b64(text):
    if not isinstance(text, str) or len(text) > 100:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
