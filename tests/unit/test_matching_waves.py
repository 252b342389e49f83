"""Offer waves: sizes and deadlines by urgency, and topping slots up best first."""
from aid.matching import Candidate, Shortlist, offer_minutes, plan_wave, wave_size


def shortlist(*pairs):
    return Shortlist(1, tuple(Candidate(v, s, 1.0 - v / 100, 1.0, ()) for v, s in pairs), ())


def test_more_urgent_needs_get_bigger_waves_and_shorter_deadlines():
    sizes = [wave_size(u) for u in ("low", "normal", "high", "critical")]
    minutes = [offer_minutes(u) for u in ("low", "normal", "high", "critical")]
    assert sizes == sorted(sizes) and minutes == sorted(minutes, reverse=True)
    assert wave_size("unknown") == wave_size("normal")


def test_each_slot_is_topped_up_to_the_wave_size_best_first():
    sl = shortlist((1, 10), (2, 10), (3, 11), (4, 10), (5, 11), (6, 11))
    assert [c.volunteer_id for c in plan_wave(sl, {}, 2)] == [1, 2, 3, 5]


def test_outstanding_offers_count_against_the_wave():
    sl = shortlist((7, 10), (8, 10), (1, 10), (2, 10), (3, 11), (4, 10))
    assert [c.volunteer_id for c in plan_wave(sl, {7: 10, 8: 10}, 2)] == [3]
    assert plan_wave(shortlist((7, 10), (8, 10), (1, 10), (9, 11), (6, 11)), {7: 10, 8: 10, 9: 11, 6: 11}, 2) == []


def test_a_newly_eligible_volunteer_ranking_within_the_wave_joins_it_at_once():
    # 1 was just vetted and ranks first; 7 and 8 were asked before: 1 is added, nobody is dropped.
    assert [c.volunteer_id for c in plan_wave(shortlist((1, 10), (7, 10), (8, 10)), {7: 10, 8: 10}, 2)] == [1]
    # Ranking third in a wave of two, they wait for it to end.
    assert plan_wave(shortlist((7, 10), (8, 10), (1, 10)), {7: 10, 8: 10}, 2) == []


def test_offers_out_to_volunteers_no_longer_eligible_still_fill_the_wave_but_not_the_ranking():
    # 7 and 8 hold offers but dropped out of the shortlist (off duty): 1 and 2 rank first and second.
    assert [c.volunteer_id for c in plan_wave(shortlist((1, 10), (2, 10), (3, 10)), {7: 10, 8: 10}, 2)] == [1, 2]


def test_a_volunteer_is_offered_at_most_once():
    sl = shortlist((1, 10), (1, 11), (2, 11))
    assert [(c.volunteer_id, c.slot_id) for c in plan_wave(sl, {}, 3)] == [(1, 10), (2, 11)]
