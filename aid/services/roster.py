"""Who is helping: each volunteer of the coordinator's unions, on duty or not, with their load."""
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from aid.extensions import db
from aid.models import HOLDING, Match, MatchState, OutboxMessage, OutboxState, Skill, User, Volunteer, volunteer_skills

WORKED = (*HOLDING, MatchState.DONE)


def roster(unions, now):
    """Rows of (name, on duty, tasks now, tasks this week, weekly cap, last seen, failing channels, skills,
    vehicle), on duty first: what a coordinator needs to choose whom to vet or to phone."""
    week = now - timedelta(days=7)
    active = sa.func.sum(sa.case((Match.state.in_(HOLDING), 1), else_=0))
    this_week = sa.func.sum(sa.case((sa.and_(Match.state.in_(WORKED), Match.responded_at >= week), 1), else_=0))
    last_answer = sa.func.max(Match.responded_at)
    query = (
        sa.select(Volunteer.id, User.id, User.name, Volunteer.on_duty, active, this_week, Volunteer.week_cap,
                  Volunteer.last_seen_at, last_answer, Volunteer.vetting, Volunteer.has_vehicle)
        .join(User, User.id == Volunteer.user_id)
        .outerjoin(Match, Match.volunteer_id == Volunteer.id)
        .where(Volunteer.union_id.in_(unions))
        .group_by(Volunteer.id, User.id, User.name, Volunteer.has_vehicle)
        .order_by(Volunteer.on_duty.desc(), User.name)
    )
    rows = [
        dict(id=vid, user_id=user_id, name=name, on_duty=on_duty, active=int(active or 0), week=int(week_count or 0),
             week_cap=cap, last_seen=max(filter(None, (seen, answered)), default=None), vetting=vetting,
             vehicle=vehicle)
        for vid, user_id, name, on_duty, active, week_count, cap, seen, answered, vetting, vehicle
        in db.session.execute(query)
    ]
    failures = failing({row["user_id"] for row in rows}, now)
    held = skills_of([row["id"] for row in rows])
    for row in rows:
        row["failing"] = failures.get(row.pop("user_id"), [])
        row["skills"] = held.get(row["id"], [])
    return rows


def skills_of(volunteer_ids):
    """{volunteer id: [skill names, stored in English, sorted]}: the pages translate them."""
    held = {}
    for vid, name in db.session.execute(
            sa.select(volunteer_skills.c.volunteer_id, Skill.name).join(Skill, Skill.id == volunteer_skills.c.skill_id)
            .where(volunteer_skills.c.volunteer_id.in_(volunteer_ids)).order_by(Skill.name)):
        held.setdefault(vid, []).append(name)
    return held


FAILING_WINDOW = timedelta(days=14)
TRIED = (OutboxState.SENT, OutboxState.DELIVERED, OutboxState.FAILED)


def failing(user_ids, now):
    """{user id: [(channel, since)]}: the channels whose last message to this person failed, with the
    time of the first failure since the last one that went through, so a coordinator can phone them."""
    if not user_ids:
        return {}
    tried = db.session.execute(
        sa.select(OutboxMessage.user_id, OutboxMessage.channel, OutboxMessage.state, OutboxMessage.claimed_at,
                  OutboxMessage.created_at)
        .where(OutboxMessage.user_id.in_(user_ids), OutboxMessage.audience != "coordinator",
               OutboxMessage.channel != "", OutboxMessage.state.in_(TRIED),
               OutboxMessage.created_at >= now - FAILING_WINDOW)
        .order_by(OutboxMessage.id))
    since = {}  # (user, channel) → first failure of the current run, None once one went through
    for user_id, channel, state, claimed_at, created_at in tried:
        failed = state == OutboxState.FAILED
        since[user_id, channel] = (since.get((user_id, channel)) or claimed_at or created_at) if failed else None
    out = {}
    for (user_id, channel), at in since.items():
        if at is not None:
            out.setdefault(user_id, []).append((channel, clock(at, now)))
    return out


def clock(at, now):
    """A stored UTC time as the union's clock reads it: "14:02" today, "28/11 14:02" before."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    at, now = (t.replace(tzinfo=UTC).astimezone(zone) for t in (at, now))
    return at.strftime("%H:%M" if at.date() == now.date() else "%d/%m %H:%M")


def vet(volunteer_id, unions):
    """A coordinator checked this volunteer's ID: they may now take medicine and care requests."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.union_id not in unions:
        raise LookupError(volunteer_id)
    volunteer.vetting = max(volunteer.vetting, 1)
    return volunteer
