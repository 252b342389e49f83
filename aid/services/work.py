"""Pending work rows: committed with the change that caused them, performed by jobs.

A row stays until a job has done it. The sweep puts a row back on the queue whenever its
job is gone (never enqueued, flushed from Redis, failed, or lost with its worker), and
counts an attempt only for an enqueue that reached the queue: an outage of any length
spends none. A row whose job failed MAX_ATTEMPTS times is left for a person to look at.
"""
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.models import EventKind, Match, MatchState, PendingWork
from aid.services import events

MAX_ATTEMPTS = 10
# After the sweep put a row back, it waits this long (doubling with each attempt, up to
# RETRY_CAP) before the next time: a job that keeps failing does not spin.
RETRY_AFTER = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=10)


def add(need, kind="need"):
    """Queue work on a need, to be enqueued by the caller after its commit."""
    item = PendingWork(kind=kind, need_id=need.id)
    db.session.add(item)
    db.session.flush()
    return item


def perform(work_id, now):
    """Do one pending row: locate and match its need. Returns notices to send after commit.

    The row is claimed by a conditional update: a second delivery of the same work, even
    at the same moment, finds it taken and does nothing.
    """
    from aid.services import locating, matching

    claimed = db.session.execute(
        sa.update(PendingWork).where(PendingWork.id == work_id, PendingWork.done_at.is_(None)).values(done_at=now)
    ).rowcount
    if not claimed:
        return []  # already done by an earlier delivery
    item = db.session.get(PendingWork, work_id)
    locating.locate(item.need, now)
    return matching.match_need(item.need, now)


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


def sweep(now):
    """The periodic round: purge, check-ins, expired offers, next waves, escalations.

    Returns (new work ids to enqueue, notices to send), both for after the commit; work
    lost from the queue is found by `due` and the queue's own answer, not here.
    """
    from aid.services import availability, escalation, matching, needs, retention

    retention.purge(now)
    needs.ask_if_still_needed(now)
    created = [add(need).id for need in _expire_offers(now)]
    for volunteer in availability.apply(now):  # just came on duty: open needs nearby, at once
        created += [item.id for item in matching.needs_near(volunteer, now)]
    escalated, notices = escalation.escalate_due(now)
    return created + [item.id for item in escalated], notices


def _expire_offers(now):
    overdue = db.session.scalars(
        sa.select(Match).where(Match.state == MatchState.OFFERED, Match.expires_at <= now)
    ).all()
    for match in overdue:
        match.state = MatchState.EXPIRED
    needs = {match.need_id: match.need for match in overdue}
    for need_id, need in needs.items():
        count = sum(1 for m in overdue if m.need_id == need_id)
        events.record(need, EventKind.EXPIRED, f"{count} offer(s) not answered in time", now=now)
    return needs.values()
