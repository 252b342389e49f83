"""Erase what identifies a requester once a need has been closed long enough."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from aid.extensions import db
from aid.models import CLOSED_NEED, EventKind, Need, OutboxMessage
from aid.services import events

ERASED = dict(details="", address="", lat=None, lon=None, contact_name="", contact_phone="", contact_email="",
              on_site_name="")


def purge(now, days=None):
    """Erase contact, details and exact place of needs closed more than `days` ago.

    Kept for statistics: category, urgency, coarse cell, union, times and status.
    Returns how many needs were erased.
    """
    days = current_app.config["RETENTION_DAYS"] if days is None else days
    stale = db.session.scalars(sa.select(Need).where(
        Need.status.in_(CLOSED_NEED), Need.closed_at <= now - timedelta(days=days), Need.purged_at.is_(None))).all()
    for need in stale:
        for name, value in ERASED.items():
            setattr(need, name, value)
        need.purged_at = now
        events.record(need, EventKind.PURGED, "Contact, details and exact place erased", now=now)
    erase_outbox([need.id for need in stale], now - timedelta(days=days))
    return len(stale)


def erase_outbox(need_ids, before=None):
    """Blank the addresses of these needs' outbox rows, and of answers to bare numbers older than `before`.

    What stays (kind, channel, state, times) tells how messaging went without saying to whom.
    """
    about = OutboxMessage.need_id.in_(need_ids)
    if before is not None:
        about = sa.or_(about, sa.and_(OutboxMessage.need_id.is_(None), OutboxMessage.created_at <= before))
    db.session.execute(sa.update(OutboxMessage).where(about, OutboxMessage.to != "").values(to="")
                       .execution_options(synchronize_session=False))
