"""Reasons are stable codes with arguments: stored as JSON, read back equal, said in plain English."""
import json

import pytest

from aid.matching import reasons
from aid.matching.types import Reason

EXAMPLES = [
    (Reason.of(reasons.DISTANCE, km=1.2), "1.2 km"),
    (Reason.of(reasons.HAS_SKILL, skill="first-aid"), "has first aid skill"),
    (Reason.of(reasons.COVERS, held="nurse", needed="first-aid"), "nurse covers first aid"),
    (Reason.of(reasons.SUITS, skill="roofing", category="repairs"), "roofing suits repairs"),
    (Reason.of(reasons.VEHICLE), "has a vehicle"),
    (Reason.of(reasons.SPEAKS, language="es"), "speaks es"),
    (Reason.of(reasons.WEEK_LOAD, done=1, cap=5), "1 of 5 tasks this week"),
    (Reason.of(reasons.RECENT_DECLINES, n=1), "1 recent decline"),
    (Reason.of(reasons.RECENT_DECLINES, n=3), "3 recent declines"),
    (Reason.of(reasons.CHOSEN_BY_COORDINATOR), "chosen by a coordinator"),
    (Reason.of(reasons.TEXT, text="an old sentence"), "an old sentence"),
]


@pytest.mark.parametrize(("reason", "text"), EXAMPLES)
def test_a_reason_survives_json_and_reads_in_english(reason, text):
    stored = json.loads(json.dumps(reason.dump()))
    assert Reason.load(stored) == reason
    assert reasons.english(Reason.load(stored)) == text


def test_every_code_has_its_english_and_an_example():
    assert set(reasons.ENGLISH) == {r.code for r, _ in EXAMPLES}


def test_an_unknown_code_reads_as_itself():
    assert reasons.english(Reason.of("new_kind", x=1)) == "new_kind"
