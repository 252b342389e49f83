"""A requester's need: post it, follow it by its private link, cancel it, close it."""
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.matching.geo import haversine_km
from aid.models import CLOSED_NEED, HOLDING, Event, EventKind, Match, MatchState, Need, NeedStatus, Skill, Slot
from aid.services import ServiceError, events, follow, locating, outbox, tokens, work

# The first slot of a need in these categories asks for this skill; the others do not
# ("1 driver, and 2 to help carry").
CATEGORY_SKILL = {"transport": "driving", "repairs": "repairs"}


def create_need(fields, now):
    """Store a need with its slots and pending matching work: (need, token, work).

    A replay of a need already stored (same client id) returns it again with no new work.
    """
    token, token_hash = tokens.new_token(fields.get("client_id"))
    existing = db.session.scalar(sa.select(Need).where(Need.token_hash == token_hash))
    if existing is not None:
        return existing, token, None
    lat, lon = fields.pop("lat", None), fields.pop("lon", None)
    need = Need(token_hash=token_hash, created_at=now, status=NeedStatus.OPEN, **fields)
    skill = _category_skill(need.category)
    need.slots = [Slot(position=i, skill=skill if i == 0 else None) for i in range(need.people)]
    db.session.add(need)
    if lat is not None and lon is not None:
        with db.session.no_autoflush:  # its place's queries need not store it first: one INSERT, not 1 + 2 UPDATEs
            locating.place(need, lat, lon)
    db.session.flush()
    events.record(need, EventKind.POSTED, "Need posted", actor="requester", now=now)
    return need, token, work.add(need)


def similar_recent(fields, now, within=timedelta(hours=1), km=0.5):
    """An open need from the same phone or email, for the same kind of help, at the same place, in the last hour."""
    same_contact = [getattr(Need, name) == fields[name] for name in ("contact_phone", "contact_email") if fields[name]]
    recent = db.session.scalars(sa.select(Need).where(
        sa.or_(*same_contact), Need.category == fields["category"], Need.created_at >= now - within,
        Need.status.not_in(CLOSED_NEED))).all()
    replay = fields.get("client_id")  # the very same submission again is not a duplicate
    return next((need for need in recent if _same_place(need, fields, km) and
                 (replay is None or need.client_id != replay)), None)


def _same_place(need, fields, km):
    if fields["lat"] is not None and need.lat is not None:
        return haversine_km(need.lat, need.lon, fields["lat"], fields["lon"]) <= km
    return need.address.casefold() == fields["address"].casefold()


def ask_if_still_needed(now, after=timedelta(hours=12)):
    """Flag needs nobody has accepted for a while: the requester answers in one tap, or by texting
    YES or NO if they asked for texts. A need the requester kept open is asked again `after` later."""
    kept_lately = sa.select(Event.id).where(Event.need_id == Need.id, Event.kind == EventKind.STILL_NEEDED,
                                            Event.created_at > now - after).exists()
    stale = db.session.scalars(sa.select(Need).where(
        Need.status.in_((NeedStatus.OPEN, NeedStatus.MATCHING)), Need.first_accepted_at.is_(None),
        Need.created_at <= now - after, Need.checkin_asked_at.is_(None), ~kept_lately)).all()
    for need in stale:
        need.checkin_asked_at = now
        events.record(need, EventKind.CHECKIN_ASKED, "Asked the requester whether help is still needed", now=now)
        texted = by_text(need)
        if texted is not None:
            outbox.tell("still_needed", texted, need=need, key=f"still_needed:{need.id}:{now:%Y%m%d%H%M%S}")
    return stale


def by_text(need, number=None):
    """The requester as reached by SMS only (to `number` if given), or None when they did not ask for texts."""
    person = outbox.requester(need)
    sms = tuple((c, number or to) for c, to in person.addresses if c == "sms")
    return replace(person, addresses=sms) if sms else None


def by_phone(number):
    """(open needs of this phone that asked for texts, those of them waiting for a still-needed answer)."""
    candidates = db.session.scalars(sa.select(Need).where(
        Need.sms_updates.is_(True), Need.status.not_in(CLOSED_NEED), Need.purged_at.is_(None))
        .order_by(Need.id)).all()
    mine = [need for need in candidates if outbox.e164(need.contact_phone) == number]
    return mine, [need for need in mine if need.checkin_asked_at is not None]


def answer_by_text(need, number, yes, sid, now):
    """The requester texted YES (keep asking volunteers) or NO (close it) to a check-in; the same
    services as the buttons of the tracking page, and an answer saying what happened."""
    try:
        if yes:
            still_needed(need, now)
        else:
            cancel(need, now)
        kind = "kept_open" if yes else "closed_by_text"
    except ServiceError:
        kind = "use_link"
    outbox.tell(kind, by_text(need, number), need=need, key=f"reply:{sid}")
    return kind


def still_needed(need, now):
    """The requester says yes: keep it open and ask volunteers again."""
    if need.status.is_closed:
        raise ServiceError(_l("This request is already closed."))
    need.checkin_asked_at = None
    events.record(need, EventKind.STILL_NEEDED, "The requester still needs help", actor="requester", now=now)
    return work.add(need)


EDITABLE = ("details", "summary", "urgency", "contact_name", "contact_phone", "contact_email", "on_site_name")


def edit(need, fields, now):
    """The requester corrects their open need; the timeline says which parts changed.

    Until someone accepts, the place too: it is looked up and matched again by the job, as a
    new need's is (a place not found is fixed by the person who knows it best).
    """
    from aid.services.matching import lock_need

    need = lock_need(need.id)  # an accept of it waits for this change, or is seen by place_editable
    if need.status.is_closed:
        raise ServiceError(_l("This request is already closed."))
    changed = [name for name in EDITABLE if getattr(need, name) != fields[name]]
    for name in changed:
        setattr(need, name, fields[name])
    if place_editable(need) and locating.move(need, fields["address"], fields["lat"], fields["lon"]):
        changed.append("place")
    if changed:
        events.record(need, EventKind.EDITED, "Changed: " + ", ".join(changed), actor="requester", now=now)
        follow.after_edit(need, changed)  # e.g. more urgent: a bigger wave, at once
    return changed


def place_editable(need):
    """Whether the requester may still change the place: open, and nobody holds it (whose address it would move).

    Read afresh: after lock_need, an accept committed meanwhile is seen.
    """
    held = sa.select(Match.id).where(Match.need_id == need.id, Match.state.in_((*HOLDING, MatchState.DONE)))
    return not need.status.is_closed and not db.session.scalar(held.exists().select())


DELETED = "deleted"  # the event kind written when the requester deletes their request


class Deleted(Exception):
    """The tracking link of a request its requester deleted: it answers "deleted", not "unknown"."""


def by_token(token):
    """The need a tracking link opens; raises LookupError (a 404) for an unknown token, Deleted for a deleted one."""
    need = db.session.scalar(sa.select(Need).where(Need.token_hash == tokens.hash_token(token or "")))
    if need is None:
        raise LookupError("unknown tracking link")
    if need.purged_at is not None and any(event.kind == DELETED for event in need.events):
        raise Deleted(need.id)
    return need


def closing_note(need):
    """Why a coordinator closed the need, for the requester (None if they closed it themselves)."""
    closed = [e for e in need.events if e.kind == EventKind.CLOSED]
    return closed[-1].detail if closed else None


def helpers(need):
    """The matches currently helping (accepted, on the way, or done), first taken first."""
    return [m for m in need.matches if m.state in (*HOLDING, MatchState.DONE)]


def cancel(need, now, actor="requester", user=None):
    """Cancel an open need; offers and accepted volunteers are withdrawn."""
    close(need, NeedStatus.CANCELLED, now)
    events.record(need, EventKind.CANCELLED, "Cancelled", actor=actor, user=user, now=now)


def mark_fulfilled(need, now, actor="requester", user=None):
    close(need, NeedStatus.FULFILLED, now)
    events.record(need, EventKind.FULFILLED, "Marked as done", actor=actor, user=user, now=now)


def close(need, status, now):
    """Move a need to a closed status; offers are withdrawn and holders done or withdrawn."""
    from aid.services.matching import lock_need

    need = lock_need(need.id)
    if need.status in CLOSED_NEED:
        raise ServiceError(_l("This request is already closed."))
    need.status, need.closed_at = status, now
    final = MatchState.DONE if status == NeedStatus.FULFILLED else MatchState.WITHDRAWN
    db.session.execute(sa.update(Match).where(Match.need_id == need.id, Match.state.in_(HOLDING))
                       .values(state=final).execution_options(synchronize_session=False))
    db.session.execute(sa.update(Match).where(Match.need_id == need.id, Match.state == MatchState.OFFERED)
                       .values(state=MatchState.WITHDRAWN).execution_options(synchronize_session=False))


def _category_skill(category):
    slug = CATEGORY_SKILL.get(str(category))
    return db.session.scalar(sa.select(Skill).where(Skill.slug == slug)) if slug else None
