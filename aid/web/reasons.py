"""The matcher's reasons (stable codes with arguments, aid.matching.reasons), why a volunteer was left
out, and why an offer was withdrawn, in the reader's language."""
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from aid.matching import reasons as codes
from aid.matching.reasons import english, skill_words
from aid.services import follow


def _skill(slug, names):
    """A skill by its stored name in the reader's language; by its slug's words if unknown."""
    return _(names[slug]) if slug in names else skill_words(slug)


def _language(code):
    return current_app.config["LANGUAGES"].get(code, code)


def km(value, step="0.0"):
    """Template filter: a distance in the reader's number format, 2.3 → "2.3" in English, "2,3" in
    Spanish; `step` "0.#" drops a zero decimal (2.0 → "2")."""
    return format_decimal(value, format=f"#,##{step}")


def _week(a):
    return _("%(done)s of %(cap)s tasks this week", done=a["done"], cap=a["cap"])


SAY = {
    codes.DISTANCE: lambda a, names: _("%(km)s km", km=km(a["km"])),
    codes.HAS_SKILL: lambda a, names: _("can do: %(skill)s", skill=_skill(a["skill"], names)),
    codes.COVERS: lambda a, names: _("%(held)s covers %(needed)s", held=_skill(a["held"], names),
                                     needed=_skill(a["needed"], names)),
    codes.SUITS: lambda a, names: _("%(skill)s: right for this kind of request", skill=_skill(a["skill"], names)),
    codes.VEHICLE: lambda a, names: _("has a vehicle"),
    codes.SPEAKS: lambda a, names: _("speaks %(language)s", language=_language(a["language"])),
    codes.WEEK_LOAD: lambda a, names: _week(a),
    codes.RECENT_DECLINES: lambda a, names: _("%(n)s recent declines", n=a["n"]),
    codes.CHOSEN_BY_COORDINATOR: lambda a, names: _("chosen by a coordinator"),
    codes.TEXT: lambda a, names: a["text"],  # kept as it was written, untranslated
}


def say(reason, skill_names, coarse_km=None):
    """One reason in the reader's language; an unknown code reads in plain English.

    With `coarse_km` (the need's public cell, before acceptance) the distance, measured from
    the exact point, is rounded to that step, so it tells no more than the coarse area does.
    """
    args = reason.kwargs
    if reason.code == codes.DISTANCE and coarse_km:
        return _("about %(km)s km", km=km(max(coarse_km, round(args["km"] / coarse_km) * coarse_km), "0.#"))
    render = SAY.get(reason.code)
    return render(args, skill_names) if render else english(reason)


def reasons(items, skill_names, coarse_km=None):
    """Template filter: reasons joined by " · " in the reader's language.

    `skill_names` maps skill slugs to their stored names; the view loads it (aid.services.skills).
    """
    return " · ".join(say(reason, skill_names, coarse_km) for reason in items)


def _too_far(a):
    if "reach" not in a:  # left out by the database's box: how far is all that is known
        return _("%(km)s km away", km=km(a["km"]))
    return _("%(km)s km away, travels %(reach)s km", km=km(a["km"]), reach=km(a["reach"], "0.#"))


def _lacks(a, names):
    """The skills, after the rule's name "lacks a needed skill"; none when no slot is open."""
    return ", ".join(_skill(slug, names) for slug in a["skills"].split(",")) if a.get("skills") else ""


# The facts behind an exclusion (aid.matching.eligibility), besides its rule's name (templates/_macros.html).
EXCLUDED = {
    "at_capacity": lambda a, names: _("%(active)s of %(cap)s tasks active", active=a["active"], cap=a["cap"]),
    "weekly_cap": lambda a, names: _week(a),
    "out_of_range": lambda a, names: _too_far(a),
    "beyond_need_distance": lambda a, names: _("%(km)s km away, this need allows %(reach)s km",
                                               km=km(a["km"]), reach=km(a["reach"], "0.#")),
    "no_shared_language": lambda a, names: _("the requester speaks %(language)s", language=_language(a["language"])),
    "missing_skill": _lacks,
    "other_union": lambda a, names: _("asked only if this need escalates"),
}
NOTES = {  # why an offer was withdrawn (aid.services.follow); any other note is text someone typed
    follow.FILLED: _l("every place was taken"),
    follow.SLOT_TAKEN: _l("the places left need other skills"),
    follow.NO_LONGER_FITS: _l("their skills, range or base changed"),
    follow.OFF_DUTY: _l("they went off duty"),
}


def exclusion_detail(exclusion, skill_names):
    """Template filter: the facts behind an exclusion in the reader's language, "" when its rule says it all."""
    render = EXCLUDED.get(exclusion.rule)
    return render(exclusion.kwargs, skill_names) if render else ""


def match_note(note):
    """Template filter: a withdrawn offer's note in the reader's language; None for a note someone typed."""
    return str(NOTES[note]) if note in NOTES else None
