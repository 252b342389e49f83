"""Eligibility rules, their order, the score and every tie-break of rank()."""
from datetime import timedelta

import pytest

from aid.matching import SlotInfo, Weights, rank
from aid.matching.eligibility import RULES
from aid.matching.reasons import english
from tests.unit.conftest import NOW, need, volunteer

KM = 1 / 111.195  # degrees of latitude per km


def said(candidate):
    """A candidate's reasons in plain English."""
    return tuple(english(r) for r in candidate.reasons)


def excluded_by(shortlist):
    return {e.volunteer_id: e.rule for e in shortlist.excluded}


@pytest.mark.parametrize("rule, n, v", [
    ("declined_before", need(excluded=frozenset({1})), volunteer(1)),
    ("off_duty", need(), volunteer(1, on_duty=False)),
    ("at_capacity", need(), volunteer(1, active=2, capacity=2)),
    ("weekly_cap", need(), volunteer(1, week_count=5, week_cap=5)),
    ("out_of_range", need(), volunteer(1, lat=51.5 + 11 * KM)),
    ("beyond_need_distance", need(max_km=3.0), volunteer(1, lat=51.5 + 4 * KM)),
    ("not_vetted", need(category="medicine"), volunteer(1, vetting=0)),
    ("no_shared_language", need(language="es"), volunteer(1)),
    ("unavailable", need(window=(NOW, NOW + timedelta(hours=1))),
     volunteer(1, available=((NOW + timedelta(hours=2), NOW + timedelta(hours=3)),))),
    ("missing_skill", need(slots=(SlotInfo(10, frozenset({"nurse"})),)), volunteer(1, skills=frozenset({"first-aid"}))),
])
def test_each_rule_excludes_with_its_name(tree, rule, n, v):
    shortlist = rank(n, [v], tree, NOW)
    assert shortlist.candidates == ()
    assert excluded_by(shortlist) == {1: rule}
    assert rule in RULES


def test_the_first_failed_rule_is_reported(tree):
    v = volunteer(1, on_duty=False, active=9, lat=60.0, skills=frozenset())
    n = need(category="care", language="es", slots=(SlotInfo(10, frozenset({"nurse"})),))
    assert excluded_by(rank(n, [v], tree, NOW)) == {1: "off_duty"}
    assert excluded_by(rank(n, [volunteer(1, lat=60.0, vetting=0)], tree, NOW)) == {1: "out_of_range"}


def test_a_descendant_skill_fills_a_slot_and_says_so(tree):
    n = need(slots=(SlotInfo(10, frozenset({"first-aid"})),))
    (c,) = rank(n, [volunteer(1, skills=frozenset({"nurse"}))], tree, NOW).candidates
    assert c.slot_id == 10 and "nurse covers first aid" in said(c)


def test_sensitive_categories_need_vetting_and_vetted_people_pass(tree):
    assert rank(need(category="medicine"), [volunteer(1, vetting=1)], tree, NOW).candidates


def test_availability_overlapping_the_window_passes(tree):
    window = (NOW, NOW + timedelta(hours=2))
    v = volunteer(1, available=((NOW + timedelta(hours=1), NOW + timedelta(hours=5)),))
    assert rank(need(window=window), [v], tree, NOW).candidates
    # Without a window the need is for now: an interval must hold `now`.
    assert excluded_by(rank(need(), [v], tree, NOW)) == {1: "unavailable"}


def test_range_is_the_volunteers_own_radius(tree):
    assert rank(need(), [volunteer(1, lat=51.5 + 4.99 * KM, max_km=5.0)], tree, NOW).candidates
    assert excluded_by(rank(need(), [volunteer(1, lat=51.5 + 5.01 * KM, max_km=5.0)], tree, NOW)) == {1: "out_of_range"}


def test_closer_relative_to_own_range_ranks_higher(tree):
    near = volunteer(1, lat=51.5 + 1 * KM)
    far = volunteer(2, lat=51.5 + 8 * KM)
    assert [c.volunteer_id for c in rank(need(), [far, near], tree, NOW).candidates] == [1, 2]


def test_load_and_declines_lower_the_score(tree):
    fresh, busy, decliner = volunteer(1), volunteer(2, week_count=4), volunteer(3, recent_declines=3)
    order = [c.volunteer_id for c in rank(need(), [decliner, busy, fresh], tree, NOW).candidates]
    assert order[0] == 1 and set(order) == {1, 2, 3}
    scores = {c.volunteer_id: c.score for c in rank(need(), [decliner, busy, fresh], tree, NOW).candidates}
    assert scores[1] > scores[2] and scores[1] > scores[3]


def test_a_vehicle_counts_for_transport_only(tree):
    car, foot = volunteer(1, has_vehicle=True), volunteer(2)
    assert [c.volunteer_id for c in rank(need(category="transport"), [foot, car], tree, NOW).candidates] == [1, 2]
    food = rank(need(category="food"), [foot, car], tree, NOW).candidates
    assert food[0].score == food[1].score and "has a vehicle" in said(food[0])


def test_scarce_skills_are_kept_for_slots_that_need_them(tree):
    plain, medic = volunteer(1), volunteer(2, skills=frozenset({"nurse"}))
    order = rank(need(), [medic, plain], tree, NOW, scarcity={"nurse": 1.0}).candidates
    assert [c.volunteer_id for c in order] == [1, 2]
    assert order[0].score - order[1].score == pytest.approx(Weights().scarcity)


def test_ties_break_on_distance_then_volunteer_id(tree):
    # Same score: different distances but the same share of their own (different) ranges.
    a = volunteer(5, lat=51.5 + 2 * KM, max_km=10.0)
    b = volunteer(4, lat=51.5 + 2 * KM, max_km=10.0)
    c = volunteer(3, lat=51.5 + 1 * KM, max_km=5.0, week_count=0)
    shortlist = rank(need(), [a, b, c], tree, NOW, weights=Weights(short_range=0.0))
    assert [x.volunteer_id for x in shortlist.candidates] == [3, 4, 5]
    assert len({x.score for x in shortlist.candidates}) == 1


def test_each_candidate_takes_its_best_slot(tree):
    n = need(slots=(SlotInfo(10), SlotInfo(11, frozenset({"first-aid"}))))
    medic = volunteer(1, skills=frozenset({"first-aid"}))
    (c,) = rank(n, [medic], tree, NOW, scarcity={"first-aid": 0.9}).candidates
    assert c.slot_id == 11


def test_interchangeable_slots_share_the_best_candidates(tree):
    n = need(slots=(SlotInfo(10), SlotInfo(11)))
    people = [volunteer(i, lat=51.5 + i * KM / 10) for i in range(1, 7)]
    slots = [c.slot_id for c in rank(n, people, tree, NOW).candidates]
    assert slots == [10, 11, 10, 11, 10, 11]


def test_rank_is_deterministic_whatever_the_input_order(tree):
    people = [volunteer(i, lat=51.5 + (i % 4) * KM, on_duty=i % 5 != 0) for i in range(1, 30)]
    one = rank(need(), people, tree, NOW)
    assert one == rank(need(), list(reversed(people)), tree, NOW)
    assert [e.volunteer_id for e in one.excluded] == sorted(e.volunteer_id for e in one.excluded)


def test_reasons_read_like_a_person_wrote_them(tree):
    v = volunteer(1, lat=51.5 + 1.2 * KM, has_vehicle=True, week_count=1, languages=frozenset({"en", "es"}))
    (c,) = rank(need(language="es"), [v], tree, NOW).candidates
    assert said(c) == ("1.2 km", "has a vehicle", "speaks es", "1 of 5 tasks this week")
    assert [r.code for r in c.reasons] == ["distance", "vehicle", "speaks", "week_load"]  # what is stored
    assert c.distance_km == pytest.approx(1.2, abs=0.01)


def test_someone_who_can_fill_the_skilled_place_is_offered_it_not_the_plain_one(tree):
    # A nurse covers first aid only through a descendant (a lower skill fit than a plain place's),
    # yet the first-aid place is theirs: the plain one is left to anyone.
    n = need(slots=(SlotInfo(10), SlotInfo(11, frozenset({"first-aid"}))))
    medic, plain = volunteer(1, skills=frozenset({"nurse"})), volunteer(2)
    slots = {c.volunteer_id: c.slot_id for c in rank(n, [medic, plain], tree, NOW).candidates}
    assert slots == {1: 11, 2: 10}
