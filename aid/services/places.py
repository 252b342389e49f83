"""A union's own places: coordinators pin landmarks with their spellings; typed text finds them first."""
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from aid.adapters.gazetteer import key
from aid.extensions import db
from aid.matching.areas import reach_km
from aid.models import UnionPlace, UnionPlaceName
from aid.services import ServiceError

LANGUAGES = ("en", "es", "ar")
MAX_NAME = 80


def of_unions(union_ids):
    """The places of these unions, by union then first spelling."""
    places = db.session.scalars(sa.select(UnionPlace).where(UnionPlace.union_id.in_(union_ids))).all()
    return sorted(places, key=lambda p: (p.union_id, p.label.casefold()))


def save(place, union, spellings, lat, lon):
    """Create (place None) or update a union place; `spellings` maps a language to its names.

    The pin must lie within MAX_PLACE_KM of the union's area: a landmark is the union's own.
    """
    names = [(lang, name.strip()) for lang in LANGUAGES for name in spellings.get(lang, ()) if name.strip()]
    if not names:
        raise ServiceError(_l("Give the place a name in at least one language."))
    if reach_km(union, lat, lon) > current_app.config["MAX_PLACE_KM"]:
        raise ServiceError(_l("That pin is far from your union's area. Put it where the place is."))
    place = place or UnionPlace(union_id=union.id)
    place.lat, place.lon = lat, lon
    place.names = [UnionPlaceName(language=lang, name=name, key=key(name)) for lang, name in names]
    db.session.add(place)
    db.session.flush()
    return place


def delete(place):
    db.session.delete(place)
    db.session.flush()


def match(text, prefer=()):
    """The union place whose spelling the text names, or None.

    The longest spelling found as whole words wins ("the church hall" over "hall"); between
    equal spellings, a place of a preferred union (the coordinator's own), then the oldest.
    """
    typed = f" {key(text)} "
    words = set(typed.split())
    if not words:
        return None
    rows = db.session.execute(sa.select(UnionPlaceName.key, UnionPlace).join(UnionPlace)).all()
    hits = [(len(k), place.union_id in prefer, -place.id, place) for k, place in rows
            if set(k.split()) <= words and f" {k} " in typed]
    return max(hits, key=lambda hit: hit[:3])[3] if hits else None
