"""Hard rules: the first one a volunteer fails excludes them, with its stable name."""
from datetime import datetime

from aid.matching.geo import MAX_TRAVEL_KM
from aid.matching.skills import SkillTree
from aid.matching.types import NeedInfo, SlotInfo, Value, VolunteerInfo
from aid.matching.weights import SENSITIVE_CATEGORIES

# The order the rules are checked in; an excluded volunteer carries the first they fail.
RULES = (
    "declined_before",  # id in need.excluded: already matched, declined or gave back this need
    "off_duty",  # not on duty
    "at_capacity",  # active >= capacity
    "weekly_cap",  # week_count >= week_cap
    "out_of_range",  # distance > min(max_km, MAX_TRAVEL_KM)
    "beyond_need_distance",  # need.max_km set and distance > need.max_km
    "not_vetted",  # vetting below SENSITIVE_CATEGORIES[category]
    "no_shared_language",  # need.language set and not among the volunteer's languages
    "unavailable",  # availability given and no interval overlaps the need's window (or now)
    "missing_skill",  # no open slot whose every required skill the volunteer covers
)


Failure = tuple[str, str, tuple[tuple[str, Value], ...]]  # rule, English detail, the detail's facts


def failed(rule: str, detail: str, **facts: Value) -> Failure:
    """One failed rule as Exclusion's fields after the volunteer id: (rule, detail, sorted facts)."""
    return rule, detail, tuple(sorted(facts.items()))


def first_failure(need: NeedInfo, v: VolunteerInfo, km: float, now: datetime) -> Failure | None:
    """The first rule in RULES (skills aside) that `v` fails at distance `km`, as failed(...)."""
    if v.id in need.excluded:
        return failed("declined_before", "already asked for this need")
    if not v.on_duty:
        return failed("off_duty", "off duty")
    if v.active >= v.capacity:
        return failed("at_capacity", f"{v.active} of {v.capacity} tasks active", active=v.active, cap=v.capacity)
    if v.week_count >= v.week_cap:
        return failed("weekly_cap", f"{v.week_count} of {v.week_cap} tasks this week", done=v.week_count, cap=v.week_cap)
    reach = min(v.max_km, MAX_TRAVEL_KM)
    if km > reach:
        return failed("out_of_range", f"{km:.1f} km away, travels {reach:g} km", km=round(km, 1), reach=reach)
    if need.max_km is not None and km > need.max_km:
        return failed("beyond_need_distance", f"{km:.1f} km away, need allows {need.max_km:g} km",
                      km=round(km, 1), reach=need.max_km)
    level = SENSITIVE_CATEGORIES.get(need.category, 0)
    if v.vetting < level:
        return failed("not_vetted", f"vetting {v.vetting}, {need.category} needs {level}")
    if need.language is not None and need.language not in v.languages:
        return failed("no_shared_language", f"does not speak {need.language}", language=need.language)
    if not is_available(v, need.window or (now, now)):
        return failed("unavailable", "not available in the need's window")
    return None


def is_available(v: VolunteerInfo, window: tuple[datetime, datetime]) -> bool:
    """True when availability is unset, or some interval overlaps the window (ends included)."""
    if v.available is None:
        return True
    return any(start <= window[1] and end >= window[0] for start, end in v.available)


def fillable(v: VolunteerInfo, slots: tuple[SlotInfo, ...], tree: SkillTree) -> list[SlotInfo]:
    """The slots whose every required skill `v` covers, in the need's order."""
    covered = tree.closure(v.skills)
    return [s for s in slots if s.skills <= covered]


def missing_skill(v: VolunteerInfo, slots: tuple[SlotInfo, ...], tree: SkillTree) -> Failure:
    """failed("missing_skill", 'lacks a, b') for the slot missing the fewest skills (ties: the earlier
    slot); its fact `skills` is those slugs joined by commas."""
    covered = tree.closure(v.skills)
    gaps = [sorted(s.skills - covered) for s in slots]
    if not gaps:
        return failed("missing_skill", "no open slot")
    lacking = min(gaps, key=len)
    return failed("missing_skill", "lacks " + ", ".join(lacking), skills=",".join(lacking))
