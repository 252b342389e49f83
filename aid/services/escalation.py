"""The escalation ladder: a need nobody local takes in time goes to neighbouring unions, then the hub."""
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from aid.adapters import notify
from aid.adapters.notify import Notice
from aid.extensions import db
from aid.matching.areas import reach_km
from aid.models import Coordinator, Escalation, EventKind, LocationStatus, Need, NeedStatus, Union, Urgency, User
from aid.services import ServiceError, events, outbox, work


def escalate_due(now):
    """Climb one rung for each waiting need past its time; returns (work to run, notices).

    Rung 1, once nobody accepted within the urgency's target: volunteers of neighbouring
    unions (areas within NEIGHBOUR_KM of the need) are offered it too. Rung 2, at twice
    the target: the region's hub union is alerted and its volunteers are offered it.
    Each rung happens once and lands on the timeline. A union's `escalate_from` keeps
    its less urgent needs at home.
    """
    waiting = db.session.scalars(sa.select(Need).where(
        Need.status.in_((NeedStatus.OPEN, NeedStatus.MATCHING)), Need.first_accepted_at.is_(None),
        Need.location_status == LocationStatus.FOUND, Need.union_id.is_not(None), Need.escalation < 2)).all()
    queued, notices = [], []
    for need in waiting:
        waited = now - need.created_at
        target = timedelta(minutes=current_app.config["ACCEPT_TARGET_MINUTES"][str(need.urgency)])
        if not _may_cross(need) or waited <= target * (need.escalation + 1):
            continue
        notices += _to_neighbours(need, now) if need.escalation == 0 else _to_hub(need, now)
        queued.append(work.add(need))
    return queued, notices


def escalate_now(need, user, now):
    """A coordinator climbs one rung by hand, whatever the clock; returns the work it queued.

    The unions and coordinators it reaches are told once the escalation is committed.
    """
    if need.status.is_closed or need.union_id is None or need.location_status != LocationStatus.FOUND:
        raise ServiceError(_l("Only an open need with a place can be escalated."))
    if need.escalation >= 2:
        raise ServiceError(_l("This need has already reached the region's hub."))
    notices = _to_neighbours(need, now) if need.escalation == 0 else _to_hub(need, now)
    events.record(need, EventKind.ESCALATED_BY_HAND, "Escalated by a coordinator", user=user, now=now)
    notify.after_commit(notices)
    return work.add(need)


def allowed_unions(need):
    """Unions whose volunteers may be offered this need now: its own, plus those it escalated to."""
    escalated = db.session.scalars(sa.select(Escalation.union_id).where(Escalation.need_id == need.id))
    return {need.union_id, *escalated}


def _may_cross(need):
    union = db.session.get(Union, need.union_id)
    return Urgency(need.urgency).rank >= Urgency(union.escalate_from or Urgency.LOW).rank


def _to_neighbours(need, now):
    near = current_app.config["NEIGHBOUR_KM"]
    neighbours = [u for u in db.session.scalars(sa.select(Union).where(Union.id != need.union_id))
                  if reach_km(u, need.lat, need.lon) <= near]
    for union in neighbours:
        db.session.add(Escalation(need_id=need.id, union_id=union.id, level=1, created_at=now))
    need.escalation = 1
    names = ", ".join(u.name for u in neighbours) or "none within reach"
    events.record(need, EventKind.ESCALATED, f"Nobody local took it in time; asking neighbouring unions: {names}", now=now)
    return _tell_coordinators(need, [u.id for u in neighbours], "escalated")


def _to_hub(need, now):
    need.escalation = 2
    region = need.union.region
    hub = region.hub if region else None
    if hub is None:
        events.record(need, EventKind.HUB_ALERTED, "Still nobody; this union's region has no hub to alert", now=now)
        return []
    existing = db.session.scalar(sa.select(Escalation).where(
        Escalation.need_id == need.id, Escalation.union_id == hub.id))
    if existing is None:
        db.session.add(Escalation(need_id=need.id, union_id=hub.id, level=2, created_at=now))
    elif hub.id != need.union_id:
        existing.level = 2
    events.record(need, EventKind.HUB_ALERTED, f"Still nobody; alerted the region's hub: {hub.name}", now=now)
    return _tell_coordinators(need, [hub.id], "hub_alert")


def _tell_coordinators(need, union_ids, kind):
    users = db.session.scalars(sa.select(Coordinator.user_id).where(Coordinator.union_id.in_(union_ids))).all()
    for user in db.session.scalars(sa.select(User).where(User.id.in_(set(users)))):
        outbox.tell("escalated", outbox.coordinator(user), need=need, key=f"escalated:{need.id}:{need.escalation}:{user.id}")
    return [Notice(kind, user_id=user_id, need_id=need.id) for user_id in set(users)]
