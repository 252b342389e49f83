"""Status and choice values, stored as their string value, with their order and the words people read.

Labels are lazy_gettext strings, read in the reader's language when shown. The urgency order
itself lives in the pure engine (aid.matching.weights.URGENCY_RANK, which must not import
Flask or SQLAlchemy); Urgency.rank reads it, so there is one order.
"""
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.matching.weights import URGENCY_RANK


class Category(StrEnum):
    FOOD = "food"
    MEDICINE = "medicine"
    TRANSPORT = "transport"
    SHELTER = "shelter"
    REPAIRS = "repairs"
    CARE = "care"
    CHECK_IN = "check_in"
    OTHER = "other"

    @property
    def label(self):
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.FOOD: _l("Food"), Category.MEDICINE: _l("Medicine"), Category.TRANSPORT: _l("Transport"),
    Category.SHELTER: _l("Shelter"), Category.REPAIRS: _l("Repairs"), Category.CARE: _l("Care"),
    Category.CHECK_IN: _l("Check on someone"), Category.OTHER: _l("Other"),
}


class Urgency(StrEnum):
    """Least urgent first, as declared; `rank` orders them (higher is more urgent)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self):
        """0 for low up to 3 for critical: sort by -rank for the most urgent first."""
        return URGENCY_RANK[self.value]

    @property
    def label(self):
        """The short name on badges and filters ("Right now")."""
        return URGENCY_LABELS[self][0]

    @property
    def ask_label(self):
        """The longer choice on the ask form, most urgent first (see most_urgent_first)."""
        return URGENCY_LABELS[self][1]

    @classmethod
    def most_urgent_first(cls):
        return sorted(cls, key=lambda u: -u.rank)


URGENCY_LABELS = {
    Urgency.CRITICAL: (_l("Right now"), _l("Right now: someone is in danger or without essentials")),
    Urgency.HIGH: (_l("Within a few hours"), _l("Within a few hours")),
    Urgency.NORMAL: (_l("Today"), _l("Today")),
    Urgency.LOW: (_l("In the next few days"), _l("In the next few days")),
}


class NeedStatus(StrEnum):
    OPEN = "open"
    MATCHING = "matching"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_closed(self):
        return self in CLOSED_NEED


CLOSED_NEED = frozenset({NeedStatus.FULFILLED, NeedStatus.CANCELLED, NeedStatus.EXPIRED})


class MatchState(StrEnum):
    PROPOSED = "proposed"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EN_ROUTE = "en_route"
    DONE = "done"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    RELEASED = "released"


# A match in one of these states holds its slot.
HOLDING = frozenset({MatchState.ACCEPTED, MatchState.EN_ROUTE})


class EventKind(StrEnum):
    """What a line of a need's timeline records; stored as its value in events.kind."""

    POSTED = "posted"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EN_ROUTE = "en_route"
    DONE = "done"
    RELEASED = "released"
    CANCELLED = "cancelled"
    FULFILLED = "fulfilled"
    CLOSED = "closed"
    EXPIRED = "expired"
    LOCATED = "located"
    LOCATION_NOT_FOUND = "location_not_found"
    NO_VOLUNTEER = "no_volunteer"
    ESCALATED = "escalated"
    ESCALATED_BY_HAND = "escalated_by_hand"
    HUB_ALERTED = "hub_alerted"
    ASSIGNED = "assigned"
    MERGED = "merged"
    MESSAGE = "message"
    EDITED = "edited"
    CHECKIN_ASKED = "checkin_asked"
    STILL_NEEDED = "still_needed"
    PURGED = "purged"
    EXPORTED = "exported"
    # Shared things (aid/services/things_booking.py)
    THING_HELD = "thing_held"
    THING_CONFIRMED = "thing_confirmed"
    THING_HANDED_OVER = "thing_handed_over"
    THING_RETURNED = "thing_returned"
    THING_CANCELLED = "thing_cancelled"

    @property
    def label(self):
        return EVENT_LABELS[self]

    @classmethod
    def label_of(cls, value):
        """The label of a stored kind; a kind this code does not know reads as stored."""
        return cls(value).label if value in cls._value2member_map_ else value


EVENT_LABELS = {
    EventKind.POSTED: _l("posted"), EventKind.OFFERED: _l("offered"), EventKind.ACCEPTED: _l("accepted"),
    EventKind.DECLINED: _l("declined"), EventKind.EN_ROUTE: _l("on the way"), EventKind.DONE: _l("done"),
    EventKind.RELEASED: _l("given back"), EventKind.CANCELLED: _l("cancelled"), EventKind.FULFILLED: _l("fulfilled"),
    EventKind.CLOSED: _l("closed"), EventKind.EXPIRED: _l("offers expired"), EventKind.LOCATED: _l("placed"),
    EventKind.LOCATION_NOT_FOUND: _l("place not found"), EventKind.NO_VOLUNTEER: _l("nobody eligible"),
    EventKind.ESCALATED: _l("escalated"), EventKind.ESCALATED_BY_HAND: _l("escalated by hand"),
    EventKind.HUB_ALERTED: _l("hub alerted"), EventKind.ASSIGNED: _l("assigned"), EventKind.MERGED: _l("merged"),
    EventKind.MESSAGE: _l("message"), EventKind.EDITED: _l("edited"), EventKind.CHECKIN_ASKED: _l("asked if still needed"),
    EventKind.STILL_NEEDED: _l("still needed"), EventKind.PURGED: _l("personal data erased"),
    EventKind.EXPORTED: _l("exported"),
    EventKind.THING_HELD: _l("thing held"), EventKind.THING_CONFIRMED: _l("thing confirmed"),
    EventKind.THING_HANDED_OVER: _l("thing handed over"), EventKind.THING_RETURNED: _l("thing returned"),
    EventKind.THING_CANCELLED: _l("thing booking ended"),
}
# Events that record who looked or wrote, not what happened to the need.
AUDIT_ONLY = frozenset({EventKind.EXPORTED, EventKind.MESSAGE, EventKind.PURGED})


class LocationStatus(StrEnum):
    PENDING = "pending"
    FOUND = "found"
    NOT_FOUND = "not_found"


def enum_column(enum_cls, **kw):
    """A portable VARCHAR column holding an enum's values (no native PostgreSQL type)."""
    kind = sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda e: [m.value for m in e],
        name=enum_cls.__name__.lower(),
    )
    return sa.Column(kind, **kw)
