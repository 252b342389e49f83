"""Template filters: phone numbers people can read, links to a map, the matcher's reasons translated."""
import re

import phonenumbers
import sqlalchemy as sa
from flask import current_app, g
from flask_babel import gettext as _


def phone(number):
    """+447700900123 → +44 7700 900123 (left as typed if it cannot be parsed)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def map_url(need):
    """A link that opens the exact point in OpenStreetMap (on any phone or computer)."""
    return f"https://www.openstreetmap.org/?mlat={need.lat:.6f}&mlon={need.lon:.6f}#map=18/{need.lat:.6f}/{need.lon:.6f}"


def area_url(need):
    """A link to the need's coarse public cell (not its exact point), for before acceptance."""
    zoom = 15 if need.cell_km <= 0.5 else 13
    return f"https://www.openstreetmap.org/?mlat={need.cell_lat:.5f}&mlon={need.cell_lon:.5f}#map={zoom}/{need.cell_lat:.5f}/{need.cell_lon:.5f}"


# The engine (pure, no Flask) writes its reasons in English with these shapes; each is
# translated here, where the reader's language is known.
REASONS = [
    (re.compile(r"(?P<km>\d+(?:\.\d+)?) km"), lambda m: _("%(km)s km", km=m["km"])),
    (re.compile(r"about (?P<km>\d+(?:\.\d+)?) km"), lambda m: _("about %(km)s km", km=m["km"])),
    (re.compile(r"has (?P<skill>.+) skill"), lambda m: _("can do: %(skill)s", skill=_skill(m["skill"]))),
    (re.compile(r"(?P<held>.+) covers (?P<needed>.+)"),
     lambda m: _("%(held)s covers %(needed)s", held=_skill(m["held"]), needed=_skill(m["needed"]))),
    (re.compile(r"has a vehicle"), lambda m: _("has a vehicle")),
    (re.compile(r"speaks (?P<code>\w+)"),
     lambda m: _("speaks %(language)s", language=current_app.config["LANGUAGES"].get(m["code"], m["code"]))),
    (re.compile(r"(?P<done>\d+) of (?P<cap>\d+) tasks this week"),
     lambda m: _("%(done)s of %(cap)s tasks this week", done=m["done"], cap=m["cap"])),
    (re.compile(r"(?P<n>\d+) recent declines?"), lambda m: _("%(n)s recent declines", n=m["n"])),
    (re.compile(r"chosen by a coordinator"), lambda m: _("chosen by a coordinator")),
]


def reasons(text, coarse_km=None):
    """" · "-joined engine reasons in the reader's language (an unknown shape is kept as written).

    Before acceptance pass the need's public cell size: the distance, measured from the exact
    point, is then rounded to that step so it tells no more than the coarse area does.
    """
    parts = [part for part in text.split(" · ") if part]
    if coarse_km:
        parts = [_rounded(part, coarse_km) for part in parts]
    return " · ".join(_reason(part) for part in parts)


def _rounded(part, step):
    if (match := REASONS[0][0].fullmatch(part)) is None:
        return part
    return f"about {max(step, round(float(match['km']) / step) * step):g} km"


def _reason(part):
    for pattern, say in REASONS:
        if match := pattern.fullmatch(part):
            return say(match)
    return part


def _skill(words):
    """A skill as the engine names it ("first aid") in the reader's language, by its stored name."""
    if "aid_skill_names" not in g:
        from aid.extensions import db
        from aid.models import Skill

        rows = db.session.execute(sa.select(Skill.slug, Skill.name)).all()
        g.aid_skill_names = {slug.replace("-", " ").replace("_", " "): name for slug, name in rows}
    return _(g.aid_skill_names[words]) if words in g.aid_skill_names else words


def _map_centre():
    """Where a pin map opens: the first union's centre (the demo's town), else 0, 0."""
    from aid.extensions import db
    from aid.models import Union

    first = db.session.execute(sa.select(Union.lat, Union.lon).order_by(Union.id).limit(1)).first()
    return tuple(first) if first else (0.0, 0.0)


def init_app(app):
    app.context_processor(lambda: {"map_centre": _map_centre})  # called only by the pin map
    app.add_template_filter(phone)
    app.add_template_filter(map_url)
    app.add_template_filter(area_url)
    app.add_template_filter(reasons)
