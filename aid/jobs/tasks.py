"""Job functions: they take ids, re-check state, commit once, and are safe to run twice."""
import logging

from aid import edge
from aid.extensions import db
from aid.models import utcnow
from aid.services import work

log = logging.getLogger(__name__)


def run_pending(work_id):
    """Carry out one pending-work row (locate and match a need), unless already done."""
    try:
        notices = work.perform(work_id, utcnow())
        edge.commit()  # then enqueue the outbox rows it stored
    finally:
        db.session.remove()
    send(notices)


def sweep():
    """Expire overdue offers, queue the next waves, and re-enqueue stranded work."""
    from aid.jobs import dispatch

    try:
        work_ids, notices = work.sweep(utcnow())
        edge.commit()  # then enqueue the outbox rows it stored
    finally:
        db.session.remove()
    dispatch(work_ids)
    send(notices)
    return len(work_ids)


def match_backlog():
    """Offer the whole backlog at once (after a surge); `flask aid match --all` runs the same."""
    from aid.services import batch

    try:
        notices = batch.offer_backlog(utcnow())
        edge.commit()  # then enqueue the outbox rows it stored
    finally:
        db.session.remove()
    send(notices)
    return len(notices)


def send(notices):
    """Send notices (after the commit that produced them)."""
    from aid.adapters.notify import notifier

    for notice in notices:
        notifier().send(notice)
