"""Pure matching engine: plain data in, ranked candidates and assignments out."""
from aid.matching.batch import batch_assign  # noqa: F401
from aid.matching.geo import coarse_cell, haversine_km, travel_box  # noqa: F401
from aid.matching.ranking import rank  # noqa: F401
from aid.matching.skills import SkillTree  # noqa: F401
from aid.matching.types import (  # noqa: F401
    Assignment,
    Candidate,
    Exclusion,
    NeedInfo,
    Reason,
    Shortlist,
    SlotInfo,
    VolunteerInfo,
)
from aid.matching.waves import offer_minutes, plan_wave, wave_size  # noqa: F401
from aid.matching.weights import SENSITIVE_CATEGORIES, Weights  # noqa: F401
