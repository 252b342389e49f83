"""Load the volunteers worth ranking for a point, and the skill tree, with SQLAlchemy Core."""
import math
from datetime import datetime, timedelta

import sqlalchemy as sa

from aid.matching.geo import EARTH_KM, MAX_TRAVEL_KM, travel_box
from aid.matching.skills import SkillTree
from aid.matching.types import VolunteerInfo
from aid.models import Match, MatchState, Skill, Volunteer, volunteer_skills

V, M, S, VS = Volunteer.__table__, Match.__table__, Skill.__table__, volunteer_skills
# A stored box is at most this tall (in degrees), so a box holding latitude `lat` starts in
# [lat - BAND_DEG, lat]: a bounded range on the (on_duty, box_south, ...) index.
BAND_DEG = 2 * math.degrees(MAX_TRAVEL_KM / EARTH_KM) + 1e-6
ACTIVE = (MatchState.ACCEPTED, MatchState.EN_ROUTE)
WORKED = (MatchState.ACCEPTED, MatchState.EN_ROUTE, MatchState.DONE)


def volunteer_box(lat: float, lon: float, max_km: float) -> tuple[float, float, float, float]:
    """The travel box to store on a volunteer (box_south, box_north, box_west, box_east)."""
    return travel_box(lat, lon, min(max_km, MAX_TRAVEL_KM))


def _lon_inside(west, east, lon: float):
    """SQL: longitude `lon` lies between west and east, wrapped boxes (west > east) included."""
    plain = sa.and_(west <= east, west <= lon, east >= lon)
    return sa.or_(plain, sa.and_(west > east, sa.or_(west <= lon, east >= lon)))


def box_filter(lat: float, lon: float, limit_km: float | None = None):
    """SQL: on-duty volunteers whose stored travel box holds the point (and near it, if limited)."""
    cond = [V.c.on_duty == sa.true(), V.c.box_south.between(lat - BAND_DEG, lat),
            V.c.box_north >= lat, _lon_inside(V.c.box_west, V.c.box_east, lon)]
    if limit_km is not None:
        south, north, west, east = travel_box(lat, lon, limit_km)
        cond += [V.c.lat.between(south, north), _lon_inside(sa.literal(west), sa.literal(east), V.c.lon)]
    return sa.and_(*cond)


def load_candidates(session, lat: float, lon: float, now: datetime,
                    limit_km: float | None = None) -> list[VolunteerInfo]:
    """On-duty volunteers whose travel box holds (lat, lon), with skills and recent workload.

    An indexed prefilter only: the engine applies the exact rules. `active` counts matches
    accepted or en route; `week_count` matches accepted, en route or done whose response
    (acceptance) came in the last 7 days; `recent_declines` declines in the last 14 days.
    """
    where = box_filter(lat, lon, limit_km)
    rows = session.execute(sa.select(
        V.c.id, V.c.lat, V.c.lon, V.c.max_km, V.c.capacity, V.c.week_cap, V.c.languages,
        V.c.vetting, V.c.has_vehicle).where(where)).all()
    if not rows:
        return []
    skills = _skills(session, where)
    loads = _loads(session, where, now)
    return [_info(r, skills.get(r[0], frozenset()), loads.get(r[0], (0, 0, 0))) for r in rows]


def _skills(session, where) -> dict[int, frozenset[str]]:
    query = sa.select(VS.c.volunteer_id, S.c.slug).select_from(
        V.join(VS, VS.c.volunteer_id == V.c.id).join(S, S.c.id == VS.c.skill_id)).where(where)
    held: dict[int, set[str]] = {}
    for vid, slug in session.execute(query):
        held.setdefault(vid, set()).add(slug)
    return {vid: frozenset(s) for vid, s in held.items()}


def _loads(session, where, now: datetime) -> dict[int, tuple[int, int, int]]:
    """Per volunteer: (active, accepted this week, declines in 14 days)."""
    week, fortnight = now - timedelta(days=7), now - timedelta(days=14)
    count = lambda cond: sa.func.sum(sa.case((cond, 1), else_=0))
    query = sa.select(
        M.c.volunteer_id,
        count(M.c.state.in_(ACTIVE)),
        count(sa.and_(M.c.state.in_(WORKED), M.c.responded_at >= week)),
        count(sa.and_(M.c.state == MatchState.DECLINED, M.c.responded_at >= fortnight)),
    ).select_from(V.join(M, M.c.volunteer_id == V.c.id)).where(
        where, M.c.state.in_(WORKED + (MatchState.DECLINED,))).group_by(M.c.volunteer_id)
    return {vid: (int(a), int(w), int(d)) for vid, a, w, d in session.execute(query)}


def _info(row, skills: frozenset[str], load: tuple[int, int, int]) -> VolunteerInfo:
    vid, lat, lon, max_km, capacity, week_cap, languages, vetting, vehicle = row
    langs = frozenset(c.strip().lower() for c in (languages or "").split(",") if c.strip())
    return VolunteerInfo(vid, lat, lon, max_km, True, load[0], capacity, load[1], week_cap,
                         skills, langs, vetting, bool(vehicle), load[2])


def load_skill_tree(session) -> SkillTree:
    """Every skill slug with its parent's slug (None for roots)."""
    parent = S.alias("parent")
    query = sa.select(S.c.slug, parent.c.slug).select_from(
        S.outerjoin(parent, parent.c.id == S.c.parent_id))
    return SkillTree({slug: up for slug, up in session.execute(query)})
