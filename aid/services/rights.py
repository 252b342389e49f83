"""People's data rights: a volunteer takes their data or deletes their account; a requester deletes a request.

What is deleted loses every name, email, phone, place and free text; the rows themselves stay,
anonymised, so each union's numbers (needs posted, taken, done) stay right.
"""
from urllib.parse import urlsplit

import sqlalchemy as sa

from aid.adapters import notify
from aid.adapters.notify import Notice
from aid.extensions import db
from aid.models import HOLDING, Coordinator, Event, Match, MatchState, Message, PushSubscription
from aid.services import events, matches, needs, phones, push, retention, work
from aid.services.accounts import end_sessions, set_base
from aid.services.exports import iso

GONE = "deleted account"  # what the audit trail and message threads show instead of the name
# Written into the events of a deleted request in place of what quoted its place.
PLACE_EVENTS = ("located", "location_not_found")


def volunteer_data(user, now):
    """Everything stored about a volunteer, as plain data for a JSON download."""
    me = user.volunteer
    mine = db.session.scalars(sa.select(Match).where(Match.volunteer_id == me.id).order_by(Match.id)).all()
    written = db.session.scalars(sa.select(Message).where(Message.user_id == user.id).order_by(Message.id)).all()
    return {
        "exported_at": iso(now),
        "account": {"name": user.name, "email": user.email, "created_at": iso(user.created_at)},
        "profile": {"base": me.base_label, "lat": me.lat, "lon": me.lon, "max_km": me.max_km,
                    "capacity": me.capacity, "week_cap": me.week_cap, "languages": me.language_list,
                    "has_vehicle": me.has_vehicle, "vetting": me.vetting, "union": me.union.name if me.union else None},
        "skills": sorted(s.slug for s in me.skills),
        "reach": {"channels": me.channel_list, "phone": me.phone, "phone_checked_at": iso(me.phone_verified_at)},
        "availability": {"on_duty": me.on_duty, "until": iso(me.on_duty_until), "snoozed_until": iso(me.snoozed_until),
                         "weekly_days": [int(d) for d in me.schedule_days.split(",") if d],
                         "weekly_from_minute": me.schedule_from, "weekly_to_minute": me.schedule_to},
        "tasks": [{"need_id": m.need_id, "category": str(m.need.category), "summary": m.need.summary,
                   "state": str(m.state), "offered_at": iso(m.offered_at), "answered_at": iso(m.responded_at),
                   "distance_km": round(m.distance_km, 1), "eta": m.eta, "note": m.note} for m in mine],
        "messages": [{"need_id": m.need_id, "body": m.body, "sent_at": iso(m.created_at)} for m in written],
        "coordinator_of": [c.union.name if c.union else c.region.name for c in user.coordinator_of],
        "push_devices": [{"push_service": urlsplit(d.endpoint).hostname, "created_at": iso(d.created_at),
                          "last_used_at": iso(d.last_used_at)} for d in push.devices(user.id)],
    }


def delete_account(user, now):
    """Anonymise a user for good; returns the pending work that offers their tasks to others.

    Tasks they hold are given back and open offers withdrawn, so the matcher asks someone
    else; their matches stay (without them) for the numbers; coordinator rights end.
    """
    queued = [matches.release(m, "Their account was deleted", now) for m in _matches(user, *HOLDING)]
    for match in _matches(user, MatchState.OFFERED):
        match.state, match.responded_at = MatchState.WITHDRAWN, now
        queued.append(work.add(match.need))
    _anonymise_trail(user)
    db.session.execute(sa.delete(Coordinator).where(Coordinator.user_id == user.id))
    db.session.execute(sa.delete(PushSubscription).where(PushSubscription.user_id == user.id))
    me = user.volunteer
    me.base_label, me.on_duty, me.on_duty_until, me.snoozed_until = "", False, None, None
    me.schedule_days, me.schedule_from, me.schedule_to, me.languages, me.vetting = "", None, None, "", 0
    me.skills = []
    phones.forget(me)
    set_base(me, None, None)
    user.name, user.email, user.password_hash = GONE, f"deleted-{user.id}@invalid", "!"  # no password matches "!"
    end_sessions(user)
    return queued


def delete_request(need, now):
    """The requester deletes their request: cancelled if open, its personal data erased at once.

    The volunteers who had accepted it are told once this is committed (their task is withdrawn).
    """
    notify.after_commit([Notice("need_deleted", user_id=m.volunteer.user_id, need_id=need.id, match_id=m.id)
                         for m in need.matches if m.state in HOLDING])
    if not need.status.is_closed:
        needs.cancel(need, now)
    for name, value in {**retention.ERASED, "summary": "", "place_label": ""}.items():
        setattr(need, name, value)
    need.purged_at = now
    db.session.execute(sa.delete(Message).where(Message.need_id == need.id))
    retention.erase_outbox([need.id])
    db.session.execute(sa.update(Event).where(Event.need_id == need.id, Event.kind.in_(PLACE_EVENTS))
                       .values(detail="").execution_options(synchronize_session=False))
    events.record(need, needs.DELETED, "The requester deleted the request and its personal data",
                  actor="requester", now=now)


def _matches(user, *states):
    return db.session.scalars(sa.select(Match).where(
        Match.volunteer_id == user.volunteer.id, Match.state.in_(states))).all()


def _anonymise_trail(user):
    """Their name leaves the lines of the audit trail they wrote (as actor, and where a line quotes it,
    "exported by ..."); the messages they wrote are emptied."""
    for event in db.session.scalars(sa.select(Event).where(Event.user_id == user.id)):
        event.actor, event.detail = GONE, event.detail.replace(user.name, GONE)
    db.session.execute(sa.update(Message).where(Message.user_id == user.id).values(body="")
                       .execution_options(synchronize_session=False))
