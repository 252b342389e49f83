"""Why a volunteer fits, as stable codes with arguments; plain English for logs, tests and the API.

The web layer renders the same codes in the reader's language (aid.web.reasons): the codes and
their arguments, not the English sentence, are what is stored on a match.
"""
from aid.matching.scoring import suiting_skill
from aid.matching.skills import SkillTree
from aid.matching.types import NeedInfo, Reason, SlotInfo, VolunteerInfo

# Every code, with its arguments and its English. Add a code here and in aid.web.reasons.
DISTANCE = "distance"  # km (one decimal): "1.2 km"
HAS_SKILL = "has_skill"  # skill (slug): "has first aid skill"
COVERS = "covers"  # held, needed (slugs): "nurse covers first aid"
SUITS = "suits"  # skill (slug held), category: "roofing suits repairs" (weights.PREFERRED_SKILLS)
VEHICLE = "vehicle"  # "has a vehicle"
SPEAKS = "speaks"  # language (code): "speaks es"
WEEK_LOAD = "week_load"  # done, cap: "1 of 5 tasks this week"
RECENT_DECLINES = "recent_declines"  # n: "2 recent declines"
CHOSEN_BY_COORDINATOR = "chosen_by_coordinator"  # set by a coordinator's offer, not by the engine
TEXT = "text"  # text: a phrase kept as written (a stored sentence the codes migration did not know)

ENGLISH = {
    DISTANCE: lambda a: f"{a['km']:.1f} km",
    HAS_SKILL: lambda a: f"has {skill_words(a['skill'])} skill",
    COVERS: lambda a: f"{skill_words(a['held'])} covers {skill_words(a['needed'])}",
    SUITS: lambda a: f"{skill_words(a['skill'])} suits {skill_words(a['category'])}",
    VEHICLE: lambda a: "has a vehicle",
    SPEAKS: lambda a: f"speaks {a['language']}",
    WEEK_LOAD: lambda a: f"{a['done']} of {a['cap']} tasks this week",
    RECENT_DECLINES: lambda a: f"{a['n']} recent decline{'s' if a['n'] > 1 else ''}",
    CHOSEN_BY_COORDINATOR: lambda a: "chosen by a coordinator",
    TEXT: lambda a: a["text"],
}


def english(reason: Reason) -> str:
    """The reason as a plain English phrase (an unknown code reads as the code)."""
    say = ENGLISH.get(reason.code)
    return say(reason.kwargs) if say else reason.code


def skill_words(slug: str | None) -> str:
    """A skill slug as words: "first-aid" → "first aid"."""
    return (slug or "?").replace("-", " ").replace("_", " ")


class Reasons:
    """The reasons for one need: distance, skills covered, suits, vehicle, language, load, declines.

    e.g. (distance 1.2, covers nurse/first-aid, vehicle, speaks es, week_load 1/5). `suits`
    follows the slot's skills when the volunteer covers a skill the category prefers
    (scoring.suiting_skill) and that held skill is not already named by them.
    Reasons repeat across volunteers, so each group is built once per need and reused.
    """

    def __init__(self, need: NeedInfo, tree: SkillTree):
        self.need, self.tree, self._skills, self._rest = need, tree, {}, {}

    def __call__(self, v: VolunteerInfo, slot: SlotInfo, km: float) -> tuple[Reason, ...]:
        skills = self._skills.get((v.skills, slot.id))
        if skills is None:
            skills = self._skills[(v.skills, slot.id)] = self._skill_reasons(v.skills, slot)
        key = (v.has_vehicle, v.week_count, v.week_cap, v.recent_declines)
        rest = self._rest.get(key)
        if rest is None:
            rest = self._rest[key] = self._rest_reasons(*key)
        return (Reason.of(DISTANCE, km=round(km, 1)),) + skills + rest

    def _skill_reasons(self, held: frozenset[str], slot: SlotInfo) -> tuple[Reason, ...]:
        out = []
        for req in sorted(slot.skills):
            by = self.tree.coverer(held, req)
            out.append(Reason.of(HAS_SKILL, skill=req) if by == req else Reason.of(COVERS, held=by, needed=req))
        suiting = suiting_skill(held, self.need.category, self.tree)
        if suiting is not None and suiting not in {r.kwargs.get("skill", r.kwargs.get("held")) for r in out}:
            out.append(Reason.of(SUITS, skill=suiting, category=self.need.category))
        return tuple(out)

    def _rest_reasons(self, vehicle: bool, week: int, cap: int, declines: int) -> tuple[Reason, ...]:
        out = [Reason.of(VEHICLE)] if vehicle else []
        if self.need.language is not None:
            out.append(Reason.of(SPEAKS, language=self.need.language))
        out.append(Reason.of(WEEK_LOAD, done=week, cap=cap))
        if declines:
            out.append(Reason.of(RECENT_DECLINES, n=declines))
        return tuple(out)
