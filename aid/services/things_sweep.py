"""The sweep's part for things: holds not answered in time, bookings of closed requests, late returns."""
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.models import CLOSED_NEED, HOLDING, Booking, BookingState, Match, Need, NeedStatus, ThingSlot
from aid.services import ServiceError, things_booking, things_matching
from aid.services.things_booking import move


def expire_holds(now):
    """Cancel holds nobody confirmed in time; returns their needs, to look for another thing."""
    overdue = db.session.scalars(sa.select(Booking).where(
        Booking.state == BookingState.HELD, Booking.held_until <= now)).all()
    needs = {}
    for booking in overdue:
        try:
            move(booking, BookingState.CANCELLED, now, note="not confirmed in time")
        except ServiceError:
            continue  # confirmed meanwhile
        needs[booking.need_id] = booking.need
    return list(needs.values())


def release_closed(now):
    """End the bookings of needs that closed: holds and confirmed ones of a need cancelled or expired,
    holds of one fulfilled (a thing handed over stays out until it is back)."""
    closed = {NeedStatus.CANCELLED: (BookingState.HELD, BookingState.CONFIRMED),
              NeedStatus.EXPIRED: (BookingState.HELD, BookingState.CONFIRMED), NeedStatus.FULFILLED: (BookingState.HELD,)}
    for status, states in closed.items():
        ended = db.session.scalars(sa.select(Booking).join(Need, Booking.need_id == Need.id).where(
            Need.status == status, Booking.state.in_(states))).all()
        for booking in ended:
            move(booking, BookingState.CANCELLED, now, note=f"the request is {status.value}")


def bring_helpers_own(now):
    """"A driver with a van": once a volunteer who lends a thing a need asks for takes the need,
    their own thing replaces a hold on someone else's, and fills a thing-slot still open."""
    helped = db.session.scalars(sa.select(Need).where(
        Need.status.not_in(CLOSED_NEED), Need.id.in_(sa.select(ThingSlot.need_id)),
        Need.id.in_(sa.select(Match.need_id).where(Match.state.in_(HOLDING))))).all()
    for need in helped:
        for booking in db.session.scalars(sa.select(Booking).where(
                Booking.need_id == need.id, Booking.state == BookingState.HELD)).all():
            best = next(iter(things_matching.rank(booking.slot, need).candidates), None)
            if best is not None and things_matching.helpers_own(best) and best.thing_id != booking.thing_id:
                move(booking, BookingState.CANCELLED, now, note="a helper brings their own")
                things_booking.book(booking.slot, best.thing_id, now, best.reasons, confirm_now=True)
        things_matching.match_things(need, now)


def late(bookings, now):
    """{booking id: "soon" | "late"} for things handed over and not back, as the board marks late needs:
    amber ("soon") once past the end, red ("late") a day after it."""
    flags = {}
    for b in bookings:
        if b.state == BookingState.HANDED_OVER and now > b.ends_at:
            flags[b.id] = "late" if now - b.ends_at > timedelta(hours=24) else "soon"
    return flags
