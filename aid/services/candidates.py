"""Load the volunteers worth ranking for a point, and the skill tree, with SQLAlchemy Core."""
import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from aid.matching.geo import EARTH_KM, MAX_TRAVEL_KM, km_from, travel_box
from aid.matching.skills import SkillTree
from aid.matching.types import VolunteerInfo
from aid.models import Match, MatchState, Skill, Volunteer, volunteer_skills

V, M, S, VS = Volunteer.__table__, Match.__table__, Skill.__table__, volunteer_skills
# A stored box is at most this tall (in degrees), so a box holding latitude `lat` starts in
# [lat - BAND_DEG, lat]: a bounded range on the (on_duty, box_south, ...) index.
BAND_DEG = 2 * math.degrees(MAX_TRAVEL_KM / EARTH_KM) + 1e-6
ACTIVE = (MatchState.ACCEPTED, MatchState.EN_ROUTE)
WORKED = (MatchState.ACCEPTED, MatchState.EN_ROUTE, MatchState.DONE)
P = sa.bindparam


def volunteer_box(lat: float, lon: float, max_km: float) -> tuple[float, float, float, float]:
    """The travel box to store on a volunteer (box_south, box_north, box_west, box_east)."""
    return travel_box(lat, lon, min(max_km, MAX_TRAVEL_KM))


def lon_inside(west, east, lon):
    """SQL: longitude `lon` lies between west and east, wrapped boxes (west > east) included.

    The SQL twin of aid.matching.geo.box_contains. With west and east known numbers the
    one form that applies is chosen here (a plain BETWEEN, which an index serves);
    with columns or parameters the database decides per row.
    """
    if isinstance(west, int | float) and isinstance(east, int | float):
        return lon.between(west, east) if west <= east else sa.or_(lon >= west, lon <= east)
    plain = sa.and_(west <= east, west <= lon, east >= lon)
    return sa.or_(plain, sa.and_(west > east, sa.or_(west <= lon, east >= lon)))


def _box_filter(limited: bool):
    """SQL: on duty, stored travel box holding (:lat, :lon); if limited, base inside the need's box."""
    cond = [V.c.on_duty == sa.true(), V.c.box_south.between(P("band"), P("lat")),
            V.c.box_north >= P("lat"), lon_inside(V.c.box_west, V.c.box_east, P("lon"))]
    if limited:
        cond += [V.c.lat.between(P("south"), P("north")), lon_inside(P("west"), P("east"), V.c.lon)]
    return sa.and_(*cond)


# Built once: executing a prepared statement skips building and caching a new one per need.
ROWS = {limited: sa.select(V.c.id, V.c.lat, V.c.lon, V.c.max_km, V.c.capacity, V.c.week_cap, V.c.languages,
                           V.c.vetting, V.c.has_vehicle).where(_box_filter(limited)) for limited in (False, True)}
SLUGS = sa.select(S.c.id, S.c.slug)


def _one_of(column, pg: bool):
    """SQL: column among :ids; on PostgreSQL one array parameter (= ANY), elsewhere an IN list."""
    return column == sa.any_(P("ids", type_=ARRAY(sa.Integer))) if pg else column.in_(P("ids", expanding=True))


HELD = {pg: sa.select(VS.c.volunteer_id, VS.c.skill_id).where(_one_of(VS.c.volunteer_id, pg)) for pg in (False, True)}


def _count(cond):
    """SQL: how many rows of the group meet `cond` (portable: no FILTER clause)."""
    return sa.func.sum(sa.case((cond, 1), else_=0))


LOADS = {pg: sa.select(
    M.c.volunteer_id,
    _count(M.c.state.in_(ACTIVE)),
    _count(sa.and_(M.c.state.in_(WORKED), M.c.responded_at >= P("week"))),
    _count(sa.and_(M.c.state == MatchState.DECLINED, M.c.responded_at >= P("fortnight"))),
).where(_one_of(M.c.volunteer_id, pg), M.c.state.in_(WORKED + (MatchState.DECLINED,))).group_by(M.c.volunteer_id)
    for pg in (False, True)}


def load_candidates(session, lat: float, lon: float, now: datetime,
                    limit_km: float | None = None) -> list[VolunteerInfo]:
    """On-duty volunteers within reach of (lat, lon), with their skills and recent workload.

    Within reach: the great-circle distance is at most min(max_km, MAX_TRAVEL_KM), and at most
    limit_km when given. The stored travel boxes select them by an index range scan; the
    exact distance is checked here, before fetching skills and workload. The engine applies
    every rule again. `active` counts matches accepted or en route; `week_count` matches
    accepted, en route or done whose response (the acceptance) came in the last 7 days;
    `recent_declines` declines in the last 14 days.
    """
    conn = session.connection()  # Core straight on the connection: no ORM layer per statement
    rows = conn.execute(ROWS[limit_km is not None], _box_params(lat, lon, limit_km)).all()
    km_to, limit = km_from(lat, lon), math.inf if limit_km is None else limit_km
    rows = [r for r in rows if km_to(r[1], r[2]) <= min(r[3], MAX_TRAVEL_KM, limit)]
    if not rows:
        return []
    ids = [r[0] for r in rows]
    skills, loads, tongues = _skills(conn, ids), _loads(conn, ids, now), {}
    none, empty = (0, 0, 0), frozenset()
    return [_info(r, skills.get(r[0], empty), loads.get(r[0], none), tongues) for r in rows]


def _box_params(lat: float, lon: float, limit_km: float | None) -> dict:
    params = {"band": lat - BAND_DEG, "lat": lat, "lon": lon}
    if limit_km is not None:
        params.update(zip(("south", "north", "west", "east"), travel_box(lat, lon, limit_km), strict=True))
    return params


def _skills(conn, ids: list[int]) -> dict[int, frozenset[str]]:
    """Skill slugs held, by volunteer id; equal sets are one shared frozenset (cheap to hash later)."""
    slug = dict(conn.execute(SLUGS).all())
    held: dict[int, list[int]] = {}
    for vid, skill in conn.execute(HELD[conn.dialect.name == "postgresql"], {"ids": ids}).all():
        held.setdefault(vid, []).append(skill)
    shared: dict[tuple[int, ...], frozenset[str]] = {}
    for vid, got in held.items():
        key = tuple(sorted(got))
        held[vid] = shared.get(key) or shared.setdefault(key, frozenset(slug[s] for s in key))
    return held


def _loads(conn, ids: list[int], now: datetime) -> dict[int, tuple[int, int, int]]:
    """Per volunteer: (active, accepted this week, declines in 14 days)."""
    params = {"ids": ids, "week": now - timedelta(days=7), "fortnight": now - timedelta(days=14)}
    rows = conn.execute(LOADS[conn.dialect.name == "postgresql"], params).all()
    return {vid: (int(a), int(w), int(d)) for vid, a, w, d in rows}


def _info(row, skills: frozenset[str], load: tuple[int, int, int], tongues: dict) -> VolunteerInfo:
    vid, lat, lon, max_km, capacity, week_cap, languages, vetting, vehicle = row
    langs = tongues.get(languages)
    if langs is None:  # parsed once per distinct string
        langs = tongues[languages] = frozenset(c.strip().lower() for c in (languages or "").split(",") if c.strip())
    return VolunteerInfo(vid, lat, lon, max_km, True, load[0], capacity, load[1], week_cap,
                         skills, langs, vetting, bool(vehicle), load[2])


def load_skill_tree(session) -> SkillTree:
    """Every skill slug with its parent's slug (None for roots)."""
    parent = S.alias("parent")
    query = sa.select(S.c.slug, parent.c.slug).select_from(S.outerjoin(parent, parent.c.id == S.c.parent_id))
    return SkillTree(dict(session.execute(query).all()))


def load_on_duty(session, now: datetime, union_id: int | None = None, chunk: int = 10_000) -> list[VolunteerInfo]:
    """Every on-duty volunteer with a base (of one union, if given), with skills and workload: for batch runs."""
    conn = session.connection()
    query = sa.select(V.c.id, V.c.lat, V.c.lon, V.c.max_km, V.c.capacity, V.c.week_cap, V.c.languages,
                      V.c.vetting, V.c.has_vehicle).where(V.c.on_duty == sa.true(), V.c.lat.is_not(None))
    if union_id is not None:
        query = query.where(V.c.union_id == union_id)
    rows = conn.execute(query.order_by(V.c.id)).all()
    found, none, empty, tongues = [], (0, 0, 0), frozenset(), {}
    for start in range(0, len(rows), chunk):  # id lists stay under SQLite's parameter limit
        part = rows[start:start + chunk]
        ids = [r[0] for r in part]
        skills, loads = _skills(conn, ids), _loads(conn, ids, now)
        found += [_info(r, skills.get(r[0], empty), loads.get(r[0], none), tongues) for r in part]
    return found
