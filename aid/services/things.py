"""Offering things: a volunteer offers their own, a coordinator offers their union's (or hub's)."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.matching.geo import coarse_cell
from aid.models import Booking, Sharing, Thing, ThingWindow
from aid.services import FieldError, ServiceError, access, locating

EDITABLE = ("kind", "title", "description", "sharing", "count", "best_before", "vetted_only", "auto_confirm",
            "handover_notes", "active")
CELL_KM = 2.0  # the public area of a thing: a 2 km cell, as for needs where few people live


def offer(fields, owner=None, union_id=None):
    """Store a new thing of `owner` (a volunteer), or of the union `union_id` when owner is None."""
    thing = Thing(owner_id=owner.id if owner else None)
    _apply(thing, fields)
    thing.union_id = union_id if owner is None else (owner.union_id or _union_at(thing))
    db.session.add(thing)
    db.session.flush()
    return thing


def update(thing, fields):
    """Change a thing; a consumable's stock follows its new count, never below what is booked."""
    booked = thing.count - thing.remaining if thing.sharing == Sharing.CONSUMABLE else 0
    if fields["sharing"] == Sharing.CONSUMABLE and fields["count"] < booked:
        raise FieldError("count", _l("%(n)s are already booked: the quantity cannot be lower.", n=booked))
    _apply(thing, fields, booked)
    db.session.flush()
    return thing


def _apply(thing, fields, booked=0):
    for name in EDITABLE:
        if name in fields:
            setattr(thing, name, fields[name])
    thing.remaining = thing.count - booked if thing.sharing == Sharing.CONSUMABLE else thing.count
    if fields.get("lat") is not None:
        thing.lat, thing.lon = fields["lat"], fields["lon"]
        thing.place_label = (fields.get("place_label") or "")[:120]
        thing.cell_km = CELL_KM
        thing.cell_lat, thing.cell_lon = coarse_cell(thing.lat, thing.lon, CELL_KM)


def _union_at(thing):
    union = locating.route(thing.lat, thing.lon)
    return union.id if union else None


def add_window(thing, starts, ends):
    if ends <= starts:
        raise FieldError("ends_at", _l("The end must come after the start."))
    window = ThingWindow(thing=thing, starts_at=starts, ends_at=ends)
    db.session.add(window)
    db.session.flush()
    return window


def remove_window(thing, window_id):
    window = next((w for w in thing.windows if w.id == window_id), None)
    if window is None:
        raise ServiceError(_l("That time is no longer listed."))
    thing.windows.remove(window)
    db.session.flush()


def may_manage(user, thing):
    """The owner, or a coordinator of the thing's union (or of its region)."""
    volunteer = getattr(user, "volunteer", None)
    if volunteer is not None and thing.owner_id == volunteer.id:
        return True
    return thing.union_id is not None and thing.union_id in access.union_scope(user)


def get_managed(thing_id, user):
    """A thing the user may manage; LookupError (a 404) for anyone else's or an unknown id."""
    thing = db.session.get(Thing, thing_id)
    if thing is None or not may_manage(user, thing):
        raise LookupError(thing_id)
    return thing


def managed_by(user):
    """The user's own things, then those of the unions they coordinate."""
    volunteer = getattr(user, "volunteer", None)
    mine = [Thing.owner_id == volunteer.id] if volunteer else []
    scope = access.union_scope(user)
    theirs = [sa.and_(Thing.owner_id.is_(None), Thing.union_id.in_(scope))] if scope else []
    if not mine and not theirs:
        return []
    return db.session.scalars(sa.select(Thing).where(sa.or_(*mine, *theirs)).order_by(Thing.id)).all()


def bookings_of(things, states):
    """Bookings of these things in these states, soonest first."""
    ids = [t.id for t in things]
    if not ids:
        return []
    return db.session.scalars(sa.select(Booking).where(Booking.thing_id.in_(ids), Booking.state.in_(states))
                              .order_by(Booking.starts_at, Booking.id)).all()
