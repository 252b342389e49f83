"""The hard rules and scores of rank(), applied to arrays of (volunteer, need, slot) pairs."""
from collections.abc import Mapping
from datetime import datetime

import numpy as np

from aid.matching.columns import NeedColumns, VolunteerColumns, windows
from aid.matching.eligibility import is_available
from aid.matching.pairs import near_pairs
from aid.matching.scoring import slot_score, suits
from aid.matching.skills import SkillTree
from aid.matching.types import SlotInfo
from aid.matching.weights import Weights


def need_pairs(vc: VolunteerColumns, nc: NeedColumns, now: datetime):
    """(volunteer, need, km) pairs passing every rule but the skills one.

    Rules as in eligibility.RULES: within reach (the pair search), the need's own max_km,
    vetting, a shared language, availability, and not in need.excluded.
    """
    vi, ni, km = near_pairs(vc.lat, vc.lon, vc.reach, nc.lat, nc.lon)
    ok = (km <= nc.max_km[ni]) & (vc.vetting[vi] >= nc.min_vetting[ni])
    speaks = np.ones((len(nc.languages) + 1, len(vc.tongues)), bool)  # last row: none required
    for i, code in enumerate(nc.languages):
        speaks[i] = [code in t for t in vc.tongues]
    ok &= speaks[nc.language[ni], vc.tongue[vi]]
    if any(n.excluded for n in nc.needs):
        ok &= ~_excluded(vc, nc, vi, ni)
    vi, ni, km = vi[ok], ni[ok], km[ok]
    keep = _available(vc, nc, vi, ni, now)
    return vi[keep], ni[keep], km[keep]


def _excluded(vc: VolunteerColumns, nc: NeedColumns, vi, ni) -> np.ndarray:
    """True for pairs whose volunteer is in the need's `excluded` set."""
    index = {v.id: i for i, v in enumerate(vc.people)}
    pairs = [i * len(vc.people) + index[v] for i, n in enumerate(nc.needs) for v in n.excluded if v in index]
    return np.isin(ni.astype(np.int64) * len(vc.people) + vi, np.asarray(pairs, np.int64))


def _available(vc: VolunteerColumns, nc: NeedColumns, vi, ni, now: datetime) -> np.ndarray:
    """is_available() for pairs whose volunteer gave availability; True for the rest."""
    keep = np.ones(len(vi), bool)
    spans = windows(nc, now)
    for p in np.flatnonzero(vc.limited[vi]).tolist():
        keep[p] = is_available(vc.people[vi[p]], spans[ni[p]])
    return keep


def slot_pairs(vc: VolunteerColumns, nc: NeedColumns, vi, ni, km, tree: SkillTree,
               scarcity: Mapping[str, float], w: Weights):
    """(slot, volunteer, km, score) for every slot of each pair's need the volunteer can fill.

    score = slot_score + base_score as rank() computes them (equal to its rounded score
    within 1e-6; the order of float additions differs).
    """
    fit, part = _skill_tables(vc, nc, tree, scarcity, w)
    own = vc.max_km[vi]
    close = np.divide(km, own, out=np.zeros_like(km), where=own > 0)  # max_km 0: closeness 1
    base = w.closeness * np.maximum(1.0 - close, 0.0) + vc.base[vi]
    base[vc.vehicle[vi] & nc.vehicle[ni]] += w.vehicle
    suited = np.array([[suits(c, kind, tree) for c in vc.combos] for kind in nc.categories], bool)
    base[suited.reshape(len(nc.categories), len(vc.combos))[nc.category[ni], vc.combo[vi]]] += w.preferred
    combo, first, count = vc.combo[vi], nc.first_slot[ni], np.diff(nc.first_slot)[ni]
    out = []
    for k in range(int(count.max(initial=0))):  # the k-th slot of each pair's need
        if k:
            has = np.flatnonzero(count > k)
            v, d, b, c, slot = vi[has], km[has], base[has], combo[has], (first[has] + k).astype(np.int32)
        else:
            v, d, b, c, slot = vi, km, base, combo, first.astype(np.int32)
        req = nc.slot_req[slot]
        ok = fit[req, c]
        out.append((slot[ok], v[ok], d[ok], part[req[ok], c[ok]] + b[ok]))
    return tuple(np.concatenate(parts) for parts in zip(*out, strict=True)) if out else (np.empty(0),) * 4


def _skill_tables(vc: VolunteerColumns, nc: NeedColumns, tree: SkillTree,
                  scarcity: Mapping[str, float], w: Weights):
    """Per (required set and category, skill set): can fill, and slot_score."""
    fit = np.zeros((len(nc.reqs), len(vc.combos)), bool)
    part = np.zeros(fit.shape)
    _, first = np.unique(vc.combo, return_index=True)
    someone = [vc.people[i] for i in first]  # one holder of each skill set
    for c, skills in enumerate(vc.combos):
        covered = tree.closure(skills)
        for r, (req, kind) in enumerate(nc.reqs):
            fit[r, c] = req <= covered
            part[r, c] = slot_score(someone[c], SlotInfo(0, req), kind, tree, scarcity, w) if fit[r, c] else 0.0
    return fit, part
