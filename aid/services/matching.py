"""Run the matching engine for a need and persist its offers; build shortlists for the board."""
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa

from aid.adapters.notify import Notice
from aid.extensions import db
from aid.matching.eligibility import failed
from aid.matching.geo import MAX_TRAVEL_KM, haversine_km
from aid.matching.ranking import rank
from aid.matching.types import Exclusion, NeedInfo, SlotInfo
from aid.matching.waves import offer_minutes, plan_wave, wave_size
from aid.models import EventKind, LocationStatus, Match, MatchState, Need, NeedStatus, Volunteer
from aid.services import events, outbox, work
from aid.services.candidates import load_candidates, load_skill_tree, lon_inside
from aid.services.escalation import allowed_unions

# Volunteers with one of these on a need are not asked again (they said no or gave it back).
REFUSED = (MatchState.DECLINED, MatchState.RELEASED, MatchState.EXPIRED)
# The matcher skips volunteers with a match in one of these: asked already, holding it, done, or
# REFUSED. A withdrawn offer is no answer (the place went to someone else, they went off duty or
# no longer fitted): once eligible again they are asked again, on the same row (`reopen`).
ASKED = tuple(state for state in MatchState if state != MatchState.WITHDRAWN)


def lock_need(need_id):
    """Load a need with its row locked for the rest of the transaction.

    PostgreSQL takes the row lock; SQLite already holds the database write lock from
    BEGIN IMMEDIATE. Every change to a need's slots or matches starts here, so two
    accepts of the same need are applied one after the other.
    """
    query = sa.select(Need).where(Need.id == need_id).with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def match_need(need, now):
    """Offer the need's open slots to the next wave of ranked volunteers; returns notices.

    Those holding an open offer are ranked with the others, so that someone who just became
    eligible and ranks within the wave joins it at once (aid.matching.waves.plan_wave).
    """
    need = lock_need(need.id)
    if need is None or need.status.is_closed or need.location_status != LocationStatus.FOUND:
        return []
    if not need.open_slots:
        return []
    offered = {m.volunteer_id: m.slot_id for m in need.matches if m.state == MatchState.OFFERED}
    shortlist = _rank(need, now, excluded=matched(need, ASKED) - offered.keys())
    wave = plan_wave(shortlist, offered, wave_size(need.urgency))
    if wave:
        return _offer(need, wave, now, joins=bool(offered))
    last = events.last_state_event(need)
    if not offered and (last is None or last.kind != EventKind.NO_VOLUNTEER):
        events.record(need, EventKind.NO_VOLUNTEER, "No eligible volunteer is free nearby right now", now=now)
    return []


def shortlist(need, now):
    """The ranked shortlist with reasons, and the excluded volunteers with the rule that excluded each.

    The union's volunteers that the database prefilter already dropped are listed too,
    as off duty or out of range, so a coordinator sees everyone of theirs.
    """
    ranked = _rank(need, now, excluded=matched(need, REFUSED))
    seen = {c.volunteer_id for c in ranked.candidates} | {e.volunteer_id for e in ranked.excluded}
    dropped = db.session.execute(sa.select(Volunteer.id, Volunteer.on_duty, Volunteer.lat, Volunteer.lon).where(
        Volunteer.union_id == need.union_id, Volunteer.id.not_in(seen))).all()
    return replace(ranked, excluded=ranked.excluded + tuple(_prefiltered(need, *row) for row in dropped))


def _prefiltered(need, volunteer_id, on_duty, lat, lon):
    if not on_duty:
        return Exclusion(volunteer_id, "off_duty", "off duty")
    if lat is None:
        return Exclusion(volunteer_id, "no_base", "has not set where they start from")
    km = round(haversine_km(need.lat, need.lon, lat, lon), 1)
    return Exclusion(volunteer_id, *failed("out_of_range", f"{km:.1f} km away, beyond their range", km=km))


def needs_near(volunteer, now, categories=None):
    """Open needs (of these categories, if given) the volunteer could now be offered, after going on
    duty, moving or being vetted: work to run."""
    if not volunteer.on_duty or volunteer.lat is None:
        return []
    south, north, west, east = volunteer.box_south, volunteer.box_north, volunteer.box_west, volunteer.box_east
    query = sa.select(Need).where(Need.status.in_((NeedStatus.OPEN, NeedStatus.MATCHING)),
                                  Need.lat.between(south, north), lon_inside(west, east, Need.lon))
    if categories is not None:
        query = query.where(Need.category.in_(categories))
    nearby = db.session.scalars(query).all()
    reach = min(volunteer.max_km, MAX_TRAVEL_KM)
    return [work.add(need) for need in nearby if haversine_km(need.lat, need.lon, volunteer.lat, volunteer.lon) <= reach]


def need_info(need, excluded):
    """The engine's view of a need: its open slots, and who must not be asked."""
    return NeedInfo(
        id=need.id, lat=need.lat, lon=need.lon, category=str(need.category),
        urgency=str(need.urgency), created_at=need.created_at,
        slots=tuple(SlotInfo(id=s.id, skills=frozenset([s.skill.slug] if s.skill else [])) for s in need.open_slots),
        language=need.language if need.language_required else None,
        max_km=need.max_km, excluded=excluded,
    )


def _rank(need, now, excluded):
    info = need_info(need, excluded)
    candidates = load_candidates(db.session, need.lat, need.lon, now)
    members = _members(allowed_unions(need), [v.id for v in candidates])
    outsiders = tuple(Exclusion(v.id, "other_union", "in another union: asked only if this need escalates")
                      for v in candidates if v.id not in members)
    ranked = rank(info, [v for v in candidates if v.id in members], load_skill_tree(db.session), now)
    return replace(ranked, excluded=ranked.excluded + outsiders)


def _members(unions, volunteer_ids):
    """Which of these volunteers belong to one of these unions."""
    return set(db.session.scalars(sa.select(Volunteer.id).where(
        Volunteer.id.in_(volunteer_ids), Volunteer.union_id.in_(unions))))


def matched(need, states=None):
    """Volunteers with a match on this need (in these states, or any)."""
    query = sa.select(Match.volunteer_id).where(Match.need_id == need.id)
    if states is not None:
        query = query.where(Match.state.in_(states))
    return frozenset(db.session.scalars(query))


def reopen(need, volunteer_id, **fields):
    """An open offer of the need to the volunteer (Match `fields` set): their withdrawn match reopened
    (one match per volunteer per need), else a new one."""
    match = db.session.scalar(sa.select(Match).where(
        Match.need_id == need.id, Match.volunteer_id == volunteer_id, Match.state == MatchState.WITHDRAWN))
    if match is None:
        match = Match(need_id=need.id, volunteer_id=volunteer_id)
        db.session.add(match)
    for name, value in dict(state=MatchState.OFFERED, note="", eta="", responded_at=None, **fields).items():
        setattr(match, name, value)
    return match


def _offer(need, wave, now, joins=False):
    """Open offers for `wave`: a new wave, or added to the open one when it `joins` offers still out
    (each offer gets the full time to answer either way)."""
    expires = now + timedelta(minutes=offer_minutes(need.urgency))
    number = max((m.wave for m in need.matches), default=0) + (0 if joins else 1)
    matches = [
        reopen(need, c.volunteer_id, slot_id=c.slot_id, score=c.score, distance_km=c.distance_km,
               reasons=[r.dump() for r in c.reasons], wave=number, offered_at=now, expires_at=expires)
        for c in wave
    ]
    if need.status == NeedStatus.OPEN:
        need.status = NeedStatus.MATCHING
    joined = "added to open wave" if joins else "wave"
    events.record(need, EventKind.OFFERED, f"Offered to {len(matches)} volunteer(s), {joined} {number}", now=now)
    db.session.flush()
    users = dict(db.session.execute(
        sa.select(Volunteer.id, Volunteer.user_id).where(Volunteer.id.in_([m.volunteer_id for m in matches]))).all())
    for m in matches:
        outbox.tell("offer", outbox.volunteer(m.volunteer), need=need, match=m)
    return [Notice("offer", user_id=users[m.volunteer_id], need_id=need.id, match_id=m.id) for m in matches]
