"""Bookings: hold a thing for a need, then confirmed, handed over, returned; or cancelled, no-show.

Never booked twice. Every booking of a thing is made under the thing's row lock (PostgreSQL's
SELECT … FOR UPDATE; on SQLite the write lock that BEGIN IMMEDIATE already holds, see
aid/database.py), so bookings of one thing are applied one after the other and each sees the
ones committed before it. A consumable then takes its units by one conditional
`UPDATE things SET remaining = remaining - q WHERE remaining >= q`; a unique item or a pool
checks the units free at the busiest moment of the range (aid.matching.things.free_at_peak).
On PostgreSQL an exclusion constraint over (thing, time range) of active bookings of unique
items refuses an overlap even from code that skips this module.
"""
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.matching.things import Booked, ThingInfo, free_at_peak
from aid.matching.waves import offer_minutes
from aid.models import ACTIVE_BOOKING, Booking, BookingState, EventKind, Sharing, Thing
from aid.services import ServiceError, events, outbox

HOLD_FACTOR = 2  # an owner has twice an offer's time to confirm


def lock_thing(thing_id):
    """The thing with its row locked until the end of the transaction (see the module docstring)."""
    query = sa.select(Thing).where(Thing.id == thing_id).with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def book(slot, thing_id, now, reasons=(), by=None, confirm_now=False):
    """Hold `thing_id` for the need's thing-slot over its range; None when it is no longer free.

    A thing set to confirm by itself (or `confirm_now`: its owner is the one asking) is
    confirmed at once; otherwise its owner is told and has until `held_until` to confirm.
    """
    thing = lock_thing(thing_id)
    if thing is None or not thing.active or not _take(thing, slot):
        return None
    booking = Booking(thing_id=thing.id, need_id=slot.need_id, slot_id=slot.id, quantity=slot.quantity,
                      starts_at=slot.starts_at, ends_at=slot.ends_at, unique_item=thing.sharing == Sharing.UNIQUE,
                      reasons=[r.dump() for r in reasons], created_at=now,
                      held_until=now + timedelta(minutes=HOLD_FACTOR * offer_minutes(slot.need.urgency)))
    db.session.add(booking)
    db.session.flush()
    events.record(slot.need, EventKind.THING_HELD, f"{thing.title} held", user=by, now=now)
    if thing.auto_confirm or confirm_now:
        confirm(booking, now, by=by)
    elif thing.owner is not None:  # a member's thing: they hear of it (the group's own show on the board)
        outbox.tell("thing_held", outbox.volunteer(thing.owner), need=slot.need, key=f"thing_held:{booking.id}")
    return booking


def _take(thing, slot):
    """Take the units: a conditional update for a consumable, a check of the peak for the rest."""
    if thing.sharing == Sharing.CONSUMABLE:
        taken = db.session.execute(
            sa.update(Thing).where(Thing.id == thing.id, Thing.remaining >= slot.quantity)
            .values(remaining=Thing.remaining - slot.quantity).execution_options(synchronize_session=False))
        db.session.refresh(thing)
        return taken.rowcount == 1
    booked = db.session.execute(sa.select(Booking.starts_at, Booking.ends_at, Booking.quantity).where(
        Booking.thing_id == thing.id, Booking.state.in_(ACTIVE_BOOKING),
        Booking.starts_at < slot.ends_at, Booking.ends_at > slot.starts_at)).all()
    info = ThingInfo(thing.id, thing.kind, thing.lat, thing.lon, thing.sharing, thing.count,
                     booked=tuple(Booked(*row) for row in booked))
    return free_at_peak(info, slot.starts_at, slot.ends_at) >= slot.quantity


# state → (states it may come from, event kind, the timestamp it sets)
MOVES = {
    BookingState.CONFIRMED: ((BookingState.HELD,), EventKind.THING_CONFIRMED, "confirmed_at"),
    BookingState.HANDED_OVER: ((BookingState.CONFIRMED,), EventKind.THING_HANDED_OVER, "handed_over_at"),
    BookingState.RETURNED: ((BookingState.HANDED_OVER,), EventKind.THING_RETURNED, "returned_at"),
    BookingState.CANCELLED: ((BookingState.HELD, BookingState.CONFIRMED), EventKind.THING_CANCELLED, None),
    BookingState.NO_SHOW: ((BookingState.CONFIRMED,), EventKind.THING_CANCELLED, None),
}


def move(booking, target, now, by=None, note=""):
    """Move a booking on by one conditional update of its state; ServiceError if it already moved."""
    sources, kind, stamp = MOVES[target]
    lock_thing(booking.thing_id)
    values = {"state": target, **({stamp: now} if stamp else {}), **({"condition_note": note[:300]} if note else {})}
    moved = db.session.execute(sa.update(Booking).where(Booking.id == booking.id, Booking.state.in_(sources))
                               .values(**values).execution_options(synchronize_session=False))
    db.session.refresh(booking)
    if moved.rowcount != 1:
        raise ServiceError(_l("This booking has already changed: it is now %(state)s.", state=booking.state.label))
    if target in (BookingState.CANCELLED, BookingState.NO_SHOW):
        _give_back(booking)
    detail = f"{booking.thing.title}: {target.value.replace('_', ' ')}" + (f" ({note[:200]})" if note else "")
    events.record(booking.need, kind, detail, user=by, now=now)
    return booking


def confirm(booking, now, by=None):
    return move(booking, BookingState.CONFIRMED, now, by)


def _give_back(booking):
    """A consumable's units come back to stock when its booking ends unused."""
    if booking.thing.sharing == Sharing.CONSUMABLE:
        db.session.execute(sa.update(Thing).where(Thing.id == booking.thing_id)
                           .values(remaining=Thing.remaining + booking.quantity).execution_options(synchronize_session=False))
        db.session.refresh(booking.thing)
