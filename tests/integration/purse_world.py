"""A union with an open purse, two coordinators, a volunteer who accepted a need, and one who did not."""
import sqlalchemy as sa

from aid.extensions import db
from aid.models import Match, MatchState, NeedStatus, Purse, PurseEntry, User, utcnow
from aid.services import needs
from aid.services import purse as ledger
from tests.factories import LEWES, add_coordinator, add_union, add_volunteer


def open_purse(union, coordinator, currency="GBP", balance=0):
    """Open the union's purse and record `balance` minor units as one contribution; returns its id."""
    purse = ledger.open_purse(union, currency, coordinator, utcnow())
    if balance:
        ledger.contribute(purse, balance, "Opening collection", True, utcnow().date(), coordinator, utcnow())
    db.session.commit()
    return purse.id


def accepted_need(volunteer, union, summary=""):
    """A need of the union whose one slot `volunteer` holds; returns its id."""
    fields = dict(category="medicine", details="Collect a prescription", urgency="normal", people=1,
                  contact_phone="+447911123456", lat=LEWES[0], lon=LEWES[1], summary=summary)
    need, _token, _work = needs.create_need(fields, utcnow())
    db.session.flush()
    need.union_id, need.status = union.id, NeedStatus.ASSIGNED
    need.slots[0].volunteer_id = volunteer.id
    db.session.add(Match(need_id=need.id, slot_id=need.slots[0].id, volunteer_id=volunteer.id,
                         state=MatchState.ACCEPTED))
    db.session.commit()
    return need.id


def build(currency="GBP", balance=0):
    """The ids of everything in the world, by name."""
    union = add_union()
    rosa, carl = add_coordinator(union), add_coordinator(union, name="Carl Coord")
    ann, bob = add_volunteer("Ann Able", union=union), add_volunteer("Bob Baker", union=union)
    need_id = accepted_need(ann, union, summary="Prescription pick-up")
    purse_id = open_purse(union, rosa, currency, balance)
    return dict(union=union.id, rosa=rosa.id, carl=carl.id, ann=ann.user_id, bob=bob.user_id, need=need_id,
                purse=purse_id)


def user(user_id):
    return db.session.get(User, user_id)


def purse(purse_id):
    return db.session.get(Purse, purse_id)


def balance(purse_id):
    return db.session.scalar(sa.select(Purse.balance).where(Purse.id == purse_id))


def entries(purse_id):
    return db.session.scalars(sa.select(PurseEntry).where(PurseEntry.purse_id == purse_id).order_by(PurseEntry.id)).all()
