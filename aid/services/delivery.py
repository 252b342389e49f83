"""Sending one outbox row: claim it, check it still makes sense, render it, record what the channel said.

The job (aid.jobs.outbox.deliver) calls claim() and copies(), commits, sends with no transaction
open (a slow gateway must not hold SQLite's write lock), then calls record() and commits again.

A push row is one message to a person and goes to each of their devices: sent when one device's
push service took it; a device whose service says it is gone is deleted; when no device is left
the row fails and the person's next channel is tried. (One row per device was the other choice:
it would need the fallback to wait for every device's row, and the outbox to list devices.)
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
from aid.models import MatchState, OutboxMessage, OutboxState
from aid.services import outbox, push, texts

MAX_ATTEMPTS = 6  # then the channel counts as failed and the next one is tried
FIRST_RETRY = 30  # seconds; doubled each attempt, with jitter, up to an hour
STUCK_AFTER = timedelta(minutes=5)  # a row sending this long lost its worker
STRANDED_AFTER = timedelta(seconds=60)  # a pending row this old lost its job
SWEEP_BATCH = 500  # rows re-enqueued per sweep: an outage's backlog drains without a flood


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
    return texts.render(row)


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


def backoff(attempts, retry_after=None):
    """Seconds before the next try: 30, 60, 120... up to an hour, ±50% jitter, never before retry_after."""
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), 3600)
    return max(base * random.uniform(0.5, 1.5), retry_after or 0)


def sweep(now):
    """Put back rows a job lost: due retries, pending rows whose job never ran, rows stuck sending."""
    stuck = sa.and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_at <= now - STUCK_AFTER)
    db.session.execute(sa.update(OutboxMessage).where(stuck).values(state=OutboxState.PENDING)
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
    return row
