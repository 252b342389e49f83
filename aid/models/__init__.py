"""SQLAlchemy models: columns, relationships, small invariants."""
from aid.models.enums import (  # noqa: F401
    CLOSED_NEED,
    HOLDING,
    Category,
    EventKind,
    LocationStatus,
    MatchState,
    NeedStatus,
    Urgency,
)
from aid.models.groups import Region, Union  # noqa: F401
from aid.models.invitations import Invitation  # noqa: F401
from aid.models.needs import Escalation, Event, Match, Message, Need, PendingWork, Slot  # noqa: F401
from aid.models.outbox import InboundSms, OutboxMessage, OutboxState, SmsIntake, SmsOptOut  # noqa: F401
from aid.models.people import Coordinator, Skill, User, Volunteer, utcnow, volunteer_skills  # noqa: F401
from aid.models.places import UnionPlace, UnionPlaceName  # noqa: F401
from aid.models.purse import EntryKind, EntryState, Purse, PurseEntry, PurseEvent  # noqa: F401
from aid.models.push import PushSubscription  # noqa: F401
from aid.models.things import ACTIVE_BOOKING, Booking, BookingState, Sharing, Thing, ThingKind, ThingSlot, ThingWindow  # noqa: F401
