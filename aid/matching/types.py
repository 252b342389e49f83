"""Plain, immutable values the engine reads and returns."""
from dataclasses import dataclass
from datetime import datetime

Value = str | int | float | None


@dataclass(frozen=True, slots=True)
class VolunteerInfo:
    """A volunteer as the engine sees them; `available` None means any time while on duty."""

    id: int
    lat: float
    lon: float
    max_km: float
    on_duty: bool = True
    active: int = 0  # tasks accepted and not done
    capacity: int = 2
    week_count: int = 0
    week_cap: int = 5
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset({"en"})
    vetting: int = 0
    has_vehicle: bool = False
    recent_declines: int = 0  # declines in the last 14 days
    available: tuple[tuple[datetime, datetime], ...] | None = None


@dataclass(frozen=True, slots=True)
class SlotInfo:
    """One open slot; every required skill slug must be covered."""

    id: int
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class NeedInfo:
    """A need with its OPEN slots; `language` is set only when a shared language is required."""

    id: int
    lat: float
    lon: float
    category: str
    urgency: str  # low | normal | high | critical
    slots: tuple[SlotInfo, ...]
    created_at: datetime
    language: str | None = None
    max_km: float | None = None
    window: tuple[datetime, datetime] | None = None
    excluded: frozenset[int] = frozenset()  # already matched, declined or gave back


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a volunteer fits: a stable code and its named arguments (aid.matching.reasons)."""

    code: str
    args: tuple[tuple[str, Value], ...] = ()  # (name, value) pairs, sorted by name

    @classmethod
    def of(cls, code: str, **args: Value) -> "Reason":
        return cls(code, tuple(sorted(args.items())))

    @classmethod
    def load(cls, data: dict) -> "Reason":
        """From its stored form, {"code": ..., **args}."""
        return cls.of(**data)

    @property
    def kwargs(self) -> dict[str, Value]:
        return dict(self.args)

    def dump(self) -> dict:
        """Its stored form (JSON): {"code": ..., **args}."""
        return {"code": self.code, **self.kwargs}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A volunteer who passed every rule, tied to the slot they are offered, with the why."""

    volunteer_id: int
    slot_id: int
    score: float
    distance_km: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A volunteer left out, with the first rule they failed."""

    volunteer_id: int
    rule: str  # a stable name, see aid.matching.eligibility.RULES
    detail: str  # in plain English, for the API and logs
    args: tuple[tuple[str, Value], ...] = ()  # the detail's facts, (name, value) sorted by name, for other languages

    @property
    def kwargs(self) -> dict[str, Value]:
        return dict(self.args)


@dataclass(frozen=True, slots=True)
class Shortlist:
    """Everyone considered for one need: candidates best first, exclusions by volunteer id."""

    need_id: int
    candidates: tuple[Candidate, ...]  # best first
    excluded: tuple[Exclusion, ...]  # by volunteer id


@dataclass(frozen=True, slots=True)
class Assignment:
    """One slot given to one volunteer by the batch run."""

    need_id: int
    slot_id: int
    volunteer_id: int
    score: float
