"""The things engine: which things fit a thing-slot, in which order, and why the others do not."""
from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aid.matching.things import Booked, ThingAsk, ThingInfo, free_at_peak, rank_things

SAT_10 = datetime(2026, 12, 5, 10, 0)
LEWES = (50.874, 0.0088)


def ask(hours=4, quantity=1, **fields):
    return ThingAsk(1, fields.pop("kind", "vehicle"), *LEWES, SAT_10, SAT_10 + timedelta(hours=hours), quantity, **fields)


def thing(id_, km_east=1.0, **fields):
    return ThingInfo(id_, fields.pop("kind", "vehicle"), LEWES[0], LEWES[1] + km_east / 70.2, **fields)


def codes(ranked):
    return {e.thing_id: e.reason.code for e in ranked.excluded}


def test_nearer_things_rank_first_and_say_how_far_and_when():
    ranked = rank_things(ask(), [thing(1, 3.0), thing(2, 1.0), thing(3, 1.0, kind="tool")])
    assert [c.thing_id for c in ranked.candidates] == [2, 1]  # a tool is not a van: not even listed
    first = ranked.candidates[0]
    assert [r.code for r in first.reasons] == ["distance", "thing_free"]
    assert dict(first.reasons[0].args)["km"] == 1.0


def test_a_thing_booked_over_part_of_the_range_is_excluded_with_that_booking():
    clash = Booked(SAT_10 + timedelta(hours=2), SAT_10 + timedelta(hours=6))
    ranked = rank_things(ask(), [thing(1, booked=(clash,))])
    assert ranked.candidates == ()
    reason = ranked.excluded[0].reason
    assert reason.code == "thing_booked" and dict(reason.args)["starts"] == clash.starts.isoformat()


def test_back_to_back_bookings_do_not_clash():
    before = Booked(SAT_10 - timedelta(hours=4), SAT_10)
    after = Booked(SAT_10 + timedelta(hours=4), SAT_10 + timedelta(hours=8))
    assert [c.thing_id for c in rank_things(ask(), [thing(1, booked=(before, after))]).candidates] == [1]


def test_a_pool_counts_units_at_the_busiest_moment_and_says_how_many_are_left():
    morning = Booked(SAT_10, SAT_10 + timedelta(hours=1), 2)
    noon = Booked(SAT_10 + timedelta(hours=2), SAT_10 + timedelta(hours=3), 1)
    beds = thing(1, kind="bed_room", sharing="pool", count=3, booked=(morning, noon))
    ranked = rank_things(ask(kind="bed_room"), [beds])
    assert ranked.candidates[0].left == 0
    assert dict(ranked.candidates[0].reasons[-1].args) == {"n": 1, "kind": "bed_room"}
    assert codes(rank_things(ask(kind="bed_room", quantity=2), [beds])) == {1: "thing_booked"}


def test_windows_vetting_distance_and_stock_each_name_their_exclusion():
    later = ((SAT_10 + timedelta(days=1), SAT_10 + timedelta(days=2)),)
    things = [thing(1, windows=later), thing(2, vetted_only=True), thing(3, km_east=40.0),
              thing(4, kind="vehicle", sharing="consumable", count=5, remaining=0),
              thing(5, sharing="consumable", count=5, remaining=5, best_before=date(2026, 12, 1)),
              thing(6, windows=((SAT_10 - timedelta(hours=1), SAT_10 + timedelta(hours=5)),))]
    ranked = rank_things(ask(excluded=frozenset({7})), things + [thing(7)])
    assert codes(ranked) == {1: "thing_not_offered", 2: "thing_vetted_only", 3: "thing_too_far",
                             4: "thing_not_enough", 5: "thing_spoiled", 7: "thing_already_asked"}
    assert [c.thing_id for c in ranked.candidates] == [6]
    assert [c.thing_id for c in rank_things(ask(vetting=1), [thing(2, vetted_only=True)]).candidates] == [2]


intervals = st.lists(st.tuples(st.integers(0, 20), st.integers(1, 6), st.integers(1, 3)), max_size=6)


@given(intervals, st.integers(0, 20), st.integers(1, 8))
def test_free_at_peak_matches_counting_every_hour(bookings, start, length):
    """Against the slow way: units in use at each hour of the range (bookings start on the hour)."""
    booked = tuple(Booked(SAT_10 + timedelta(hours=s), SAT_10 + timedelta(hours=s + d), q) for s, d, q in bookings)
    pool = thing(1, sharing="pool", count=10, booked=booked)
    starts, ends = SAT_10 + timedelta(hours=start), SAT_10 + timedelta(hours=start + length)
    busiest = max(sum(b.quantity for b in booked if b.starts <= starts + timedelta(hours=h) < b.ends)
                  for h in range(length))
    assert free_at_peak(pool, starts, ends) == 10 - busiest


def test_a_helpers_own_thing_ranks_first_and_says_so_even_when_farther():
    ranked = rank_things(ask(helpers=frozenset({42})), [thing(1, 0.5), thing(2, 8.0, owner_id=42)])
    assert [c.thing_id for c in ranked.candidates] == [2, 1]
    assert ranked.candidates[0].reasons[0].code == "thing_helpers_own"
    assert "thing_helpers_own" not in {r.code for r in ranked.candidates[1].reasons}
