"""Who is helping: each volunteer of the coordinator's unions, on duty or not, with their load."""
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.models import HOLDING, Match, MatchState, User, Volunteer

WORKED = (*HOLDING, MatchState.DONE)


def roster(unions, now):
    """Rows of (name, on duty, tasks now, tasks this week, weekly cap, last seen), on duty first."""
    week = now - timedelta(days=7)
    active = sa.func.sum(sa.case((Match.state.in_(HOLDING), 1), else_=0))
    this_week = sa.func.sum(sa.case((sa.and_(Match.state.in_(WORKED), Match.responded_at >= week), 1), else_=0))
    last_answer = sa.func.max(Match.responded_at)
    query = (
        sa.select(Volunteer.id, User.name, Volunteer.on_duty, active, this_week, Volunteer.week_cap,
                  Volunteer.last_seen_at, last_answer, Volunteer.vetting)
        .join(User, User.id == Volunteer.user_id)
        .outerjoin(Match, Match.volunteer_id == Volunteer.id)
        .where(Volunteer.union_id.in_(unions))
        .group_by(Volunteer.id, User.name)
        .order_by(Volunteer.on_duty.desc(), User.name)
    )
    return [
        dict(id=vid, name=name, on_duty=on_duty, active=int(active or 0), week=int(week_count or 0), week_cap=cap,
             last_seen=max(filter(None, (seen, answered)), default=None), vetting=vetting)
        for vid, name, on_duty, active, week_count, cap, seen, answered, vetting in db.session.execute(query)
    ]


def vet(volunteer_id, unions):
    """A coordinator checked this volunteer's ID: they may now take medicine and care requests."""
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.union_id not in unions:
        raise LookupError(volunteer_id)
    volunteer.vetting = max(volunteer.vetting, 1)
    return volunteer
