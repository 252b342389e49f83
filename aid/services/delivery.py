"""Sending one outbox row: claim it, check it still makes sense, render it, record what the channel said.

The job (aid.jobs.outbox.deliver) calls claim() and copies(), commits, sends with no transaction
open (a slow gateway must not hold SQLite's write lock), then calls record() and commits again.

A push row is one message to a person and goes to each of their devices: sent when one device's
push service took it; a device whose service says it is gone is deleted; when no device is left
the row fails and the person's next channel is tried. (One row per device was the other choice:
it would need the fallback to wait for every device's row, and the outbox to list devices.)

Quiet hours (the volunteer's, aid.services.availability.quiet_until) hold an offer, or a notice
they did not ask for, until they end: the row stays pending with next_attempt_at at their end and
the sweep puts it back then. An offer for a need of the highest urgency goes all the same; one that
would close before they end is skipped. When an offer is claimed, the person's other due offers on
the same channel and address go with it as one digest (SMS and email): each carried row is claimed
too, records the row that carried it (digest_id), and shares its outcome.
"""
import random
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from aid import edge
from aid.adapters import queue
from aid.adapters.channels import PermanentFailure, SubscriptionGone, TemporaryFailure
from aid.adapters.senders import channels
from aid.extensions import db
from aid.models import MatchState, OutboxMessage, OutboxState, Urgency
from aid.services import availability, outbox, push, texts

MAX_ATTEMPTS = 6  # then the channel counts as failed and the next one is tried
FIRST_RETRY = 30  # seconds; doubled each attempt, with jitter, up to an hour
STUCK_AFTER = timedelta(minutes=5)  # a row sending this long lost its worker
STRANDED_AFTER = timedelta(seconds=60)  # a pending row this old lost its job
SWEEP_BATCH = 500  # rows re-enqueued per sweep: an outage's backlog drains without a flood
QUIET_KINDS = frozenset({"offer", "taken"})  # what quiet hours hold; answers to the person's own acts go
MOST_URGENT = max(u.rank for u in Urgency)  # needs of this urgency reach people in their quiet hours
DIGEST_CHANNELS = ("sms", "email")  # a push notification stays one offer with its own buttons


def claim(row_id, now):
    """pending → sending with one conditional UPDATE; returns the rendered Message, or None.

    None when another job has it, it is not due, or it no longer makes sense (then it is SKIPPED).
    """
    claimed = db.session.execute(
        sa.update(OutboxMessage).where(
            OutboxMessage.id == row_id, OutboxMessage.state == OutboxState.PENDING,
            sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .values(state=OutboxState.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        return None
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    reason = stale(row, now)
    if reason:
        row.state, row.error = OutboxState.SKIPPED, reason
        return None
    until = held_until(row, now)
    if until is not None:
        row.state, row.next_attempt_at, row.attempts, row.error = OutboxState.PENDING, until, row.attempts - 1, "quiet hours"
        return None
    return texts.render(row, _carry(row, now))


def held_until(row, now):
    """The end of the person's quiet hours when they hold this row now, else None."""
    if row.audience != "volunteer" or row.kind not in QUIET_KINDS or row.user is None or row.user.volunteer is None:
        return None
    if row.need is not None and row.need.urgency.rank == MOST_URGENT:
        return None
    return availability.quiet_until(row.user.volunteer, now)


def _carry(row, now):
    """Claim the person's other due offers on this channel and address to go in `row`'s message, stale ones skipped."""
    if row.kind != "offer" or row.channel not in DIGEST_CHANNELS or row.user_id is None:
        return []
    due = sa.and_(OutboxMessage.state == OutboxState.PENDING,
                  sa.or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
    ids = db.session.scalars(sa.select(OutboxMessage.id).where(
        due, OutboxMessage.user_id == row.user_id, OutboxMessage.channel == row.channel,
        OutboxMessage.to == row.to, OutboxMessage.kind == "offer", OutboxMessage.id != row.id)
        .order_by(OutboxMessage.id)).all()
    carried = []
    for other_id in ids:
        taken = db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == other_id, due)
            .values(state=OutboxState.SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1, digest_id=row.id)
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            continue  # its own job has it
        other = db.session.get(OutboxMessage, other_id, populate_existing=True)
        reason, until = stale(other, now), held_until(other, now)
        if reason:
            other.state, other.error, other.digest_id = OutboxState.SKIPPED, reason, None
        elif until is not None:
            other.state, other.next_attempt_at, other.digest_id = OutboxState.PENDING, until, None
            other.attempts -= 1
        else:
            carried.append(other)
    return carried


def stale(row, now):
    """Why the message should no longer go, or "" when it should."""
    if row.channel == "sms" and row.kind not in outbox.ALWAYS and outbox.opted_out(row.to):
        return "opted out"
    if row.channel not in channels():
        return "channel no longer configured"
    if row.kind == "offer":
        match = row.need and next((m for m in row.need.matches if m.id == row.match_id), None)
        if match is None or match.state != MatchState.OFFERED or (match.expires_at and match.expires_at <= now):
            return "offer no longer open"
        until = held_until(row, now)
        if until is not None and match.expires_at and match.expires_at <= until:
            return "offer closes during quiet hours"
    if row.need is not None and row.need.purged_at is not None:
        return "personal data erased"
    return ""


def copies(row_id, message):
    """[(device id, message)]: a push row's message once for each of the person's devices, else itself."""
    row = db.session.get(OutboxMessage, row_id)
    if row.channel != "push":
        return [(None, message)]
    return [(device.id, replace(message, to=device.info())) for device in push.devices(row.user_id)]


def send(message, channel):
    """Hand the message to its channel: the Receipt, or the ChannelFailure it raised."""
    try:
        return channels()[channel].send(message)
    except (TemporaryFailure, PermanentFailure) as failure:
        return failure


def send_copies(addressed, channel):
    """Send each copy: [(device id, outcome)]. With no copy (no device left): one SubscriptionGone."""
    if not addressed:
        return [(None, SubscriptionGone("no push subscription left"))]
    return [(device, send(message, channel)) for device, message in addressed]


def outcome_of(outcomes):
    """One outcome for the row: the first receipt, else a temporary failure (retry), else a permanent one."""
    results = [outcome for _, outcome in outcomes]
    return next((r for r in results if not isinstance(r, Exception)), None) \
        or next((r for r in results if isinstance(r, TemporaryFailure)), None) or results[-1]


def record(row_id, outcome, now, devices=()):
    """Store what the channel said: sent; pending again later; or failed, and the next channel tried.

    `devices` are [(device id, outcome)] for a push row: gone devices are deleted first, so the
    next channel, or a retry, no longer counts them.
    """
    push.forget([device for device, result in devices if device and isinstance(result, SubscriptionGone)])
    push.used([device for device, result in devices if device and not isinstance(result, Exception)], now)
    row = db.session.get(OutboxMessage, row_id)
    if row is None or row.state != OutboxState.SENDING:
        return
    if isinstance(outcome, TemporaryFailure) and row.attempts < MAX_ATTEMPTS:
        row.state, row.error = OutboxState.PENDING, str(outcome)[:200]
        row.next_attempt_at = now + timedelta(seconds=backoff(row.attempts, outcome.retry_after))
    elif isinstance(outcome, (TemporaryFailure, PermanentFailure)):
        row.state, row.error = OutboxState.FAILED, str(outcome)[:200]
        outbox.next_channel(row)
    else:
        row.state, row.sent_at, row.provider_id, row.error = OutboxState.SENT, now, outcome.provider_id, ""
    _settle_carried(row, now)


def _settle_carried(row, now):
    """The rows `row` carried share its outcome: sent with it, pending again with it, or failed (next channel)."""
    carried = db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.digest_id == row.id, OutboxMessage.state.in_((OutboxState.SENDING, OutboxState.SENT)))).all()
    for other in carried:
        if row.state in (OutboxState.SENT, OutboxState.DELIVERED):
            if other.state == OutboxState.SENDING:
                other.state, other.sent_at, other.error = OutboxState.SENT, now, ""
        elif row.state == OutboxState.PENDING and other.state == OutboxState.SENDING:
            other.state, other.next_attempt_at, other.digest_id = OutboxState.PENDING, row.next_attempt_at, None
        elif row.state == OutboxState.FAILED:
            other.state, other.error = OutboxState.FAILED, row.error
            outbox.next_channel(other)


def backoff(attempts, retry_after=None):
    """Seconds before the next try: 30, 60, 120... up to an hour, ±50% jitter, never before retry_after."""
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), 3600)
    return max(base * random.uniform(0.5, 1.5), retry_after or 0)


def sweep(now):
    """Put back rows a job lost: due retries, pending rows whose job never ran, rows stuck sending."""
    stuck = sa.and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_at <= now - STUCK_AFTER)
    db.session.execute(sa.update(OutboxMessage).where(stuck).values(state=OutboxState.PENDING, digest_id=None)
                       .execution_options(synchronize_session=False))
    due = sa.select(OutboxMessage.id).where(
        OutboxMessage.state == OutboxState.PENDING,
        sa.or_(OutboxMessage.next_attempt_at <= now,
               sa.and_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.created_at <= now - STRANDED_AFTER)))
    ids = db.session.scalars(due.order_by(OutboxMessage.id).limit(SWEEP_BATCH)).all()
    for row_id in ids:
        edge.after_commit(queue.enqueue_delivery, row_id)
    return ids


def status(provider_id, state, now):
    """A delivery callback: SENT → DELIVERED, or FAILED (and the next channel tried). Unknown ids are ignored."""
    row = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.provider_id == provider_id))
    if row is None or row.state not in (OutboxState.SENT, OutboxState.DELIVERED):
        return None
    if state == "delivered":
        row.state = OutboxState.DELIVERED
    elif state in ("failed", "undelivered") and row.state == OutboxState.SENT:
        row.state, row.error = OutboxState.FAILED, f"gateway: {state}"
        outbox.next_channel(row)
        _settle_carried(row, now)
    return row
