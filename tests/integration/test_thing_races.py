"""Concurrent bookings on separate connections with real commits: a thing is never booked twice."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import ACTIVE_BOOKING, Booking, Thing, ThingSlot, utcnow
from aid.services import things_booking
from tests.conftest import at_once
from tests.factories import add_union
from tests.thing_factories import add_need_asking, add_thing

THREADS = 10


def _race(app, thing_id, slot_ids):
    def book(slot_id):
        with app.app_context():
            booking = things_booking.book(db.session.get(ThingSlot, slot_id), thing_id, utcnow())
            db.session.commit()
            db.session.remove()
            return booking is not None

    outcomes = at_once([lambda s=s: book(s) for s in slot_ids])
    assert all(isinstance(o, bool) for o in outcomes), outcomes
    return sum(outcomes)


def _setup(app, quantity=1, **thing_fields):
    with app.app_context():
        union = add_union()
        thing = add_thing(union=union, **thing_fields)
        starts = (utcnow() + timedelta(days=1)).replace(microsecond=0)
        # Each racer's range overlaps every other's at its start.
        slots = [add_need_asking(quantity=quantity, starts=starts + timedelta(minutes=i), hours=10)[1].id
                 for i in range(THREADS)]
        return thing.id, slots


@pytest.mark.parametrize("round_", range(2))
def test_people_booking_the_last_bed_at_once_leave_exactly_one_booking(make, round_):
    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    thing_id, slots = _setup(app)
    assert _race(app, thing_id, slots) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Booking).where(
            Booking.thing_id == thing_id, Booking.state.in_(ACTIVE_BOOKING))) == 1


def test_a_pool_of_three_is_booked_three_times_at_most(make):
    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    thing_id, slots = _setup(app, sharing="pool", count=3, title="Camp beds")
    assert _race(app, thing_id, slots) == 3


def test_a_consumable_is_never_taken_below_zero(make):
    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 2})
    thing_id, slots = _setup(app, quantity=2, kind="food", sharing="consumable", count=7, title="Tins")
    assert _race(app, thing_id, slots) == 3
    with app.app_context():
        assert db.session.get(Thing, thing_id).remaining == 1


def test_postgresql_refuses_overlapping_bookings_of_a_unique_item_written_around_the_service(make, database):
    """The exclusion constraint: two active overlapping bookings of one unique item cannot both be stored."""
    if database.backend != "postgresql":
        pytest.skip("SQLite has no exclusion constraints; the booking service's lock is the guarantee there")
    app = make()
    thing_id, slots = _setup(app)
    with app.app_context():
        first, second = (db.session.get(ThingSlot, s) for s in slots[:2])
        for slot in (first, second):
            db.session.add(Booking(thing_id=thing_id, need_id=slot.need_id, slot_id=slot.id, starts_at=slot.starts_at,
                                   ends_at=slot.ends_at, unique_item=True, reasons=[]))
        with pytest.raises(sa.exc.IntegrityError, match="ex_bookings_unique_thing_overlap"):
            db.session.commit()
        db.session.rollback()
        # A cancelled booking holds nothing: the same overlap is then allowed.
        db.session.add_all([Booking(thing_id=thing_id, need_id=s.need_id, slot_id=s.id, starts_at=s.starts_at,
                                    ends_at=s.ends_at, unique_item=True, reasons=[], state=state)
                            for s, state in ((first, "confirmed"), (second, "cancelled"))])
        db.session.commit()
