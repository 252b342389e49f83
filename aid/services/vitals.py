"""The app's vital signs, read from the database: pending work, how fast needs are offered and taken, sends.

Computed when asked (by /healthz and /metrics), never counted in a process's memory: every
web process answers the same, whichever a load balancer or Prometheus reaches, and nothing
resets when one restarts. The histograms cover all history: their buckets only ever grow.
"""
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Match, Need, OutboxMessage, PendingWork

# Bucket bounds in seconds: an offer is a machine's work, an accept a person's.
FIRST_OFFER_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)
ACCEPT_BUCKETS = (60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600)


def pending(now):
    """(rows not done, seconds the oldest of them has waited, or 0)."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(PendingWork.created_at)).where(PendingWork.done_at.is_(None))
    ).one()
    return count, (now - oldest).total_seconds() if oldest else 0.0


def first_offer_histogram():
    """Seconds from posting to the first offer, per need that got one: (cumulative bucket counts, count, sum)."""
    first = (sa.select(Need.created_at.label("posted"), sa.func.min(Match.offered_at).label("offered"))
             .join(Match, Match.need_id == Need.id).group_by(Need.id).subquery())
    return _histogram(first.c.posted, first.c.offered, FIRST_OFFER_BUCKETS)


def accept_histogram():
    """Seconds from posting to the first accept, per need someone took."""
    taken = sa.select(Need.created_at, Need.first_accepted_at).where(Need.first_accepted_at.is_not(None)).subquery()
    return _histogram(taken.c.created_at, taken.c.first_accepted_at, ACCEPT_BUCKETS)


def outbox_counts():
    """{(channel, state): messages}: what was sent, failed or is waiting, on each channel."""
    rows = db.session.execute(
        sa.select(OutboxMessage.channel, OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.channel,
                                                                                       OutboxMessage.state))
    return {(channel or "none", str(getattr(state, "value", state))): count for channel, state, count in rows}


def _histogram(start, end, bounds):
    """One aggregate query: how many intervals fall under each bound, how many in all, their sum."""
    seconds = _seconds(start, end)
    under = [sa.func.coalesce(sa.func.sum(sa.case((seconds <= bound, 1), else_=0)), 0) for bound in bounds]
    row = db.session.execute(sa.select(*under, sa.func.count(), sa.func.coalesce(sa.func.sum(seconds), 0))
                             .select_from(start.table)).one()
    return list(zip(bounds, row[:-2], strict=True)), row[-2], float(row[-1])


def _seconds(start, end):
    """end - start in seconds, in this database's own arithmetic."""
    if db.engine.dialect.name == "postgresql":
        return sa.extract("epoch", end - start)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0
