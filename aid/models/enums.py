"""Status and choice values, stored as their string value."""
from enum import StrEnum

import sqlalchemy as sa


class Category(StrEnum):
    FOOD = "food"
    MEDICINE = "medicine"
    TRANSPORT = "transport"
    SHELTER = "shelter"
    REPAIRS = "repairs"
    CARE = "care"
    CHECK_IN = "check_in"
    OTHER = "other"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


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
