"""Who may see what. Views ask these; templates only show what they are given."""
from datetime import timedelta

from flask import current_app

from aid.models import HOLDING, MatchState


def coordinates(user, need):
    """A coordinator of the need's union (unrouted needs are visible to every coordinator)."""
    if not getattr(user, "is_authenticated", False):
        return False
    union_ids = {c.union_id for c in user.coordinator_of}
    return bool(union_ids) and (need.union_id is None or need.union_id in union_ids)


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
