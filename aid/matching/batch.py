"""Assign a whole backlog of needs at once (placeholder until the fast version lands)."""
from collections.abc import Sequence
from datetime import datetime

from aid.matching.skills import SkillTree
from aid.matching.types import Assignment, NeedInfo, VolunteerInfo
from aid.matching.weights import Weights


def batch_assign(needs: Sequence[NeedInfo], volunteers: Sequence[VolunteerInfo], tree: SkillTree,
                 now: datetime, weights: Weights | None = None) -> list[Assignment]:
    """Not yet implemented."""
    raise NotImplementedError
