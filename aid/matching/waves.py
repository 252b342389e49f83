"""Offer waves: how many offers go out per open slot, and for how long."""
from collections import Counter
from collections.abc import Mapping

from aid.matching.types import Candidate, Shortlist

# Offers kept out per open slot, and minutes an offer stays open, by urgency
# (the same numbers as Config.WAVE_SIZE / Config.OFFER_MINUTES); unknown urgencies count as normal.
WAVE_SIZE = {"low": 2, "normal": 3, "high": 4, "critical": 6}
OFFER_MINUTES = {"low": 240, "normal": 60, "high": 20, "critical": 10}


def wave_size(urgency: str) -> int:
    """Offers to keep out per open slot: low 2, normal 3, high 4, critical 6."""
    return WAVE_SIZE.get(urgency, WAVE_SIZE["normal"])


def offer_minutes(urgency: str) -> int:
    """Minutes an offer stays open: low 240, normal 60, high 20, critical 10."""
    return OFFER_MINUTES.get(urgency, OFFER_MINUTES["normal"])


def plan_wave(shortlist: Shortlist, offered: Mapping[int, int], size: int) -> list[Candidate]:
    """The next offers: each slot's best `size` candidates, and the slot topped up to `size` offers out.

    `offered` maps each volunteer holding an open offer on this need to its slot; they stay in
    the shortlist (ranked with everyone else) but are never offered again. Walking the
    shortlist in its order (best first), a candidate not yet offered is taken when
    - they rank within the first `size` candidates of their slot, counting those already
      offered: a volunteer who became eligible (ID checked, a skill added, a base moved) and
      ranks within the wave joins the open wave at once, even when the slot already has `size`
      offers out (offers made are never withdrawn here); or
    - their slot has fewer than `size` offers out: those in `offered` (also those no longer
      in the shortlist) plus those taken so far.
    A volunteer is taken at most once (the shortlist lists each once; repeats are skipped).
    Volunteers who refused, hold or finished it are excluded upstream by NeedInfo.excluded.
    """
    out, listed = [], set()
    taken, ranked = Counter(offered.values()), Counter()  # offers out, and candidates seen, per slot
    for c in shortlist.candidates:
        if c.volunteer_id in listed:
            continue
        listed.add(c.volunteer_id)
        position, ranked[c.slot_id] = ranked[c.slot_id], ranked[c.slot_id] + 1
        if c.volunteer_id in offered or (position >= size and taken[c.slot_id] >= size):
            continue
        taken[c.slot_id] += 1
        out.append(c)
    return out
