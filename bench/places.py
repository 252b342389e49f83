"""Benchmark the offline gazetteer on tests/data/places.csv: the share found within 2 km, and time per lookup.

    python bench/places.py

The list (built by scripts/build_places_list.py) names every place of an independent world
cities list within 50 km of seven unions in seven countries, with that list's coordinates.
Each lookup goes through the real gazetteer file with the unions' areas for ranking; the
floor is a Python dict lookup of the same names, measured in the same run. Progress goes to
stderr; the last line on stdout is one JSON object.
"""
import csv
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # run as a script

from aid.adapters.gazetteer import Areas, Gazetteer, key  # noqa: E402
from aid.matching.geo import haversine_km  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PLACES = ROOT / "tests" / "data" / "places.csv"
ROUNDS = 5


def load():
    rows = list(csv.DictReader(PLACES.open(encoding="utf-8")))
    areas = {(float(r["union_lat"]), float(r["union_lon"]), float(r["radius_km"])) for r in rows}
    return rows, Areas(lambda lat, lon: min(haversine_km(lat, lon, a, b) - km for a, b, km in areas), tuple(areas))


def timed(lookup, names):
    """Per-lookup times in µs over ROUNDS passes of every name (the first pass warms caches)."""
    times = []
    for _ in range(ROUNDS):
        for name in names:
            start = time.perf_counter()
            lookup(name)
            times.append((time.perf_counter() - start) * 1e6)
    return times


def main():
    rows, near = load()
    cache = Path(os.environ.get("BENCH_CACHE", ROOT / "instance"))
    gazetteer = Gazetteer("GB", cache if cache.exists() else tempfile.mkdtemp())
    found = [gazetteer.geocode(r["name"], near=near) for r in rows]  # also builds the file once
    close = [f is not None and haversine_km(f.latitude, f.longitude, float(r["lat"]), float(r["lon"])) <= 2
             for r, f in zip(rows, found, strict=True)]
    for r, ok in zip(rows, close, strict=True):
        if not ok:
            print(f"missed: {r['union']}: {r['name']}", file=sys.stderr)
    names = [r["name"] for r in rows]
    floor_table = {key(r["name"]): (float(r["lat"]), float(r["lon"])) for r in rows}
    real = timed(lambda name: gazetteer.geocode(name, near=near), names)
    floor = timed(lambda name: floor_table.get(key(name)), names)
    result = {
        "places": len(rows), "unions": len({r["union"] for r in rows}),
        "share_within_2km": round(sum(close) / len(rows), 4),
        "lookup_median_us": round(statistics.median(real), 1),
        "lookup_p95_us": round(statistics.quantiles(real, n=20)[-1], 1),
        "floor_median_us": round(statistics.median(floor), 2),
    }
    result["ratio_to_floor"] = round(result["lookup_median_us"] / result["floor_median_us"], 1)
    print(f"share within 2 km: {result['share_within_2km']:.1%} of {len(rows)} places "
          f"(target ≥ 95 %); lookup median {result['lookup_median_us']} µs, p95 {result['lookup_p95_us']} µs; "
          f"floor (dict lookup) {result['floor_median_us']} µs: {result['ratio_to_floor']}×", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
