"""What a volunteer does with an offer: accept, decline, on my way, done, give back."""
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.models import HOLDING, EventKind, Match, MatchState, NeedStatus, Slot
from aid.services import ServiceError, events, follow, outbox, work
from aid.services.candidates import load_skill_tree
from aid.services.matching import lock_need


class Accepted(StrEnum):
    """What came of an accept, so the volunteer can be told exactly what happened."""

    YES = "accepted"
    FILLED = "filled"  # someone else took the last place a moment before
    SLOT_TAKEN = "slot_taken"  # the places they could fill went to others; the open ones need other skills
    EXPIRED = "expired"  # the offer ran out of time before the tap
    CLOSED = "closed"  # the need was cancelled, done or closed before the tap
    GONE = "gone"  # no longer open for any other reason (declined before, given back, withdrawn by hand)


def get_match(match_id, volunteer):
    """The volunteer's own match; raises LookupError (a 404) for anyone else's."""
    match = db.session.get(Match, match_id)
    if match is None or volunteer is None or match.volunteer_id != volunteer.id:
        raise LookupError(match_id)
    return match


def accept(match, now):
    """Take a slot with one conditional update, so two people can never hold the same slot.

    The need row is locked first; then the offer moves offered → accepted only if it is
    still offered; then the volunteer takes the first open slot they qualify for (their
    own slot first) with `UPDATE slots SET volunteer_id WHERE volunteer_id IS NULL`,
    whose row count says whether they won.
    """
    need = lock_need(match.need_id)
    if _active_count(match.volunteer_id) >= match.volunteer.capacity:
        raise ServiceError(_l("You already have as many tasks as you said you can take. Finish one first."))
    claimed = _transition(match, (MatchState.OFFERED,), MatchState.ACCEPTED, responded_at=now)
    if not claimed:
        return _why_not(match, need)
    for slot_id in _slots_for(match):
        taken = db.session.execute(
            sa.update(Slot).where(Slot.id == slot_id, Slot.volunteer_id.is_(None))
            .values(volunteer_id=match.volunteer_id).execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            match.slot_id = slot_id
            _after_accept(need, match, now)
            return Accepted.YES
    filled = not follow.open_slots(need.id)
    match.state, match.note = MatchState.WITHDRAWN, follow.FILLED if filled else follow.SLOT_TAKEN
    return Accepted.FILLED if filled else Accepted.SLOT_TAKEN


def _why_not(match, need):
    """Why an offer could not be accepted: its state and the note it was withdrawn with."""
    if match.state == MatchState.WITHDRAWN and match.note in (follow.FILLED, follow.SLOT_TAKEN):
        return Accepted(match.note)
    if match.state == MatchState.EXPIRED:
        return Accepted.EXPIRED
    if need is not None and need.status.is_closed:
        return Accepted.CLOSED
    return Accepted.GONE


def decline(match, reason, now):
    """Say no; the next candidate is offered at once."""
    need = lock_need(match.need_id)
    if _transition(match, (MatchState.OFFERED,), MatchState.DECLINED, responded_at=now, note=reason[:200]):
        events.record(need, EventKind.DECLINED, reason, user=match.volunteer.user, now=now)
        return work.add(need)
    return None


def on_my_way(match, eta, now):
    """The volunteer sets off (again, with a new ETA): the requester hears it once per helper."""
    need = lock_need(match.need_id)
    if not _transition(match, (MatchState.ACCEPTED, MatchState.EN_ROUTE), MatchState.EN_ROUTE, eta=eta[:40]):
        raise ServiceError(_l("This task is no longer yours."))
    need.status = NeedStatus.IN_PROGRESS
    events.record(need, EventKind.EN_ROUTE, f"On the way{', ETA ' + eta if eta else ''}", user=match.volunteer.user, now=now)
    outbox.tell("on_the_way", outbox.requester(need), need=need, match=match, args={"eta": eta[:40]})


def done(match, now):
    need = lock_need(match.need_id)
    if not _transition(match, HOLDING, MatchState.DONE):
        raise ServiceError(_l("This task is no longer yours."))
    events.record(need, EventKind.DONE, "Marked their part done", user=match.volunteer.user, now=now)
    if not need.open_slots and all(m.state == MatchState.DONE for m in _holders(need)):
        need.status, need.closed_at = NeedStatus.FULFILLED, now
        outbox.tell("done", outbox.requester(need), need=need)


def release(match, reason, now):
    """Give a task back: the slot reopens and matching runs again at once."""
    need = lock_need(match.need_id)
    if not _transition(match, HOLDING, MatchState.RELEASED, note=reason[:200]):
        raise ServiceError(_l("This task is no longer yours."))
    db.session.execute(sa.update(Slot).where(Slot.id == match.slot_id).values(volunteer_id=None)
                       .execution_options(synchronize_session=False))
    db.session.refresh(need)
    need.status = NeedStatus.MATCHING
    events.record(need, EventKind.RELEASED, reason or "Gave the task back", user=match.volunteer.user, now=now)
    return work.add(need)


def _transition(match, sources, target, **values):
    result = db.session.execute(
        sa.update(Match).where(Match.id == match.id, Match.state.in_(sources))
        .values(state=target, **values).execution_options(synchronize_session=False))
    db.session.refresh(match)
    return result.rowcount == 1


def _slots_for(match):
    """The offered slot first, then any other open slot of the need whose skill they cover."""
    held = frozenset(s.slug for s in match.volunteer.skills)
    tree = load_skill_tree(db.session)
    open_slots = db.session.scalars(
        sa.select(Slot).where(Slot.need_id == match.need_id, Slot.volunteer_id.is_(None)).order_by(Slot.position))
    others = [s.id for s in open_slots if s.id != match.slot_id and (s.skill is None or tree.covers(held, s.skill.slug))]
    return [match.slot_id, *others]


def _after_accept(need, match, now):
    db.session.refresh(need)
    need.first_accepted_at = need.first_accepted_at or now
    events.record(need, EventKind.ACCEPTED, "Accepted; address and contact now shown to them", user=match.volunteer.user, now=now)
    outbox.tell("accepted", outbox.requester(need), need=need, match=match)
    left = follow.open_slots(need.id)
    if not left and need.status in (NeedStatus.OPEN, NeedStatus.MATCHING):
        need.status = NeedStatus.ASSIGNED
    if follow.withdraw_unfillable(need, now) and left:
        work.add(need)  # the places left need other skills: the next wave tops them up


def _holders(need):
    return db.session.scalars(sa.select(Match).where(
        Match.need_id == need.id, Match.state.in_((*HOLDING, MatchState.DONE)))).all()


def _active_count(volunteer_id):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Match).where(
        Match.volunteer_id == volunteer_id, Match.state.in_(HOLDING)))
