"""The hub's view: stock and bookings across a coordinator's unions, and lending a union's thing to another's need."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.matching.types import Reason
from aid.models import CLOSED_NEED, Booking, Need, Thing, ThingSlot, Union
from aid.services import ServiceError, access, things_booking, things_matching
from aid.services.exports import iso


def stock(user):
    """Every thing of the unions the user oversees, by union name then title."""
    scope = access.union_scope(user)
    if not scope:
        return []
    return db.session.scalars(sa.select(Thing).where(Thing.union_id.in_(scope)).order_by(Thing.union_id, Thing.title)).all()


def bookings(user, states):
    """Bookings of the user's unions' things or for their unions' needs, soonest end first."""
    scope = access.union_scope(user)
    if not scope:
        return []
    ours = sa.or_(Booking.thing_id.in_(sa.select(Thing.id).where(Thing.union_id.in_(scope))),
                  Booking.need_id.in_(sa.select(Need.id).where(Need.union_id.in_(scope))))
    return db.session.scalars(sa.select(Booking).where(ours, Booking.state.in_(states))
                              .order_by(Booking.ends_at, Booking.id)).all()


def open_asks(user):
    """Thing-slots of open needs in the user's unions that nothing holds yet."""
    scope = access.union_scope(user)
    if not scope:
        return []
    slots = db.session.scalars(sa.select(ThingSlot).join(Need).where(
        Need.union_id.in_(scope), Need.status.not_in(CLOSED_NEED)).order_by(ThingSlot.starts_at)).all()
    return [slot for slot in slots if slot.booking is None]


def lend(user, slot, thing_id, now):
    """A coordinator books a thing of one of their unions for a need they coordinate.

    The group's own things are confirmed at once (the coordinator speaks for the group); a
    member's thing is held for its owner to confirm, as when the matcher picks it.
    """
    scope = access.union_scope(user)
    thing = db.session.get(Thing, thing_id)
    if thing is None or thing.union_id not in scope or slot.need.union_id not in scope:
        raise ServiceError(_l("You can lend only things of your unions, to their requests."))
    if slot.booking is not None:
        raise ServiceError(_l("Something is already booked for this."))
    booking = things_booking.book(slot, thing.id, now, [Reason.of("chosen_by_coordinator")], by=user)
    if booking is None:
        raise ServiceError(_l("It is no longer free then. Pick another."))
    if thing.owner_id is None and booking.state == "held":
        things_booking.confirm(booking, now, by=user)
    return booking


def ranked_in_scope(user, slot):
    """The things of the user's unions ranked for the slot (any union: the federation ladder for things)."""
    return things_matching.rank(slot, slot.need, union_ids=access.union_scope(user))


OPEN_DATA = (  # (column, HXL hashtag): no owner, no place but the public cell, no notes, no requester
    ("record", "#meta+type"), ("id", "#meta+id"), ("kind", "#item+type"), ("sharing", "#item+sharing"),
    ("count", "#item+num"), ("remaining", "#item+num+remaining"), ("cell_lat", "#geo+lat"), ("cell_lon", "#geo+lon"),
    ("union", "#org+name+impl"), ("thing_id", "#item+id"), ("state", "#status+code"),
    ("starts_at", "#date+start"), ("ends_at", "#date+end"),
)


def open_data(unions):
    """Header, HXL row, then one line per thing of these unions and one per booking of those things."""
    names = dict(db.session.execute(sa.select(Union.id, Union.name).where(Union.id.in_(unions))).all())
    things = db.session.scalars(sa.select(Thing).where(Thing.union_id.in_(unions)).order_by(Thing.id)).all()
    lines = [["thing", t.id, str(t.kind), str(t.sharing), t.count, t.remaining, t.cell_lat, t.cell_lon,
              names.get(t.union_id), None, None, None, None] for t in things]
    found = db.session.scalars(sa.select(Booking).where(Booking.thing_id.in_([t.id for t in things]))
                               .order_by(Booking.id)).all() if things else []
    lines += [["booking", b.id, None, None, b.quantity, None, None, None, None, b.thing_id, str(b.state),
               iso(b.starts_at, "minutes"), iso(b.ends_at, "minutes")] for b in found]
    return [[name for name, _tag in OPEN_DATA], [tag for _name, tag in OPEN_DATA], *lines]
