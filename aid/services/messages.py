"""Notes between a requester and the volunteers helping them, so nobody has to share a number."""
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.models import EventKind, Message
from aid.services import ServiceError, events


def post(need, body, now, user=None):
    """Add a message to the need's thread; `user` None means the requester wrote it."""
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("Write a message first."))
    if need.status.is_closed:
        raise ServiceError(_l("This request is closed, so messages can no longer be sent."))
    message = Message(need_id=need.id, user_id=user.id if user else None, body=body[:1000], created_at=now)
    db.session.add(message)
    events.record(need, EventKind.MESSAGE, "", user=user, actor=None if user else "requester", now=now)
    return message
