"""The right helper first: a category's preferred skills are a soft bonus with its reason, never a rule."""
import pytest

from aid.matching import SkillTree, SlotInfo, Weights, rank
from aid.matching.reasons import SUITS, english
from aid.matching.scoring import skill_scarcity
from tests.unit.conftest import NOW, need, volunteer

KM = 1 / 111.195  # degrees of latitude per km
TREE = SkillTree({"first-aid": None, "nurse": "first-aid", "doctor": "first-aid", "driving": None, "van": "driving",
                  "repairs": None, "carpentry": "repairs", "roofing": "repairs", "shopping": None, "care": None,
                  "childcare": "care", "translation": None})


def crowd():
    """Eleven volunteers around a roof tarp, as found on the demo board: one with a repairs skill."""
    return [
        volunteer(1, lat=51.5 + 0.7 * KM, max_km=20.0, skills=frozenset({"doctor"})),
        volunteer(2, lat=51.5 + 0.8 * KM, max_km=3.0, skills=frozenset({"shopping", "care"})),
        volunteer(3, lat=51.5 + 1.9 * KM, max_km=6.0, skills=frozenset({"first-aid", "childcare"})),
        volunteer(4, lat=51.5 + 2.5 * KM, max_km=5.0, skills=frozenset({"nurse", "translation"})),
        volunteer(5, lat=51.5 + 2.2 * KM, max_km=8.0, skills=frozenset({"driving", "shopping"}), has_vehicle=True),
        volunteer(6, lat=51.5 + 2.6 * KM, max_km=10.0, skills=frozenset({"driving", "shopping"}), has_vehicle=True),
        volunteer(7, lat=51.5 + 2.3 * KM, max_km=4.0, skills=frozenset({"care", "shopping"})),
        volunteer(8, lat=51.5 + 2.6 * KM, max_km=4.0, skills=frozenset({"care", "translation"})),
        volunteer(9, lat=51.5 + 1.0 * KM, max_km=12.0, skills=frozenset({"van"}), week_count=3),
        volunteer(10, lat=51.5 + 3.7 * KM, max_km=5.0, skills=frozenset({"repairs", "shopping"})),
        volunteer(11, lat=51.5 + 2.5 * KM, max_km=3.0, skills=frozenset({"shopping"}), week_count=4, recent_declines=2),
    ]


def roof_tarp(category="repairs"):
    return need(category=category, slots=(SlotInfo(10),))  # Repairs, no skill required


def board_scarcity(people):
    """Scarcity on a board where other needs ask for repairs, driving and first aid."""
    others = [need(id=i, category=c, slots=(SlotInfo(20 + i, frozenset({s})),))
              for i, (c, s) in enumerate([("repairs", "repairs"), ("transport", "driving"),
                                          ("transport", "driving"), ("medicine", "first-aid")], 2)]
    return skill_scarcity([roof_tarp(), *others], people, TREE)


def test_roof_tarp_puts_the_one_repairs_volunteer_first():
    people = crowd()
    scarce = board_scarcity(people)
    # A category preferring no skill ranks as every category did before: the repairs volunteer's
    # skill counted as wasted on a job that asks for none, and nothing rewarded it.
    before = rank(roof_tarp("other"), people, TREE, NOW, scarcity=scarce)
    order = [c.volunteer_id for c in before.candidates]
    assert len(order) == 11 and order.index(10) == 9  # 10th of 11, behind a doctor and a shopper
    assert order[:2] == [1, 2]
    after = rank(roof_tarp(), people, TREE, NOW, scarcity=scarce).candidates
    assert after[0].volunteer_id == 10
    # Both halves count: without the bonus, the skill is no longer wasted but still not first.
    unrewarded = rank(roof_tarp(), people, TREE, NOW, weights=Weights(preferred=0.0), scarcity=scarce).candidates
    assert [c.volunteer_id for c in unrewarded].index(10) > 0
    assert "repairs suits repairs" in [english(r) for r in after[0].reasons]
    assert [r.code for r in after[1].reasons].count(SUITS) == 0


@pytest.mark.parametrize("category, skill", [
    ("repairs", "roofing"), ("repairs", "repairs"), ("transport", "van"), ("medicine", "nurse"),
    ("medicine", "doctor"), ("care", "childcare"), ("care", "care")])
def test_each_category_gives_its_preferred_skills_the_bonus(category, skill):
    suited, other = volunteer(1, skills=frozenset({skill}), vetting=1), volunteer(2, skills=frozenset({"translation"}), vetting=1)
    first, second = rank(need(category=category), [other, suited], TREE, NOW).candidates
    assert (first.volunteer_id, second.volunteer_id) == (1, 2)
    assert first.score - second.score == pytest.approx(Weights().preferred)
    assert SUITS in [r.code for r in first.reasons]


def test_other_categories_prefer_nobody():
    a, b = volunteer(1, skills=frozenset({"roofing"})), volunteer(2, skills=frozenset({"translation"}))
    first, second = rank(need(category="food"), [a, b], TREE, NOW).candidates
    assert first.score == second.score and SUITS not in [r.code for r in first.reasons]


def test_the_bonus_is_soft_a_much_closer_helper_still_comes_first():
    far_roofer = volunteer(1, lat=51.5 + 9 * KM, skills=frozenset({"roofing"}))
    neighbour = volunteer(2, lat=51.5 + 0.1 * KM)
    order = rank(roof_tarp(), [far_roofer, neighbour], TREE, NOW).candidates
    assert [c.volunteer_id for c in order] == [2, 1]  # both eligible: a preference never excludes


def test_a_required_skill_is_not_said_twice():
    n = need(category="repairs", slots=(SlotInfo(10, frozenset({"repairs"})),))
    (c,) = rank(n, [volunteer(1, skills=frozenset({"roofing"}))], TREE, NOW).candidates
    assert [english(r) for r in c.reasons if r.code in ("covers", SUITS)] == ["roofing covers repairs"]
