"""Who may see what. Views ask these; templates only show what they are given."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from aid.extensions import db
from aid.models import HOLDING, Escalation, MatchState, Union


def union_scope(user):
    """The unions a coordinator oversees: their own, and every union of the regions they coordinate."""
    if not getattr(user, "is_authenticated", False):
        return set()
    unions = {c.union_id for c in user.coordinator_of if c.union_id}
    regions = {c.region_id for c in user.coordinator_of if c.region_id}
    if regions:
        unions |= set(db.session.scalars(sa.select(Union.id).where(Union.region_id.in_(regions))))
    return unions


def coordinates(user, need):
    """A coordinator of the need's union, or of a union it was escalated to.

    A need not yet routed to a union (its place still being looked up) is nobody's: the
    job that looks it up gives it to a union even when the place is not found.
    """
    scope = union_scope(user)
    if not scope or need.union_id is None:
        return False
    if need.union_id in scope:
        return True
    return db.session.scalar(sa.select(Escalation.id).where(
        Escalation.need_id == need.id, Escalation.union_id.in_(scope)).limit(1)) is not None


def may_see_private(user, need, match=None, now=None):
    """Exact place and contact: the union's coordinators, and the volunteer who accepted.

    The accepted volunteer keeps access while holding the task and for a grace period
    after finishing it; then it is hidden again.
    """
    if coordinates(user, need):
        return True
    if match is None or match.need_id != need.id:
        return False
    if match.state in HOLDING:
        return True
    if match.state == MatchState.DONE and now is not None:
        finished = need.closed_at or match.responded_at or now
        return now - finished <= timedelta(hours=current_app.config["REVEAL_GRACE_HOURS"])
    return False
