"""Match a need's thing-slots: rank the things in reach (aid.matching.things) and hold the best."""
import sqlalchemy as sa

from aid.extensions import db
from aid.matching.geo import travel_box
from aid.matching.things import DEFAULT_KM, HELPERS_OWN, Booked, ThingAsk, ThingInfo, rank_things
from aid.models import ACTIVE_BOOKING, HOLDING, Booking, BookingState, Match, Thing, ThingSlot, Volunteer
from aid.services import things_booking
from aid.services.candidates import lon_inside


def ask_for(need, kind, quantity, starts, ends):
    """Add a thing-slot to a need: "a bed for 2 nights", "a van Saturday 10:00 to 14:00"."""
    slot = ThingSlot(need_id=need.id, kind=kind, quantity=quantity, starts_at=starts, ends_at=ends)
    db.session.add(slot)
    db.session.flush()
    return slot


def slots_of(need):
    return db.session.scalars(sa.select(ThingSlot).where(ThingSlot.need_id == need.id).order_by(ThingSlot.id)).all()


def open_slots(need):
    """The need's thing-slots that no booking holds (nor a finished one filled)."""
    return [slot for slot in slots_of(need) if slot.booking is None]


def match_things(need, now):
    """Hold the best free thing for each open thing-slot of a located, open need; returns the bookings."""
    if need.status.is_closed or not need.located:
        return []
    held = []
    for slot in open_slots(need):
        ranked = rank(slot, need)
        for candidate in ranked.candidates:
            booking = things_booking.book(slot, candidate.thing_id, now, candidate.reasons,
                                          confirm_now=helpers_own(candidate))
            if booking is not None:
                held.append(booking)
                break
    return held


def helpers_own(candidate):
    """The thing is lent by a volunteer who took the need: they bring it, no need to ask them."""
    return any(r.code == HELPERS_OWN for r in candidate.reasons)


def rank(slot, need, union_ids=None):
    """The ranked things for a slot (and the excluded with their rule); `union_ids` limits whose things."""
    return rank_things(_ask(slot, need), _things_near(slot, need, union_ids))


def _ask(slot, need):
    tried = db.session.scalars(sa.select(Booking.thing_id).where(
        Booking.slot_id == slot.id, Booking.state.in_((BookingState.CANCELLED, BookingState.NO_SHOW))))
    helpers = db.session.execute(sa.select(Volunteer.id, Volunteer.vetting).join(Match, Match.volunteer_id == Volunteer.id)
                                 .where(Match.need_id == need.id, Match.state.in_(HOLDING))).all()
    return ThingAsk(slot.id, slot.kind.value, need.lat, need.lon, slot.starts_at, slot.ends_at, slot.quantity,
                    max_km=need.max_km or DEFAULT_KM, vetting=max((v for _i, v in helpers), default=0),
                    excluded=frozenset(tried), helpers=frozenset(i for i, _v in helpers))


def _things_near(slot, need, union_ids):
    south, north, west, east = travel_box(need.lat, need.lon, need.max_km or DEFAULT_KM)
    query = sa.select(Thing).where(Thing.active.is_(True), Thing.kind == slot.kind,
                                   Thing.lat.between(south, north), lon_inside(west, east, Thing.lon))
    if union_ids is not None:
        query = query.where(Thing.union_id.in_(union_ids))
    things = db.session.scalars(query).all()
    booked = _active_bookings([t.id for t in things], slot)
    return [_info(thing, booked.get(thing.id, ())) for thing in things]


def _active_bookings(thing_ids, slot):
    if not thing_ids:
        return {}
    rows = db.session.execute(sa.select(Booking.thing_id, Booking.starts_at, Booking.ends_at, Booking.quantity).where(
        Booking.thing_id.in_(thing_ids), Booking.state.in_(ACTIVE_BOOKING),
        Booking.starts_at < slot.ends_at, Booking.ends_at > slot.starts_at)).all()
    booked = {}
    for thing_id, *rest in rows:
        booked.setdefault(thing_id, []).append(Booked(*rest))
    return booked


def _info(thing, booked):
    return ThingInfo(thing.id, thing.kind.value, thing.lat, thing.lon, thing.sharing.value, thing.count,
                     thing.remaining, tuple((w.starts_at, w.ends_at) for w in thing.windows), tuple(booked),
                     thing.vetted_only, thing.best_before, thing.owner_id)
