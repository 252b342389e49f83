"""Volunteers and needs as numpy columns, for the batch run."""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from aid.matching.geo import MAX_TRAVEL_KM
from aid.matching.types import NeedInfo, VolunteerInfo
from aid.matching.weights import PREFERRED_SKILLS, SENSITIVE_CATEGORIES, URGENCY_RANK, VEHICLE_CATEGORIES, Weights


@dataclass(slots=True)
class VolunteerColumns:
    """The volunteers who could take a task at all (on duty, under both caps), by id, as arrays."""

    people: list[VolunteerInfo]
    lat: np.ndarray
    lon: np.ndarray
    max_km: np.ndarray
    reach: np.ndarray  # min(max_km, MAX_TRAVEL_KM)
    vetting: np.ndarray
    vehicle: np.ndarray
    limited: np.ndarray  # gave availability intervals
    combo: np.ndarray  # index into combos: the volunteer's skill set
    combos: list[frozenset[str]]
    tongue: np.ndarray  # index into tongues: the volunteer's language set
    tongues: list[frozenset[str]]
    base: np.ndarray  # short_range + load + declines terms of base_score
    remaining: list[int]  # tasks they may still take: min(capacity - active, week_cap - week_count)


def volunteer_columns(volunteers: Sequence[VolunteerInfo], w: Weights) -> VolunteerColumns:
    """Columns for the volunteers passing off_duty, at_capacity and weekly_cap, by id."""
    people = sorted((v for v in volunteers if v.on_duty and v.active < v.capacity
                     and v.week_count < v.week_cap), key=lambda v: v.id)
    combos: dict[frozenset[str], int] = {}
    tongues: dict[frozenset[str], int] = {}
    rows = np.array([(v.lat, v.lon, v.max_km, v.vetting, v.has_vehicle, v.available is not None,
                      combos.setdefault(v.skills, len(combos)), tongues.setdefault(v.languages, len(tongues)),
                      v.week_count, v.week_cap, v.recent_declines) for v in people], float).reshape(-1, 11)
    lat, lon, max_km, vetting, vehicle, limited, combo, tongue, count, cap, declines = rows.T
    short = w.short_range * (1.0 - np.minimum(max_km, w.range_ref_km) / w.range_ref_km)
    base = short + w.load * (1.0 - np.minimum(count / cap, 1.0)) + w.declines / (1.0 + declines)
    return VolunteerColumns(
        people, lat, lon, max_km, np.minimum(max_km, MAX_TRAVEL_KM), vetting.astype(np.int32),
        vehicle.astype(bool), limited.astype(bool), combo.astype(np.int32), list(combos),
        tongue.astype(np.int32), list(tongues), base,
        [min(v.capacity - v.active, v.week_cap - v.week_count) for v in people])


@dataclass(slots=True)
class NeedColumns:
    """Needs with open slots in priority order, and their slots flattened."""

    needs: list[NeedInfo]
    lat: np.ndarray
    lon: np.ndarray
    max_km: np.ndarray  # inf when the need sets none
    min_vetting: np.ndarray
    vehicle: np.ndarray  # category rewards a vehicle
    category: np.ndarray  # index into categories
    categories: list[str]
    language: np.ndarray  # index into languages, -1 when none is required
    languages: list[str]
    first_slot: np.ndarray  # slots of need i are first_slot[i] .. first_slot[i + 1] - 1
    slot_req: np.ndarray  # index into reqs: the slot's required skills, and its need's category
    reqs: list[tuple[frozenset[str], str]]  # the category only where it prefers skills, else ""


def priority(need: NeedInfo) -> tuple:
    """Most urgent first (unknown urgency = normal), then longest waiting, then lowest id."""
    return -URGENCY_RANK.get(need.urgency, 1), need.created_at, need.id


def need_columns(needs: Sequence[NeedInfo]) -> NeedColumns:
    """Columns for the needs that have open slots, most urgent and longest waiting first."""
    todo = sorted((n for n in needs if n.slots), key=priority)
    col = lambda f, t=float: np.fromiter(map(f, todo), t, len(todo))  # noqa: E731
    langs: dict[str, int] = {}
    reqs: dict[tuple[frozenset[str], str], int] = {}
    kinds: dict[str, int] = {}
    slot_req = [reqs.setdefault((s.skills, n.category if n.category in PREFERRED_SKILLS else ""), len(reqs))
                for n in todo for s in n.slots]
    return NeedColumns(
        todo, col(lambda n: n.lat), col(lambda n: n.lon),
        col(lambda n: np.inf if n.max_km is None else n.max_km),
        col(lambda n: SENSITIVE_CATEGORIES.get(n.category, 0), np.int32),
        col(lambda n: n.category in VEHICLE_CATEGORIES, bool),
        col(lambda n: kinds.setdefault(n.category, len(kinds)), np.int32), list(kinds),
        col(lambda n: -1 if n.language is None else langs.setdefault(n.language, len(langs)), np.int32),
        list(langs), np.concatenate(([0], np.cumsum(col(lambda n: len(n.slots), np.int64)))),
        np.asarray(slot_req, np.int32), list(reqs))


def windows(nc: NeedColumns, now: datetime) -> list[tuple[datetime, datetime]]:
    """Each need's time window; a need without one is for `now`."""
    return [n.window or (now, now) for n in nc.needs]
