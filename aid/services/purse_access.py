"""Who may read or manage a union's purse, and which needs a person may ask it to pay for.

Members (volunteers of the union) read its ledger, contributors anonymised as each chose;
coordinators of the union, and region coordinators for every union of their region (the hub
included), read it with names and manage it. Nobody else sees it at all.
"""
import re
from enum import IntEnum

import sqlalchemy as sa

from aid.extensions import db
from aid.models import HOLDING, Escalation, Match, MatchState, Need, Purse, Union
from aid.services.access import union_scope

SLUG = re.compile(r"[a-z0-9-]{1,40}")  # what a union's short name can be (aid.services.admin.SLUG, bounded)


class Role(IntEnum):
    NONE = 0
    MEMBER = 1
    COORDINATOR = 2


def role(user, union):
    """What the person is to this union's purse: a coordinator (manages), a member (reads), or nothing."""
    if not getattr(user, "is_authenticated", False):
        return Role.NONE
    if union.id in union_scope(user):
        return Role.COORDINATOR
    if user.volunteer is not None and user.volunteer.union_id == union.id:
        return Role.MEMBER
    return Role.NONE


def unions_for(user):
    """The unions whose purse the person may read: their own union's and those they coordinate, by name."""
    ids = set(union_scope(user))
    if getattr(user, "volunteer", None) is not None and user.volunteer.union_id:
        ids.add(user.volunteer.union_id)
    return db.session.scalars(sa.select(Union).where(Union.id.in_(sorted(ids))).order_by(Union.name)).all()


def union_by_slug(slug):
    """The union with this slug and its purse (None until opened); LookupError if there is no such union."""
    union = db.session.scalar(sa.select(Union).where(Union.slug == slug)) if SLUG.fullmatch(slug) else None
    if union is None:
        raise LookupError(slug)
    return union, db.session.scalar(sa.select(Purse).where(Purse.union_id == union.id))


def payable_needs(user, union):
    """Needs the person may ask this purse to pay for, newest first.

    A coordinator: any need of the union or escalated to it (a hub pays for what reached it).
    A volunteer: the needs they accepted (holding, or done), among those.
    """
    query = _payable(user, union)
    return [] if query is None else db.session.scalars(query.order_by(Need.id.desc()).limit(50)).all()


def may_request_for(user, union, need):
    """May this person ask the purse to pay for this need?"""
    query = _payable(user, union)
    return query is not None and db.session.scalar(query.where(Need.id == need.id)) is not None


def _payable(user, union):
    query = sa.select(Need).where(_belongs(union.id))
    if role(user, union) == Role.COORDINATOR:
        return query
    if getattr(user, "volunteer", None) is None:
        return None
    return query.where(Need.id.in_(_accepted_by(user.volunteer.id)))


def _belongs(union_id):
    escalated = sa.select(Escalation.need_id).where(Escalation.union_id == union_id)
    return sa.or_(Need.union_id == union_id, Need.id.in_(escalated))


def _accepted_by(volunteer_id):
    return sa.select(Match.need_id).where(Match.volunteer_id == volunteer_id,
                                          Match.state.in_((*HOLDING, MatchState.DONE)))
