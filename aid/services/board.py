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
    LocationStatus,
    Match,
    Need,
    NeedStatus,
    Skill,
    Slot,
    Urgency,
    Volunteer,
)
from aid.models.enums import EventKind
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
MAX_PAGES = 5  # 30 cards a page: one column shows at most 150 (the poll's token must stay short)


@dataclass(frozen=True)
class Filters:
    """What the coordinator narrowed the board to; unknown values are ignored, never an error."""

    column: str = ""
    urgency: str = ""
    category: str = ""
    skill: str = ""
    older_than_hours: int = 0
    pages: int = 0  # with one column chosen: how many pages of cards (0 or 1: the first)

    @classmethod
    def from_args(cls, args, skills=(), older_than_hours=None, pages=None):
        """The filters from a query string; the numbers come already checked (aid.web.params.query_int)."""
        def pick(name, allowed):
            value = args.get(name, "")
            return value if value in allowed else ""

        column = pick("column", {name for name, _ in COLUMNS})
        return cls(
            column=column,
            urgency=pick("urgency", {u.value for u in Urgency}),
            category=pick("category", {c.value for c in Category}),
            skill=pick("skill", set(skills)),
            older_than_hours=older_than_hours or 0,
            pages=min(pages or 0, MAX_PAGES) if column and (pages or 0) > 1 else 0,
        )

    def query(self):
        """Only the filters that are set, for links and the poll URL."""
        return {k: v for k, v in self.__dict__.items() if v}

    def where(self, query, now):
        """`query` of needs narrowed to these filters (the column is the caller's)."""
        if self.urgency:
            query = query.where(Need.urgency == self.urgency)
        if self.category:
            query = query.where(Need.category == self.category)
        if self.skill:
            query = query.where(Need.id.in_(sa.select(Slot.need_id).join(Skill).where(Skill.slug == self.skill)))
        if self.older_than_hours:
            query = query.where(Need.created_at <= now - timedelta(hours=self.older_than_hours))
        return query


def union_ids(user):
    return sorted(union_scope(user))


def visible(unions):
    """Needs of these unions and needs escalated to them (a need not yet routed is nobody's)."""
    escalated = sa.select(Escalation.need_id).where(Escalation.union_id.in_(unions))
    return sa.or_(Need.union_id.in_(unions), Need.id.in_(escalated))


def newest_event(unions):
    """The id of the newest event a board of these unions may show: one small query.

    Three maxima, each an index lookup (events by union, events not yet routed, events of
    needs escalated here), rather than one max over an OR the planner cannot index.
    """
    escalated = sa.select(Escalation.need_id).where(Escalation.union_id.in_(unions))
    maxima = (sa.select(sa.func.max(Event.id)).where(condition).scalar_subquery() for condition in (
        Event.union_id.in_(unions), Event.union_id.is_(None), Event.need_id.in_(escalated)))
    return max((m for m in db.session.execute(sa.select(*maxima)).one() if m is not None), default=0)


def version(unions, now):
    """Changes with every event of the needs shown, and with each minute (cards age)."""
    return f"board-{'-'.join(map(str, unions))}-{newest_event(unions)}-{now:%Y%m%d%H%M}"


def shown(unions, filters, now):
    """The condition for the needs the board shows: visible, in a shown state, done only from the last day."""
    states = [s for name, in_column in COLUMNS if not filters.column or name == filters.column for s in in_column]
    return sa.and_(visible(unions), Need.status.in_(states),
                   sa.or_(Need.status != NeedStatus.FULFILLED, Need.closed_at >= now - DONE_SHOWN_FOR))


def needs(unions, filters, now):
    """The needs the board shows as full rows (for the map), most urgent then oldest first."""
    query = filters.where(sa.select(Need).where(shown(unions, filters, now)), now)
    found = db.session.scalars(query).all()
    return sorted(found, key=lambda n: (-Urgency(n.urgency).rank, n.created_at))


def full(ids):
    """The needs with these ids, with their helpers loaded for the cards: {id: Need}."""

    query = sa.select(Need).where(Need.id.in_(ids)).options(
        selectinload(Need.matches).joinedload(Match.volunteer).joinedload(Volunteer.user))
    return {n.id: n for n in db.session.scalars(query)} if ids else {}


def lateness(need, now, targets=None):
    """"late" past the urgency's target with nobody accepted, "soon" past half of it, else ""."""
    if need.status not in WAITING or need.first_accepted_at is not None:
        return ""
    targets = targets or current_app.config["ACCEPT_TARGET_MINUTES"]
    target = timedelta(minutes=targets[str(need.urgency)])
    waited = now - need.created_at
    return "late" if waited > target else "soon" if waited > target / 2 else ""


def stuck_reason(row, late):
    """Why a person should look at a waiting need now ("no_place", "nobody_eligible", "late"), or ""."""
    if row.status not in WAITING:
        return ""
    if row.location_status == LocationStatus.NOT_FOUND:
        return "no_place"
    if row.last_kind == EventKind.NO_VOLUNTEER:
        return "nobody_eligible"
    return "late" if late == "late" else ""
