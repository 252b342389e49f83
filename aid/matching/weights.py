"""Scoring weights and the fixed tables the rules read."""
from dataclasses import dataclass

# Category -> minimum vetting level (0 none, 1 id checked, 2 background checked).
SENSITIVE_CATEGORIES = {"medicine": 1, "care": 1}
# Categories where a vehicle helps: a volunteer with one gets the `vehicle` weight.
VEHICLE_CATEGORIES = frozenset({"transport"})
# Category -> skills that suit it: a volunteer covering one of them (aid.matching.skills: a
# descendant covers its ancestors, so "roofing" covers "repairs") gets the `preferred` weight.
# A soft bonus, never a rule: the slot's own required skills are what decide who may fill it.
PREFERRED_SKILLS = {
    "repairs": frozenset({"repairs"}),
    "transport": frozenset({"driving"}),  # and a vehicle: the `vehicle` weight, VEHICLE_CATEGORIES
    "medicine": frozenset({"first-aid", "nurse"}),
    "care": frozenset({"care", "childcare"}),
}
# Most urgent first; unknown urgencies rank with "normal".
URGENCY_RANK = {"critical": 3, "high": 2, "normal": 1, "low": 0}


@dataclass(frozen=True, slots=True)
class Weights:
    """Weight of each score term; every term lies in [0, 1], so a score lies in [0, sum]."""

    closeness: float = 0.35  # 1 - distance / the volunteer's own range
    short_range: float = 0.10  # 1 - min(range, range_ref_km) / range_ref_km
    skill_fit: float = 0.20  # required skills held exactly (1) or through a descendant (covered_fit)
    scarcity: float = 0.15  # 1 - the highest scarcity among skills this slot leaves unused
    load: float = 0.15  # 1 - tasks this week / weekly cap
    declines: float = 0.05  # 1 / (1 + declines in the last 14 days)
    vehicle: float = 0.05  # has a vehicle, for VEHICLE_CATEGORIES only
    preferred: float = 0.25  # covers a skill the category prefers (PREFERRED_SKILLS), required or not
    covered_fit: float = 0.5  # fit of a skill covered by a more specific one ("nurse" for first aid)
    range_ref_km: float = 25.0
