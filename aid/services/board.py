"""What a coordinator's board shows: the union's needs in columns, and a version to poll."""
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.models import Event, Need, NeedStatus

COLUMNS = (
    ("open", (NeedStatus.OPEN,)),
    ("offered", (NeedStatus.MATCHING,)),
    ("accepted", (NeedStatus.ASSIGNED,)),
    ("in_progress", (NeedStatus.IN_PROGRESS,)),
    ("done", (NeedStatus.FULFILLED,)),
)
DONE_SHOWN_FOR = timedelta(days=1)


def union_ids(user):
    return sorted({c.union_id for c in user.coordinator_of})


def version(unions):
    """The newest event id of these unions (or of unrouted needs): it changes with every change."""
    newest = db.session.scalar(sa.select(sa.func.max(Event.id)).where(
        sa.or_(Event.union_id.in_(unions), Event.union_id.is_(None))))
    return f"board-{'-'.join(map(str, unions))}-{newest or 0}"


def columns(unions, now):
    """Needs by column, most urgent then oldest first; done needs only from the last day."""
    shown = [s for _, states in COLUMNS for s in states]
    needs = db.session.scalars(
        sa.select(Need).where(
            sa.or_(Need.union_id.in_(unions), Need.union_id.is_(None)),
            Need.status.in_(shown),
            sa.or_(Need.status != NeedStatus.FULFILLED, Need.closed_at >= now - DONE_SHOWN_FOR),
        ).order_by(Need.created_at)
    ).all()
    rank = {"critical": 0, "high": 1, "normal": 2, "low": 3}
    needs.sort(key=lambda n: (rank[str(n.urgency)], n.created_at))
    return [(name, [n for n in needs if n.status in states]) for name, states in COLUMNS]
