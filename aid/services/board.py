"""What a coordinator's board shows: needs by column, filtered, aged against targets; a version to poll."""
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from aid.extensions import db
from aid.models import (
    Category,
    Escalation,
    Event,
    EventKind,
    LocationStatus,
    Match,
    Need,
    NeedStatus,
    Skill,
    Slot,
    Urgency,
    Volunteer,
)
from aid.services import events
from aid.services.access import union_scope

COLUMNS = (
    ("open", (NeedStatus.OPEN,)),
    ("offered", (NeedStatus.MATCHING,)),
    ("accepted", (NeedStatus.ASSIGNED,)),
    ("in_progress", (NeedStatus.IN_PROGRESS,)),
    ("done", (NeedStatus.FULFILLED,)),
)
WAITING = (NeedStatus.OPEN, NeedStatus.MATCHING)
DONE_SHOWN_FOR = timedelta(days=1)


@dataclass(frozen=True)
class Filters:
    """What the coordinator narrowed the board to; unknown values are ignored, never an error."""

    column: str = ""
    urgency: str = ""
    category: str = ""
    skill: str = ""
    older_than_hours: int = 0

    @classmethod
    def from_args(cls, args, skills=(), older_than_hours=None):
        """The filters from a query string; the hours come already checked (aid.web.params.query_int)."""
        def pick(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else ""

        return cls(
            column=pick("column", {name for name, _ in COLUMNS}),
            urgency=pick("urgency", {u.value for u in Urgency}),
            category=pick("category", {c.value for c in Category}),
            skill=pick("skill", set(skills)),
            older_than_hours=older_than_hours or 0,
        )

    def query(self):
        """Only the filters that are set, for links and the poll URL."""
        return {k: v for k, v in self.__dict__.items() if v}


def union_ids(user):
    return sorted(union_scope(user))


def visible(unions):
    """Needs of these unions and needs escalated to them (a need not yet routed is nobody's)."""
    escalated = sa.select(Escalation.need_id).where(Escalation.union_id.in_(unions))
    return sa.or_(Need.union_id.in_(unions), Need.id.in_(escalated))


def version(unions, now):
    """Changes with every event of the needs shown, and with each minute (cards age)."""
    escalated = sa.select(Escalation.need_id).where(Escalation.union_id.in_(unions))
    newest = db.session.scalar(sa.select(sa.func.max(Event.id)).where(
        sa.or_(Event.union_id.in_(unions), Event.union_id.is_(None), Event.need_id.in_(escalated))))
    return f"board-{'-'.join(map(str, unions))}-{newest or 0}-{now:%Y%m%d%H%M}"


def needs(unions, filters, now):
    """The needs the board shows (done ones only from the last day), most urgent then oldest first."""
    shown = [s for name, states in COLUMNS if not filters.column or name == filters.column for s in states]
    query = sa.select(Need).where(
        visible(unions), Need.status.in_(shown),
        sa.or_(Need.status != NeedStatus.FULFILLED, Need.closed_at >= now - DONE_SHOWN_FOR))
    if filters.urgency:
        query = query.where(Need.urgency == filters.urgency)
    if filters.category:
        query = query.where(Need.category == filters.category)
    if filters.skill:
        query = query.where(Need.id.in_(sa.select(Slot.need_id).join(Skill).where(Skill.slug == filters.skill)))
    if filters.older_than_hours:
        query = query.where(Need.created_at <= now - timedelta(hours=filters.older_than_hours))
    found = db.session.scalars(query.options(
        selectinload(Need.events), selectinload(Need.matches).joinedload(Match.volunteer).joinedload(Volunteer.user),
    )).all()
    return sorted(found, key=lambda n: (-Urgency(n.urgency).rank, n.created_at))


def columns(found):
    return [(name, [n for n in found if n.status in states]) for name, states in COLUMNS]


def lateness(need, now):
    """"late" past the urgency's target with nobody accepted, "soon" past half of it, else ""."""
    if need.status not in WAITING or need.first_accepted_at is not None:
        return ""
    target = timedelta(minutes=current_app.config["ACCEPT_TARGET_MINUTES"][str(need.urgency)])
    waited = now - need.created_at
    return "late" if waited > target else "soon" if waited > target / 2 else ""


def stuck(found, now):
    """Needs a person should look at now, each with why: no place, nobody eligible, or late."""
    reasons = []
    for need in found:
        if need.status not in WAITING:
            continue
        if need.location_status == LocationStatus.NOT_FOUND:
            reasons.append((need, "no_place"))
        elif (last := events.last_state_event(need)) is not None and last.kind == EventKind.NO_VOLUNTEER:
            reasons.append((need, "nobody_eligible"))
        elif lateness(need, now) == "late":
            reasons.append((need, "late"))
    return reasons


def summary(found, now):
    """Waiting needs by urgency, and how many are late."""
    waiting = [n for n in found if n.status in WAITING]
    by_urgency = {u.value: sum(1 for n in waiting if n.urgency == u) for u in Urgency}
    return {"by_urgency": by_urgency, "late": sum(1 for n in waiting if lateness(n, now) == "late")}
