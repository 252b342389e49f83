"""What the background jobs do: a pending row's locating and matching, and the periodic sweep.

Nothing imports this module but aid/jobs/tasks.py: it sits above every service it calls, so
none of them has to reach back up to it.
"""
import sqlalchemy as sa

from aid.extensions import db
from aid.models import EventKind, Match, MatchState
from aid.services import (
    availability,
    delivery,
    escalation,
    events,
    follow,
    locating,
    matching,
    needs,
    retention,
    sms_intake,
    things_matching,
    things_sweep,
    work,
)

SWEEP_LOCK = 0x41494453  # the advisory lock key that only the sweep takes ("AIDS" in ASCII)


def perform(work_id, now):
    """Do one pending row: locate and match its need. Returns notices to send after commit."""
    item = work.claim(work_id, now)
    if item is None:
        return []  # already done by an earlier delivery
    if locating.locate(item.need, now):
        follow.after_locating(item.need)  # placed anew: offers made for an earlier place may no longer fit
    notices = matching.match_need(item.need, now)
    things_matching.match_things(item.need, now)  # hold a thing for each thing-slot (owners confirm)
    return notices


def sweep(now):
    """The periodic round: purge, check-ins, expired offers, next waves, escalations.

    Returns (ids of the new work, notices to send after the commit), or None when another
    sweep is running (on any process or host): one at a time, whatever queued or called it.
    The new work is enqueued by the edge once the commit is made. Work lost from the queue is
    found by `work.due` and the queue's own answer, not here.
    """
    if not _only_sweep():
        return None
    retention.purge(now)
    sms_intake.purge(now)  # requests whose place never came
    needs.ask_if_still_needed(now)
    delivery.sweep(now)  # outbox rows whose job was lost, or whose retry is due: enqueued after the commit
    created = [work.add(need).id for need in _expire_offers(now)]
    created += [work.add(need).id for need in things_sweep.expire_holds(now)]  # unconfirmed holds: look again
    things_sweep.release_closed(now)  # a closed request's things are free again
    things_sweep.bring_helpers_own(now)  # a volunteer who took a need brings the thing they lend
    woke, went_off = availability.apply(now)
    for volunteer in woke:  # just came on duty: open needs nearby, at once
        created += [item.id for item in matching.needs_near(volunteer, now)]
    for volunteer in went_off:  # their hours ended: the offers they left unanswered go to others
        created += [item.id for item in follow.off_duty(volunteer)]
    escalated, notices = escalation.escalate_due(now)
    return created + [item.id for item in escalated], notices


def _only_sweep():
    """Take the sweep's lock for this transaction; False if another transaction holds it.

    PostgreSQL: an advisory lock, released by the commit or rollback, shared by every worker,
    web process, cron job and host on the database. SQLite: one writer at a time already.
    """
    if db.engine.dialect.name != "postgresql":
        return True
    return db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(SWEEP_LOCK)))


def _expire_offers(now):
    overdue = db.session.scalars(
        sa.select(Match).where(Match.state == MatchState.OFFERED, Match.expires_at <= now)
    ).all()
    for match in overdue:
        match.state = MatchState.EXPIRED
    expired = {match.need_id: match.need for match in overdue}
    for need_id, need in expired.items():
        count = sum(1 for m in overdue if m.need_id == need_id)
        events.record(need, EventKind.EXPIRED, f"{count} offer(s) not answered in time", now=now)
    return expired.values()
