"""Offer waves: how many offers go out per open slot, and for how long."""
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


def plan_wave(shortlist: Shortlist, outstanding: Mapping[int, int], size: int) -> list[Candidate]:
    """The next offers: top each slot up to `size` outstanding offers, best candidates first.

    Walks the shortlist in its order (best first) and takes a candidate when its slot has
    fewer than `size` offers out, counting `outstanding[slot_id]` (missing = 0) plus those
    taken so far. A volunteer is taken at most once (the shortlist lists each once; repeats
    are skipped). Volunteers already asked are excluded upstream by NeedInfo.excluded.
    """
    out, taken, seen = [], dict(outstanding), set()
    for c in shortlist.candidates:
        if c.volunteer_id in seen or taken.get(c.slot_id, 0) >= size:
            continue
        seen.add(c.volunteer_id)
        taken[c.slot_id] = taken.get(c.slot_id, 0) + 1
        out.append(c)
    return out
