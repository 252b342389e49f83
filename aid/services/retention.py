"""Erase what identifies a requester once a need has been closed long enough."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from aid.extensions import db
from aid.models import CLOSED_NEED, EventKind, Need
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
    return len(stale)
