"""Turn typed place text into a point: geopy's Nominatim, or an offline GeoNames gazetteer."""
import re
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app

from aid.adapters.gazetteer import Gazetteer

COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Place:
    """Where typed text was placed; `exact` is False when only a town centre is known."""

    lat: float
    lon: float
    label: str
    exact: bool


def _coordinates(text):
    """Typed "lat, lon" is an exact point, whatever the geocoder."""
    match = COORDINATES.match(text or "")
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if abs(lat) > 90 or abs(lon) > 180:
        return None
    return Place(lat, lon, f"{lat:.5f}, {lon:.5f}", exact=True)


class Geocoding:
    """Wraps any geopy geocoder: `locate(text) -> Place | None`, never raising."""

    def __init__(self, geocoder):
        self.geocoder = geocoder

    def locate(self, text, near=None):
        """`near`: the unions' areas (an Areas), so a local place beats a namesake far away."""
        if not text or not text.strip():
            return None
        if (point := _coordinates(text)) is not None:
            return point
        try:
            found = self.geocoder.geocode(text.strip(), exactly_one=True, near=near)
        except Exception as error:  # a geocoder outage is "not found yet", not a crash
            current_app.logger.warning("geocoder failed: %s", type(error).__name__)
            return None
        if found is None:
            return None
        town = isinstance(found.raw, dict) and found.raw.get("town")
        return Place(found.latitude, found.longitude, str(found.address)[:120], exact=not town)


class Cached:
    """Remembers answers: the public Nominatim service asks every client to cache."""

    def __init__(self, geocode):
        self._geocode = lru_cache(maxsize=4096)(geocode)

    def geocode(self, query, exactly_one=True, near=None):
        return self._geocode(query)  # Nominatim knows no union areas: its own ranking stands


def _nominatim(app):
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    nominatim = Nominatim(user_agent=app.config["NOMINATIM_USER_AGENT"], timeout=10)
    return Cached(RateLimiter(nominatim.geocode, min_delay_seconds=1.0))  # its usage policy


GEOCODERS = {
    "gazetteer": lambda app: Gazetteer(app.config["PHONE_REGION"], app.instance_path),
    "nominatim": _nominatim,
}


def geocoding():
    """The configured geocoder for this app (built once per app)."""
    app = current_app._get_current_object()
    if "aid_geocoding" not in app.extensions:
        app.extensions["aid_geocoding"] = Geocoding(GEOCODERS[app.config["GEOCODER"]](app))
    return app.extensions["aid_geocoding"]
