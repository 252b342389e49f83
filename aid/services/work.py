"""Pending work rows: committed with the change that caused them, performed by jobs."""
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.models import EventKind, Match, MatchState, PendingWork
from aid.services import events

# Work not done this long after it was queued is enqueued again by the sweep,
# up to MAX_ATTEMPTS times (a row that keeps failing is left for a person to look at).
STRANDED_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 10


def add(need, kind="need"):
    """Queue work on a need, to be enqueued by the caller after its commit."""
    item = PendingWork(kind=kind, need_id=need.id)
    db.session.add(item)
    db.session.flush()
    return item


def perform(work_id, now):
    """Do one pending row: locate and match its need. Returns notices to send after commit."""
    from aid.services import locating, matching

    item = db.session.get(PendingWork, work_id)
    if item is None or item.done_at is not None:
        return []  # already done by an earlier delivery
    item.done_at = now
    locating.locate(item.need, now)
    return matching.match_need(item.need, now)


def sweep(now):
    """The periodic round: purge, check-ins, expired offers, escalations, stranded work.

    Returns (work ids to enqueue, notices to send), both for after the commit.
    """
    from aid.services import availability, delivery, escalation, matching, needs, retention

    retention.purge(now)
    delivery.sweep(now)  # outbox rows whose job was lost, or whose retry is due: enqueued after the commit
    needs.ask_if_still_needed(now)
    created = [add(need).id for need in _expire_offers(now)]
    for volunteer in availability.apply(now):  # just came on duty: open needs nearby, at once
        created += [item.id for item in matching.needs_near(volunteer, now)]
    escalated, notices = escalation.escalate_due(now)
    created += [item.id for item in escalated]
    stranded = db.session.scalars(
        sa.select(PendingWork).where(
            PendingWork.done_at.is_(None),
            PendingWork.created_at <= now - STRANDED_AFTER,
            PendingWork.attempts < MAX_ATTEMPTS,
        )
    ).all()
    for item in stranded:
        item.attempts += 1
    return created + [item.id for item in stranded], notices


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
