"""The board's numbers: how fast needs are taken and done, today and this week, by category."""
from datetime import timedelta
from statistics import median

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Category, Need, NeedStatus
from aid.services.board import visible


def numbers(unions, now):
    """Counts and median minutes to first accept and to done, for today and the last 7 days."""
    week_start = now - timedelta(days=7)
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(sa.select(
        Need.category, Need.status, Need.created_at, Need.first_accepted_at, Need.closed_at,
    ).where(visible(unions), Need.created_at >= week_start)).all()
    return {
        "today": _period([r for r in rows if r.created_at >= day_start]),
        "week": _period(rows),
        "by_category": {c.value: sum(1 for r in rows if r.category == c) for c in Category},
    }


def _period(rows):
    to_accept = [_minutes(r.first_accepted_at - r.created_at) for r in rows if r.first_accepted_at]
    to_done = [_minutes(r.closed_at - r.created_at) for r in rows if r.status == NeedStatus.FULFILLED and r.closed_at]
    return {
        "posted": len(rows),
        "done": len(to_done),
        "median_to_accept": round(median(to_accept)) if to_accept else None,
        "median_to_done": round(median(to_done)) if to_done else None,
    }


def _minutes(delta):
    return delta.total_seconds() / 60
