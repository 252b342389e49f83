"""Shared builders for the matching engine's unit tests."""
from datetime import datetime

import pytest

from aid.matching import NeedInfo, SkillTree, SlotInfo, VolunteerInfo

NOW = datetime(2025, 3, 1, 12, 0)
TREE = SkillTree({"first-aid": None, "nurse": "first-aid", "doctor": "nurse",
                  "driving": None, "van-driving": "driving", "chainsaw": None})


def need(**kw) -> NeedInfo:
    base = {"id": 1, "lat": 51.5, "lon": -0.12, "category": "food", "urgency": "normal",
                "slots": (SlotInfo(10),), "created_at": NOW}
    return NeedInfo(**{**base, **kw})


def volunteer(id, lat=51.5, lon=-0.12, **kw) -> VolunteerInfo:
    return VolunteerInfo(id=id, lat=lat, lon=lon, **{"max_km": 10.0, **kw})


@pytest.fixture
def tree():
    return TREE
