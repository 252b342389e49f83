"""What a coordinator does to a need: offer or assign by hand, release, merge, close with a reason."""
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.matching.reasons import CHOSEN_BY_COORDINATOR
from aid.matching.types import Reason
from aid.models import HOLDING, EventKind, Match, MatchState, Need, NeedStatus, Volunteer
from aid.services import ServiceError, events, follow, locating, matches, needs, roster, work
from aid.services.access import coordinates, union_scope
from aid.services.candidates import load_skill_tree

CLOSE_REASONS = {  # the label is shown translated; the timeline keeps it in English
    "fulfilled": (NeedStatus.FULFILLED, _l("Fulfilled")),
    "not_needed": (NeedStatus.CANCELLED, _l("No longer needed")),
    "could_not_help": (NeedStatus.EXPIRED, _l("We couldn't help")),
    "duplicate": (NeedStatus.CANCELLED, _l("Duplicate")),
}


def close(need, reason, user, now):
    """Close a need with one of CLOSE_REASONS; outstanding offers are withdrawn."""
    if reason not in CLOSE_REASONS:
        raise ServiceError(_l("Choose why this need is closed."))
    status, label = CLOSE_REASONS[reason]
    needs.close(need, status, now)
    with force_locale("en"):
        events.record(need, EventKind.CLOSED, str(label), user=user, now=now)


def offer_to(need, volunteer_id, user, now):
    """Offer a volunteer the coordinator chose, whatever the ranking, the first open slot they can fill
    (or the first open slot, when they can fill none: the coordinator knows best)."""
    match = _existing(need, volunteer_id)
    if match is not None and match.state == MatchState.OFFERED:
        raise ServiceError(_l("%(name)s has already been asked.", name=match.volunteer.user.name))
    match = _offer(need, match, volunteer_id, now)
    events.record(need, EventKind.OFFERED, f"Offered by hand to {match.volunteer.user.name}", user=user, now=now)
    return match


def assign(need, volunteer_id, user, now):
    """Give the need to a volunteer directly: the same conditional accept as a volunteer's tap."""
    match = _existing(need, volunteer_id)
    if match is None or match.state != MatchState.OFFERED:
        match = _offer(need, match, volunteer_id, now)
    db.session.flush()
    if matches.accept(match, now) != matches.Accepted.YES:
        raise ServiceError(_l("That place was taken a moment ago."))
    events.record(need, EventKind.ASSIGNED, f"Assigned by hand to {match.volunteer.user.name}", user=user, now=now)


def release(need, match_id, user, now):
    """Take a task back from a volunteer (they no longer see the address); matching runs again."""
    match = db.session.get(Match, match_id)
    if match is None or match.need_id != need.id or match.state not in HOLDING:
        raise ServiceError(_l("That volunteer is not holding this need."))
    return matches.release(match, f"Released by {user.name}", now)


def set_place(need, text, user, now):
    """Place a need by hand (typed town, street or "lat, lon") and queue matching again."""
    found = locating.find(text[:200], prefer=union_scope(user))
    if found is None or not locating.near_a_union(found.lat, found.lon):
        raise ServiceError(_l("That place was not found near any union. Try a town name or “lat, lon”."))
    if need.status.is_closed:
        raise ServiceError(_l("This need is closed."))
    locating.place(need, found.lat, found.lon, found.label, found.exact)
    events.record(need, EventKind.LOCATED, f"Placed by hand at {found.label}", user=user, now=now)
    return work.add(need)


def merge(need, into_id, user, now):
    """Close a need as a duplicate of another need of the same coordinator's unions."""
    target = db.session.get(Need, into_id)
    if target is None or target.id == need.id or not coordinates(user, target):
        raise ServiceError(_l("Choose another need of your union to merge into."))
    close(need, "duplicate", user, now)
    events.record(need, EventKind.MERGED, f"Merged into #{target.id}", user=user, now=now)
    events.record(target, EventKind.MERGED, f"#{need.id} merged into this need", user=user, now=now)


def vet(volunteer_id, unions, now):
    """The volunteer's ID is checked: the open medicine and care needs within their reach are matched
    again once this commits, so nobody has to press Offer by hand. Raises LookupError outside `unions`."""
    volunteer = roster.vet(volunteer_id, unions)
    follow.after_vetting(volunteer, now)
    return volunteer


def _existing(need, volunteer_id):
    return db.session.scalar(sa.select(Match).where(Match.need_id == need.id, Match.volunteer_id == volunteer_id))


def _offer(need, match, volunteer_id, now):
    """Open an offer (a new match, or the volunteer's earlier one for this need)."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None:
        raise ServiceError(_l("Choose a volunteer."))
    if need.status.is_closed or not need.open_slots:
        raise ServiceError(_l("This need has no open place left."))
    if match is not None and match.state in HOLDING:
        raise ServiceError(_l("%(name)s already has this need.", name=volunteer.user.name))
    open_slots = follow.open_slots(need.id)  # theirs is the first they can fill, else the first open one
    fits = follow.fillable(volunteer, open_slots, load_skill_tree(db.session)) or open_slots
    if match is None:
        match = Match(need_id=need.id, volunteer_id=volunteer_id)
        db.session.add(match)
    match.slot_id, match.state = fits[0].id, MatchState.OFFERED
    match.offered_at, match.expires_at, match.reasons = now, None, [Reason.of(CHOSEN_BY_COORDINATOR).dump()]
    match.volunteer = volunteer
    if need.status == NeedStatus.OPEN:
        need.status = NeedStatus.MATCHING
    return match
