"""Rank volunteers for one need: hard rules first, then the score, with every tie-break written out."""
from collections.abc import Iterable, Mapping
from datetime import datetime
from operator import itemgetter

from aid.matching.eligibility import fillable, first_failure, missing_skill
from aid.matching.geo import km_from
from aid.matching.reasons import Reasons
from aid.matching.scoring import base_score, slot_score
from aid.matching.skills import SkillTree
from aid.matching.types import Candidate, Exclusion, NeedInfo, Shortlist, SlotInfo, VolunteerInfo
from aid.matching.weights import Weights

_TIE = 1e-9


def rank(need: NeedInfo, volunteers: Iterable[VolunteerInfo], tree: SkillTree, now: datetime,
         weights: Weights | None = None, scarcity: Mapping[str, float] | None = None) -> Shortlist:
    """Shortlist every volunteer for `need`: eligible ones ranked, the others with their rule.

    Eligibility: the rules of aid.matching.eligibility.RULES in that order, distance being
    the great-circle km between the volunteer's base and the need; an excluded volunteer
    carries the first rule they fail. Exclusions are listed by volunteer id.

    Score: base_score + slot_score (aid.matching.scoring) for the best slot the volunteer
    can fill, rounded to 6 decimals. Candidates are ordered by score (highest first), then
    distance (nearest first, to the metre), then volunteer id (lowest first).

    Slot: among the slots the volunteer can fill, those requiring the most skills (a roofer
    is offered the place that needs repairs, leaving the plain places to anyone, as the batch
    run fills them); of those, the one with the highest slot score. When several tie
    (identical requirements), candidates are dealt out in ranking order to the tied slot
    holding the fewest better-ranked candidates, then to the one listed first in need.slots:
    two interchangeable slots each get their own share of the best volunteers.
    """
    w, scarce, km_to = weights or Weights(), scarcity or {}, km_from(need.lat, need.lon)
    best_by_skills: dict[frozenset[str], tuple[float, list[SlotInfo]] | None] = {}
    rows, excluded = [], []
    for v in volunteers:
        km = km_to(v.lat, v.lon)
        failed = first_failure(need, v, km, now)
        if failed is None:
            if v.skills not in best_by_skills:  # slot scores depend on the skill set alone
                best_by_skills[v.skills] = _best_slots(v, need, tree, scarce, w)
            best = best_by_skills[v.skills]
            if best is not None:
                score = round(best[0] + base_score(v, km, need.category, tree, w), 6)
                rows.append((-score, round(km, 3), v.id, v, best[1]))
                continue
            failed = missing_skill(v, need.slots, tree)
        excluded.append(Exclusion(v.id, *failed))
    rows.sort(key=itemgetter(0, 1, 2))
    excluded.sort(key=lambda e: e.volunteer_id)
    return Shortlist(need.id, _deal(need, rows, tree), tuple(excluded))


def _best_slots(v: VolunteerInfo, need: NeedInfo, tree: SkillTree, scarcity: Mapping[str, float],
                w: Weights) -> tuple[float, list[SlotInfo]] | None:
    """Of the fillable slots requiring the most skills: the best slot score and every slot reaching it
    (within 1e-9); None if none is fillable."""
    can = fillable(v, need.slots, tree)
    if not can:
        return None
    most = max(len(s.skills) for s in can)
    scored = [(slot_score(v, s, need.category, tree, scarcity, w), s) for s in can if len(s.skills) == most]
    best = max(sc for sc, _ in scored)
    return best, [s for sc, s in scored if sc >= best - _TIE]


def _deal(need: NeedInfo, rows: list, tree: SkillTree) -> tuple[Candidate, ...]:
    """Candidates in ranking order, each tied to its least-served best slot (then the earliest)."""
    served, reasons, out = {s.id: 0 for s in need.slots}, Reasons(need, tree), []
    for neg_score, km, vid, v, tied in rows:
        slot = tied[0] if len(tied) == 1 else min(tied, key=lambda s: served[s.id])  # min keeps the earliest
        served[slot.id] += 1
        out.append(Candidate(vid, slot.id, -neg_score, km, reasons(v, slot, km)))
    return tuple(out)
