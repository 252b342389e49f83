"""After a surge: offer the whole backlog at once, fairly, union by union (the engine's batch_assign)."""
from datetime import timedelta

import sqlalchemy as sa

from aid.adapters.notify import Notice
from aid.extensions import db
from aid.matching.batch import batch_assign
from aid.matching.geo import haversine_km
from aid.matching.reasons import Reasons
from aid.matching.waves import offer_minutes
from aid.models import EventKind, LocationStatus, Need, NeedStatus, Volunteer
from aid.services import events, outbox
from aid.services.candidates import load_on_duty, load_skill_tree
from aid.services.matching import ASKED, matched, need_info, reopen


def offer_backlog(now):
    """Offer every open slot of every waiting need, most urgent and longest-waiting first.

    Each union's needs go to its own on-duty volunteers (escalated needs keep their waves);
    nobody is offered more than their capacity and weekly cap allow. Returns notices.
    """
    tree = load_skill_tree(db.session)
    backlog = db.session.scalars(sa.select(Need).where(
        Need.status.in_((NeedStatus.OPEN, NeedStatus.MATCHING)), Need.location_status == LocationStatus.FOUND,
        Need.union_id.is_not(None)).order_by(Need.union_id, Need.id)).all()
    notices = []
    for union_id in sorted({n.union_id for n in backlog}):
        needs = {n.id: n for n in backlog if n.union_id == union_id and n.open_slots}
        infos = [need_info(n, matched(n, ASKED)) for n in needs.values()]
        volunteers = {v.id: v for v in load_on_duty(db.session, now, union_id)}
        by_id = {i.id: i for i in infos}
        for assignment in batch_assign(infos, list(volunteers.values()), tree, now):
            info = by_id[assignment.need_id]
            notices.append(_offer(needs[info.id], info, assignment, volunteers, Reasons(info, tree), now))
    return notices


def _offer(need, info, assignment, volunteers, explain, now):
    volunteer = volunteers[assignment.volunteer_id]
    slot = next(s for s in info.slots if s.id == assignment.slot_id)
    km = haversine_km(need.lat, need.lon, volunteer.lat, volunteer.lon)
    match = reopen(need, volunteer.id, slot_id=slot.id, score=assignment.score, distance_km=km, offered_at=now,
                   wave=0, reasons=[r.dump() for r in explain(volunteer, slot, km)],
                   expires_at=now + timedelta(minutes=offer_minutes(str(need.urgency))))
    if need.status == NeedStatus.OPEN:
        need.status = NeedStatus.MATCHING
    events.record(need, EventKind.OFFERED, "Offered in the backlog run after a surge", now=now)
    db.session.flush()
    user_id = db.session.scalar(sa.select(Volunteer.user_id).where(Volunteer.id == volunteer.id))
    outbox.tell("offer", outbox.volunteer(match.volunteer), need=need, match=match)
    return Notice("offer", user_id=user_id, need_id=need.id, match_id=match.id)
