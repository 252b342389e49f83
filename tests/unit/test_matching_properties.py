"""Properties of the engine against a brute-force oracle, poles and antimeridian included."""
import math
import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from aid.matching import NeedInfo, SlotInfo, VolunteerInfo, batch_assign, rank
from aid.matching.columns import need_columns, volunteer_columns
from aid.matching.geo import MAX_TRAVEL_KM, box_contains, haversine_km, travel_box
from aid.matching.pairing import need_pairs, slot_pairs
from aid.matching.scoring import base_score, skill_scarcity, slot_score
from aid.matching.weights import SENSITIVE_CATEGORIES, Weights
from tests.unit.conftest import NOW, TREE

SKILLS = sorted(TREE.closure(frozenset({"doctor", "van-driving", "chainsaw"})))
CENTRES = [(51.5, -0.12), (-17.0, 179.97), (65.0, -179.99), (89.9, 10.0), (-89.95, -150.0), (0.0, 0.0)]


def move(lat, lon, km, bearing):
    """The point `km` away along `bearing` degrees (spherical), longitude normalised."""
    p1, l1, d, t = math.radians(lat), math.radians(lon), km / 6371.0088, math.radians(bearing)
    p2 = math.asin(max(-1.0, min(1.0, math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(t))))
    l2 = l1 + math.atan2(math.sin(t) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0


@st.composite
def places(draw):
    """A centre (often a pole or the antimeridian) and a random generator seeded by hypothesis."""
    if draw(st.booleans()):
        lat, lon = draw(st.sampled_from(CENTRES))
    else:
        lat, lon = draw(st.floats(-89.99, 89.99)), draw(st.floats(-180.0, 180.0))
    return lat, lon, random.Random(draw(st.integers(0, 2**32)))


def people(rng, lat, lon, n):
    out = []
    for i in range(1, n + 1):
        vlat, vlon = move(lat, lon, rng.uniform(0, 30), rng.uniform(0, 360))
        out.append(VolunteerInfo(
            i, vlat, vlon, rng.choice([1.0, 3.0, 8.0, 15.0, 25.0, 120.0]), rng.random() < 0.8,
            rng.choice([0, 0, 1, 2]), rng.choice([1, 2, 3]), rng.choice([0, 1, 4]), rng.choice([3, 5]),
            frozenset(rng.sample(SKILLS, rng.choice([0, 0, 1, 2]))),
            frozenset({"en"} | ({"es"} if rng.random() < 0.3 else set())), rng.choice([0, 1, 2]),
            rng.random() < 0.4, rng.choice([0, 0, 1, 3]),
            None if rng.random() < 0.8 else ((NOW - timedelta(hours=1), NOW + timedelta(hours=rng.choice([-0.5, 2]))),)))
    return out


def needs(rng, lat, lon, n, n_people):
    out, slot = [], 100
    for i in range(1, n + 1):
        nlat, nlon = move(lat, lon, rng.uniform(0, 20), rng.uniform(0, 360))
        slots = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            slots.append(SlotInfo(slot, frozenset(rng.sample(SKILLS, rng.choice([0, 0, 1])))))
            slot += 1
        out.append(NeedInfo(
            i, nlat, nlon, rng.choice(["food", "medicine", "transport", "care", "repairs"]),
            rng.choice(["low", "normal", "high", "critical"]), tuple(slots),
            NOW - timedelta(minutes=rng.randrange(0, 500)), "es" if rng.random() < 0.2 else None,
            rng.choice([None, None, 5.0, 12.0]), None,
            frozenset(rng.sample(range(1, n_people + 1), rng.choice([0, 0, 2])))))
    return out


def oracle_rule(need, v):
    """The first rule v fails for need, written out independently of the engine (skills last)."""
    km = haversine_km(need.lat, need.lon, v.lat, v.lon)
    checks = [
        ("declined_before", v.id in need.excluded), ("off_duty", not v.on_duty),
        ("at_capacity", v.active >= v.capacity), ("weekly_cap", v.week_count >= v.week_cap),
        ("out_of_range", km > min(v.max_km, MAX_TRAVEL_KM)),
        ("beyond_need_distance", need.max_km is not None and km > need.max_km),
        ("not_vetted", v.vetting < SENSITIVE_CATEGORIES.get(need.category, 0)),
        ("no_shared_language", need.language is not None and need.language not in v.languages),
        ("unavailable", v.available is not None and not any(a <= NOW <= b for a, b in v.available)),
        ("missing_skill", not any(can_fill(v, s) for s in need.slots)),
    ]
    return next((rule for rule, failed in checks if failed), None)


# weights.PREFERRED_SKILLS, written out again: which skills suit which category.
PREFERRED = {"repairs": {"repairs"}, "transport": {"driving"}, "medicine": {"first-aid", "nurse"},
             "care": {"care", "childcare"}}


def suits(v, category):
    """v holds a preferred skill of the category or a descendant of one."""
    return any(p in TREE.ancestors(h) for h in v.skills for p in PREFERRED.get(category, ()))


def can_fill(v, slot):
    return all(any(req in TREE.ancestors(h) for h in v.skills) for req in slot.skills)


@settings(max_examples=200, deadline=None)
@given(places(), st.floats(0.01, MAX_TRAVEL_KM))
def test_travel_box_holds_every_point_within_range(place, km):
    lat, lon, rng = place
    box = travel_box(lat, lon, km)
    for _ in range(50):
        assert box_contains(box, *move(lat, lon, km * rng.random() ** 0.5, rng.uniform(0, 360)))
    assert box_contains(box, *move(lat, lon, km * (1 - 1e-9), rng.uniform(0, 360)))


@settings(max_examples=60, deadline=None)
@given(places())
def test_rank_agrees_with_the_oracle(place):
    lat, lon, rng = place
    crowd = people(rng, lat, lon, 40)
    for need in needs(rng, lat, lon, 3, len(crowd)):
        shortlist = rank(need, crowd, TREE, NOW)
        assert {c.volunteer_id for c in shortlist.candidates} == {v.id for v in crowd if oracle_rule(need, v) is None}
        assert {e.volunteer_id: e.rule for e in shortlist.excluded} == {
            v.id: oracle_rule(need, v) for v in crowd if oracle_rule(need, v) is not None}
        keys = [(-c.score, c.distance_km, c.volunteer_id) for c in shortlist.candidates]
        assert keys == sorted(keys)
        by_id = {v.id: v for v in crowd}
        assert all(can_fill(by_id[c.volunteer_id], next(s for s in need.slots if s.id == c.slot_id))
                   for c in shortlist.candidates)
        for c in shortlist.candidates:  # offered a place needing the most skills they can bring
            most = max(len(s.skills) for s in need.slots if can_fill(by_id[c.volunteer_id], s))
            assert len(next(s for s in need.slots if s.id == c.slot_id).skills) == most


@settings(max_examples=60, deadline=None)
@given(places())
def test_batch_keeps_every_hard_rule_and_cap(place):
    lat, lon, rng = place
    crowd = people(rng, lat, lon, 50)
    backlog = needs(rng, lat, lon, 12, len(crowd))
    done = batch_assign(backlog, crowd, TREE, NOW)
    by_id, need_by_id = {v.id: v for v in crowd}, {n.id: n for n in backlog}
    assert len({a.slot_id for a in done}) == len(done)  # no slot filled twice
    assert len({(a.need_id, a.volunteer_id) for a in done}) == len(done)  # one slot per need each
    for a in done:
        v, need = by_id[a.volunteer_id], need_by_id[a.need_id]
        assert oracle_rule(need, v) is None
        assert can_fill(v, next(s for s in need.slots if s.id == a.slot_id))
    for v in crowd:
        load = sum(a.volunteer_id == v.id for a in done)
        assert v.active + load <= v.capacity and v.week_count + load <= v.week_cap or load == 0
    assert done == batch_assign(list(reversed(backlog)), list(reversed(crowd)), TREE, NOW)


@settings(max_examples=60, deadline=None)
@given(places())
def test_batch_leaves_a_slot_open_only_when_nobody_free_could_take_it(place):
    lat, lon, rng = place
    crowd = people(rng, lat, lon, 30)
    backlog = needs(rng, lat, lon, 10, len(crowd))
    done = batch_assign(backlog, crowd, TREE, NOW)
    load = {v.id: sum(a.volunteer_id == v.id for a in done) for v in crowd}
    filled = {a.slot_id for a in done}
    on_need = {(a.need_id, a.volunteer_id) for a in done}
    for need in backlog:
        for slot in need.slots:
            if slot.id in filled:
                continue
            free = [v for v in crowd if oracle_rule(need, v) is None and can_fill(v, slot)
                    and (need.id, v.id) not in on_need
                    and v.active + load[v.id] < v.capacity and v.week_count + load[v.id] < v.week_cap]
            assert free == []


@settings(max_examples=60, deadline=None)
@given(places())
def test_batch_sees_exactly_the_eligible_pairs_with_ranks_scores(place):
    lat, lon, rng = place
    crowd = people(rng, lat, lon, 40)
    backlog = needs(rng, lat, lon, 8, len(crowd))
    w, scarcity = Weights(), skill_scarcity(backlog, crowd, TREE)
    vc, nc = volunteer_columns(crowd, w), need_columns(backlog)
    vi, ni, km = need_pairs(vc, nc, NOW)
    slot, vol, km, score = slot_pairs(vc, nc, vi, ni, km, TREE, scarcity, w)
    seen = {(int(s), vc.people[v].id): sc for s, v, sc in zip(slot, vol, score, strict=True)}
    slot_ids = [s.id for n in nc.needs for s in n.slots]
    expected = {}
    for need in backlog:
        for s in need.slots:
            for v in crowd:
                if oracle_rule(need, v) is None and can_fill(v, s):
                    d = haversine_km(need.lat, need.lon, v.lat, v.lon)
                    expected[(s.id, v.id)] = round(slot_score(v, s, need.category, TREE, scarcity, w) + base_score(v, d, need.category, TREE, w), 6)
    got = {(slot_ids[s], vid): sc for (s, vid), sc in seen.items()}
    assert got.keys() == expected.keys()  # recall and precision: 100%
    assert all(abs(got[k] - expected[k]) <= 1e-6 for k in got)


@settings(max_examples=60, deadline=None)
@given(places())
def test_a_preferred_skill_adds_exactly_its_weight_and_never_decides_who_is_eligible(place):
    lat, lon, rng = place
    crowd = people(rng, lat, lon, 40)
    for need in needs(rng, lat, lon, 3, len(crowd)):
        w = Weights()
        plain = rank(need, crowd, TREE, NOW, weights=Weights(preferred=0.0))
        bonus = rank(need, crowd, TREE, NOW, weights=w)
        assert plain.excluded == bonus.excluded
        before = {c.volunteer_id: c.score for c in plain.candidates}
        by_id = {v.id: v for v in crowd}
        for c in bonus.candidates:
            gain = w.preferred if suits(by_id[c.volunteer_id], need.category) else 0.0
            assert abs(c.score - before[c.volunteer_id] - gain) <= 2e-6
            assert ("suits" in [r.code for r in c.reasons]) <= (gain > 0)
