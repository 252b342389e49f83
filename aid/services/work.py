"""Pending work rows: committed with the change that caused them, performed by jobs.

A row stays until a job has done it. The sweep puts a row back on the queue whenever its
job is gone (never enqueued, flushed from Redis, failed, or lost with its worker), and
counts an attempt only for an enqueue that reached the queue: an outage of any length
spends none. A row whose job failed MAX_ATTEMPTS times is left for a person to look at.
"""
from datetime import timedelta

import sqlalchemy as sa

from aid import edge
from aid.adapters import queue
from aid.extensions import db
from aid.models import PendingWork

MAX_ATTEMPTS = 10
# After the sweep put a row back, it waits this long (doubling with each attempt, up to
# RETRY_CAP) before the next time: a job that keeps failing does not spin.
RETRY_AFTER = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=10)


def add(need):
    """Queue work on a need: its row in this transaction, its job once the transaction commits."""
    item = PendingWork(need_id=need.id)
    db.session.add(item)
    db.session.flush()
    edge.after_commit(queue.dispatch, [item.id])
    return item


def claim(work_id, now):
    """Take one pending row for this job, or None if an earlier delivery already did it.

    A conditional update: a second delivery of the same work, even at the same moment,
    finds it taken.
    """
    claimed = db.session.execute(
        sa.update(PendingWork).where(PendingWork.id == work_id, PendingWork.done_at.is_(None)).values(done_at=now)
    ).rowcount
    return db.session.get(PendingWork, work_id) if claimed else None


def due(now):
    """Ids of rows not done whose next try is due (the caller asks the queue which lack a job)."""
    rows = db.session.execute(
        sa.select(PendingWork.id, PendingWork.attempts, PendingWork.enqueued_at)
        .where(PendingWork.done_at.is_(None), PendingWork.attempts < MAX_ATTEMPTS)
        .order_by(PendingWork.id)
    ).all()
    return [work_id for work_id, attempts, at in rows if at is None or at <= now - _backoff(attempts)]


def not_done(work_ids):
    """Those of these rows still not done, read afresh."""
    if not work_ids:
        return []
    return list(db.session.scalars(
        sa.select(PendingWork.id).where(PendingWork.id.in_(work_ids), PendingWork.done_at.is_(None))
        .order_by(PendingWork.id)
    ))


def count_enqueued(work_ids, now):
    """Record that these rows were put back on the queue: one attempt each."""
    if work_ids:
        db.session.execute(
            sa.update(PendingWork).where(PendingWork.id.in_(work_ids))
            .values(attempts=PendingWork.attempts + 1, enqueued_at=now)
        )


def _backoff(attempts):
    return min(RETRY_AFTER * 2 ** max(attempts - 1, 0), RETRY_CAP)
