"""The matcher's reasons (stable codes with arguments, aid.matching.reasons) in the reader's language."""
from flask import current_app
from flask_babel import gettext as _

from aid.matching import reasons as codes
from aid.matching.reasons import english, skill_words


def _skill(slug, names):
    """A skill by its stored name in the reader's language; by its slug's words if unknown."""
    return _(names[slug]) if slug in names else skill_words(slug)


def _language(code):
    return current_app.config["LANGUAGES"].get(code, code)


SAY = {
    codes.DISTANCE: lambda a, names: _("%(km)s km", km=f"{a['km']:.1f}"),
    codes.HAS_SKILL: lambda a, names: _("can do: %(skill)s", skill=_skill(a["skill"], names)),
    codes.COVERS: lambda a, names: _("%(held)s covers %(needed)s", held=_skill(a["held"], names),
                                     needed=_skill(a["needed"], names)),
    codes.SUITS: lambda a, names: _("%(skill)s: right for this kind of request", skill=_skill(a["skill"], names)),
    codes.VEHICLE: lambda a, names: _("has a vehicle"),
    codes.SPEAKS: lambda a, names: _("speaks %(language)s", language=_language(a["language"])),
    codes.WEEK_LOAD: lambda a, names: _("%(done)s of %(cap)s tasks this week", done=a["done"], cap=a["cap"]),
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
        return _("about %(km)s km", km=f"{max(coarse_km, round(args['km'] / coarse_km) * coarse_km):g}")
    render = SAY.get(reason.code)
    return render(args, skill_names) if render else english(reason)


def reasons(items, skill_names, coarse_km=None):
    """Template filter: reasons joined by " · " in the reader's language.

    `skill_names` maps skill slugs to their stored names; the view loads it (aid.services.skills).
    """
    return " · ".join(say(reason, skill_names, coarse_km) for reason in items)
