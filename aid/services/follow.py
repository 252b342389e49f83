"""Offers follow every change: a slot filled, a volunteer vetted, edited or off duty, a need edited.

Each function flushes and leaves the commit to the edge; matching it asks for is a pending
work row (aid.services.work), enqueued only once the change is committed.
"""
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.matching.geo import MAX_TRAVEL_KM, haversine_km
from aid.matching.weights import SENSITIVE_CATEGORIES
from aid.models import Match, MatchState, Slot
from aid.services import matching, outbox, work
from aid.services.candidates import load_skill_tree

# Why an offer was withdrawn, kept in Match.note; the first two are told to the volunteer.
FILLED = "filled"  # every place of the need was taken
SLOT_TAKEN = "slot_taken"  # the places this volunteer could fill were taken; others, needing other skills, are open
NO_LONGER_FITS = "no_longer_fits"  # the volunteer changed skills, range or base and can no longer take it
OFF_DUTY = "off_duty"  # the volunteer went off duty: unticked "available", snoozed, or their hours ended
TOLD = (FILLED, SLOT_TAKEN)
SHOWN_FOR = timedelta(hours=12)  # how long after it was offered a withdrawn offer stays listed, with its note
# Need fields whose change alters who is asked, or how many at once.
MATCHING_FIELDS = frozenset({"urgency", "category", "language", "language_required", "max_km", "people", "place"})


def open_slots(need_id):
    """The need's open slots, read afresh (slots are taken by bulk updates), in listed order."""
    return db.session.scalars(sa.select(Slot).where(Slot.need_id == need_id, Slot.volunteer_id.is_(None))
                              .order_by(Slot.position).execution_options(populate_existing=True)).all()


def fillable(volunteer, slots, tree):
    """Those of `slots` whose required skill the volunteer covers (a descendant covers its ancestors)."""
    held = frozenset(s.slug for s in volunteer.skills)
    return [s for s in slots if s.skill is None or tree.covers(held, s.skill.slug)]


def withdraw_unfillable(need, now):
    """After a slot is taken: withdraw the need's offers whose volunteer can fill no open slot.

    Each is told kindly (the outbox's "taken" notice) and keeps why in its note: FILLED when
    no place is left, SLOT_TAKEN when the places left need skills they lack. An offer whose
    own slot was taken but who can fill another moves to the first such slot (listed order),
    so it says the right role. Returns the withdrawn matches.
    """
    slots, tree = open_slots(need.id), load_skill_tree(db.session)
    offered = db.session.scalars(sa.select(Match).where(Match.need_id == need.id, Match.state == MatchState.OFFERED)
                                 .order_by(Match.id)).all()
    gone = []
    for match in offered:
        can = fillable(match.volunteer, slots, tree)
        if not can:
            match.state, match.note = MatchState.WITHDRAWN, FILLED if not slots else SLOT_TAKEN
            outbox.tell("taken", outbox.volunteer(match.volunteer), need=need, match=match)
            gone.append(match)
        elif match.slot_id not in {s.id for s in can}:
            match.slot_id = can[0].id
    db.session.flush()
    return gone


def after_vetting(volunteer, now):
    """Their ID was checked: match again the open sensitive needs (medicine, care) within their reach."""
    return matching.needs_near(volunteer, now, categories=frozenset(SENSITIVE_CATEGORIES))


def after_profile(volunteer, now, went_off=False):
    """They changed skills, range, base or duty: withdraw offers they can no longer take, match those
    needs again, and every open need now within reach. `went_off`: they unticked "available"."""
    if went_off:
        return off_duty(volunteer)
    tree = load_skill_tree(db.session)
    unfit = [m for m in _offers_to(volunteer) if not _still_fits(volunteer, m, tree)]
    return _withdraw(unfit, NO_LONGER_FITS) + matching.needs_near(volunteer, now)


def off_duty(volunteer):
    """They went off duty: withdraw the offers they have not answered and match those needs again, so
    someone else is asked. The tasks they accepted stay theirs."""
    return _withdraw(_offers_to(volunteer), OFF_DUTY)


def _offers_to(volunteer):
    return db.session.scalars(sa.select(Match).where(
        Match.volunteer_id == volunteer.id, Match.state == MatchState.OFFERED).order_by(Match.id)).all()


def _withdraw(offers, note):
    """Withdraw these offers if still open and queue matching for their needs; returns the work.

    A conditional update per offer: one the volunteer accepted a moment ago (in another tab, by
    text) stays accepted. The volunteer made the change, so nobody tells them.
    """
    queued = []
    for match in offers:
        if db.session.execute(sa.update(Match).where(Match.id == match.id, Match.state == MatchState.OFFERED)
                              .values(state=MatchState.WITHDRAWN, note=note)
                              .execution_options(synchronize_session=False)).rowcount:
            queued.append(work.add(match.need))
        db.session.refresh(match)
    return queued


def after_locating(need):
    """The need was placed again (its requester corrected the place): withdraw the open offers of
    volunteers it is now beyond, or all of them when the new place was not found."""
    for match in db.session.scalars(sa.select(Match).where(
            Match.need_id == need.id, Match.state == MatchState.OFFERED)).all():
        if not _reaches(match.volunteer, need):
            match.state, match.note = MatchState.WITHDRAWN, NO_LONGER_FITS


def _still_fits(volunteer, match, tree):
    return _reaches(volunteer, match.need) and bool(fillable(volunteer, open_slots(match.need_id), tree))


def _reaches(volunteer, need):
    if volunteer.lat is None or need.lat is None:
        return False
    reach = min(volunteer.max_km, MAX_TRAVEL_KM, need.max_km or MAX_TRAVEL_KM)
    return haversine_km(need.lat, need.lon, volunteer.lat, volunteer.lon) <= reach


def after_edit(need, changed):
    """The requester edited their need: match again when a changed field decides who is asked."""
    if MATCHING_FIELDS.isdisjoint(changed) or need.status.is_closed:
        return None
    return work.add(need)


def recently_withdrawn(volunteer, now):
    """Their offers withdrawn because others filled the places, offered in the last SHOWN_FOR (an offer
    is open for at most a few hours, so no withdrawal time is stored), newest first, then by id."""
    return db.session.scalars(sa.select(Match).where(
        Match.volunteer_id == volunteer.id, Match.state == MatchState.WITHDRAWN, Match.note.in_(TOLD),
        Match.offered_at >= now - SHOWN_FOR).order_by(Match.offered_at.desc(), Match.id.desc())).all()
