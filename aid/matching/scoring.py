"""Score terms for an eligible volunteer and a slot, and how rare each skill is."""
from collections import Counter
from collections.abc import Mapping, Sequence

from aid.matching.skills import SkillTree
from aid.matching.types import NeedInfo, SlotInfo, VolunteerInfo
from aid.matching.weights import PREFERRED_SKILLS, VEHICLE_CATEGORIES, Weights


def suits(held: frozenset[str], category: str, tree: SkillTree) -> bool:
    """True when the held skills cover one the category prefers (weights.PREFERRED_SKILLS)."""
    preferred = PREFERRED_SKILLS.get(category)
    return preferred is not None and not preferred.isdisjoint(tree.closure(held))


def suiting_skill(held: frozenset[str], category: str, tree: SkillTree) -> str | None:
    """The held skill that makes `held` suit the category, for the reasons; None if none does.

    Of the category's preferred skills covered, the first in sorted order; then the held
    skill covering it (SkillTree.coverer: itself if held, else the lowest-sorted descendant).
    """
    covered = tree.closure(held)
    wanted = sorted(PREFERRED_SKILLS.get(category, frozenset()) & covered)
    return tree.coverer(held, wanted[0]) if wanted else None


def base_score(v: VolunteerInfo, km: float, category: str, tree: SkillTree, w: Weights) -> float:
    """The slot-independent part of the score.

    closeness * (1 - km / max_km)  [1 when max_km is 0]
    + short_range * (1 - min(max_km, range_ref_km) / range_ref_km)
    + load * (1 - min(week_count / week_cap, 1))
    + declines / (1 + recent_declines)
    + vehicle, when the volunteer has one and the category is in VEHICLE_CATEGORIES
    + preferred, when the volunteer suits the category (suits(): covers one of its
      PREFERRED_SKILLS, whether or not the slot requires it). A soft bonus: a closer or less
      busy volunteer without the skill can still rank above.
    """
    close = 1.0 - km / v.max_km if v.max_km > 0 else 1.0
    short = 1.0 - min(v.max_km, w.range_ref_km) / w.range_ref_km
    load = 1.0 - min(v.week_count / v.week_cap, 1.0) if v.week_cap > 0 else 0.0
    total = w.closeness * max(close, 0.0) + w.short_range * short + w.load * load
    total += w.declines / (1 + v.recent_declines)
    if v.has_vehicle and category in VEHICLE_CATEGORIES:
        total += w.vehicle
    if suits(v.skills, category, tree):
        total += w.preferred
    return total


def slot_score(v: VolunteerInfo, slot: SlotInfo, category: str, tree: SkillTree,
               scarcity: Mapping[str, float], w: Weights) -> float:
    """The slot-dependent part of the score.

    skill_fit * mean over required skills of (1 if held, covered_fit if covered by a
    descendant), 1 when the slot requires nothing;
    + scarcity * (1 - the highest scarcity, clamped to [0, 1], among the volunteer's skills
    this slot leaves unused: a skill is used when it covers a required skill or one the
    category prefers (weights.PREFERRED_SKILLS): a roofer on a roof tarp is not wasted).
    """
    req = slot.skills
    fit = 1.0 if not req else sum(1.0 if s in v.skills else w.covered_fit for s in req) / len(req)
    wanted = req | PREFERRED_SKILLS.get(category, frozenset())
    spare = [h for h in v.skills if wanted.isdisjoint(tree.ancestors(h))] if wanted else v.skills
    scarce = max((scarcity.get(h, 0.0) for h in spare), default=0.0)
    return w.skill_fit * fit + w.scarcity * (1.0 - min(max(scarce, 0.0), 1.0))


def skill_scarcity(needs: Sequence[NeedInfo], volunteers: Sequence[VolunteerInfo],
                   tree: SkillTree) -> dict[str, float]:
    """Per skill: open slots requiring it / on-duty volunteers covering it, capped at 1."""
    demand: dict[str, int] = {}
    for need in needs:
        for slot in need.slots:
            for s in slot.skills:
                demand[s] = demand.get(s, 0) + 1
    holders = Counter(v.skills for v in volunteers if v.on_duty)  # few distinct skill sets
    supply = dict.fromkeys(demand, 0)
    for held, count in holders.items():
        for s in tree.closure(held).intersection(supply):
            supply[s] += count
    return {s: min(1.0, d / max(supply[s], 1)) for s, d in demand.items()}
