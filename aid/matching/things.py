"""Rank shared things for a thing-slot of a need, as volunteers are ranked for a person-slot.

Pure: plain values in, plain values out. Every thing is either a candidate with its reasons
("1.2 km · free Sat 10:00 to 14:00 · 3 left") or excluded by one named rule ("booked 10:00
to 14:00 for another need"). Reasons are codes with arguments (aid.matching.types.Reason);
the web layer says them in the reader's language.
"""
from dataclasses import dataclass
from datetime import date, datetime

from aid.matching.geo import haversine_km
from aid.matching.types import Reason

# Codes and their arguments.
FREE = "thing_free"  # starts, ends (ISO): "free Sat 10:00 to 14:00"
LEFT = "thing_left"  # n, kind: "3 beds left"
BEST_BEFORE = "thing_best_before"  # day (ISO): "best before 3 May"
TOO_FAR = "thing_too_far"  # km: "12.0 km away"
NOT_OFFERED = "thing_not_offered"  # not inside any of its windows
BOOKED = "thing_booked"  # starts, ends (ISO): "booked 10:00 to 14:00 for another need"
NOT_ENOUGH = "thing_not_enough"  # n: "only 2 left"
SPOILED = "thing_spoiled"  # day: "past its best-before date"
VETTED_ONLY = "thing_vetted_only"  # for vetted volunteers only
ALREADY_ASKED = "thing_already_asked"  # its owner already said no to this need
HELPERS_OWN = "thing_helpers_own"  # owned by a volunteer who took a person-slot of the need: "the helper's own"

DEFAULT_KM = 20.0


@dataclass(frozen=True, slots=True)
class Booked:
    """An active booking of a thing: how many units over [starts, ends)."""

    starts: datetime
    ends: datetime
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class ThingInfo:
    id: int
    kind: str
    lat: float
    lon: float
    sharing: str = "unique"  # unique | pool | consumable
    count: int = 1
    remaining: int = 1  # consumables: units not yet booked
    windows: tuple[tuple[datetime, datetime], ...] = ()  # empty: any time
    booked: tuple[Booked, ...] = ()
    vetted_only: bool = False
    best_before: date | None = None
    owner_id: int | None = None  # the volunteer who lends it; None for a union's


@dataclass(frozen=True, slots=True)
class ThingAsk:
    """A need's thing-slot: which kind, how many, when, where, and who will use it."""

    slot_id: int
    kind: str
    lat: float
    lon: float
    starts: datetime
    ends: datetime
    quantity: int = 1
    max_km: float = DEFAULT_KM
    vetting: int = 0  # the highest vetting among the need's accepted volunteers
    excluded: frozenset[int] = frozenset()  # things already tried for this slot
    helpers: frozenset[int] = frozenset()  # volunteers holding the need's person-slots


@dataclass(frozen=True, slots=True)
class ThingCandidate:
    thing_id: int
    score: float
    km: float
    left: int
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class ThingExclusion:
    thing_id: int
    reason: Reason


@dataclass(frozen=True, slots=True)
class RankedThings:
    candidates: tuple[ThingCandidate, ...]
    excluded: tuple[ThingExclusion, ...]


def rank_things(ask: ThingAsk, things: list[ThingInfo]) -> RankedThings:
    """Candidates best first, and the excluded with their rule.

    Only things of the asked kind are considered. Rules, in order (the first that fails
    names the exclusion): not already tried for this slot; within ask.max_km; the asked
    range lies inside one of its windows (a thing without windows is always offered);
    vetted-only things need a vetted helper; consumables must last to the start and have
    enough units left; unique items and pools must have enough units free at every moment
    of the range. Score: 0.6 × closeness (1 − km / max_km) + 0.3 × the share still free
    after this booking + 0.1 for a consumable with a best-before (use it first), and 1 more
    for a thing of a volunteer who took one of the need's person-slots ("a driver with a
    van": one person fills both). Ties: higher score, then nearer, then lower id.
    """
    candidates, excluded = [], []
    for thing in things:
        if thing.kind != ask.kind:
            continue
        km = haversine_km(ask.lat, ask.lon, thing.lat, thing.lon)
        rule = _exclusion(ask, thing, km)
        if rule is not None:
            excluded.append(ThingExclusion(thing.id, rule))
        else:
            candidates.append(_candidate(ask, thing, km))
    candidates.sort(key=lambda c: (-c.score, c.km, c.thing_id))
    return RankedThings(tuple(candidates), tuple(excluded))


def _exclusion(ask, thing, km):
    if thing.id in ask.excluded:
        return Reason.of(ALREADY_ASKED)
    if km > ask.max_km:
        return Reason.of(TOO_FAR, km=round(km, 1))
    if thing.windows and not any(s <= ask.starts and ask.ends <= e for s, e in thing.windows):
        return Reason.of(NOT_OFFERED)
    if thing.vetted_only and ask.vetting < 1:
        return Reason.of(VETTED_ONLY)
    if thing.sharing == "consumable":
        if thing.best_before is not None and thing.best_before < ask.starts.date():
            return Reason.of(SPOILED, day=thing.best_before.isoformat())
        if thing.remaining < ask.quantity:
            return Reason.of(NOT_ENOUGH, n=thing.remaining)
        return None
    clash = _first_clash(thing, ask)
    return None if clash is None else Reason.of(BOOKED, starts=clash.starts.isoformat(), ends=clash.ends.isoformat())


def free_at_peak(thing: ThingInfo, starts: datetime, ends: datetime) -> int:
    """Units of a unique item or pool free at the busiest moment of [starts, ends)."""
    overlapping = [b for b in thing.booked if b.starts < ends and starts < b.ends]
    edges = sorted({max(b.starts, starts) for b in overlapping} | {starts})
    peak = max((sum(b.quantity for b in overlapping if b.starts <= t < b.ends) for t in edges), default=0)
    return thing.count - peak


def _first_clash(thing, ask):
    """The earliest overlapping booking when too few units are free over the range, else None."""
    if free_at_peak(thing, ask.starts, ask.ends) >= ask.quantity:
        return None
    return min((b for b in thing.booked if b.starts < ask.ends and ask.starts < b.ends), key=lambda b: b.starts)


def _candidate(ask, thing, km):
    if thing.sharing == "consumable":
        left = thing.remaining - ask.quantity
        total = max(thing.remaining, 1)
    else:
        left = free_at_peak(thing, ask.starts, ask.ends) - ask.quantity
        total = thing.count
    soonest = 0.1 if thing.sharing == "consumable" and thing.best_before is not None else 0.0
    helpers_own = thing.owner_id is not None and thing.owner_id in ask.helpers
    score = 0.6 * max(0.0, 1 - km / ask.max_km) + 0.3 * (left / total) + soonest + helpers_own
    reasons = [Reason.of("distance", km=round(km, 1)),
               Reason.of(FREE, starts=ask.starts.isoformat(), ends=ask.ends.isoformat())]
    if helpers_own:
        reasons.insert(0, Reason.of(HELPERS_OWN))
    if thing.sharing != "unique":
        reasons.append(Reason.of(LEFT, n=thing.remaining if thing.sharing == "consumable" else left + ask.quantity,
                                 kind=thing.kind))
    if thing.best_before is not None:
        reasons.append(Reason.of(BEST_BEFORE, day=thing.best_before.isoformat()))
    return ThingCandidate(thing.id, round(score, 4), km, left, tuple(reasons))
