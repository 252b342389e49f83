"""The skill tree: descendants cover their ancestors, never the reverse."""
from aid.matching import SkillTree


def test_a_skill_covers_itself_and_its_ancestors(tree):
    assert tree.covers(frozenset({"doctor"}), "first-aid")
    assert tree.covers(frozenset({"nurse"}), "nurse")
    assert tree.covers(frozenset({"chainsaw", "nurse"}), "first-aid")


def test_an_ancestor_does_not_cover_a_descendant(tree):
    assert not tree.covers(frozenset({"first-aid"}), "nurse")
    assert not tree.covers(frozenset(), "first-aid")
    assert not tree.covers(frozenset({"driving"}), "first-aid")


def test_unknown_skills_cover_only_themselves(tree):
    assert tree.covers(frozenset({"welding"}), "welding")
    assert not tree.covers(frozenset({"welding"}), "first-aid")


def test_a_cycle_in_the_tree_does_not_hang():
    tree = SkillTree({"a": "b", "b": "a"})
    assert tree.covers(frozenset({"a"}), "b")
    assert tree.ancestors("a") == ("a", "b")


def test_coverer_names_the_held_skill(tree):
    assert tree.coverer(frozenset({"doctor"}), "first-aid") == "doctor"
    assert tree.coverer(frozenset({"first-aid", "doctor"}), "first-aid") == "first-aid"
    assert tree.coverer(frozenset({"chainsaw"}), "first-aid") is None
