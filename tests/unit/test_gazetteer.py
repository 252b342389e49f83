"""The offline gazetteer against places it did not come from: real names around seven unions, villages, namesakes."""
import csv
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from aid.adapters.gazetteer import Areas, Gazetteer, key
from aid.matching.geo import haversine_km

ROOT = Path(__file__).resolve().parent.parent.parent
PLACES = ROOT / "tests" / "data" / "places.csv"
LEWES = (50.8740, 0.0088, 10.0)
# Village centres around Lewes (the demo union) that coordinators found missing; read off the
# map by hand, not taken from the gazetteer's data.
VILLAGES = {
    "Barcombe": (50.925, 0.037), "Glynde": (50.862, 0.069), "Firle": (50.851, 0.087),
    "Rodmell": (50.839, 0.016), "Falmer": (50.864, -0.082), "Cooksbridge": (50.904, -0.010),
    "Offham": (50.889, -0.012), "Plumpton": (50.904, -0.061), "Iford": (50.845, -0.003),
    "Southease": (50.830, 0.026), "Hamsey": (50.894, 0.002), "Chailey": (50.956, -0.020),
    "Telscombe": (50.804, -0.017), "South Heighton": (50.797, 0.047), "Beddingham": (50.855, 0.056),
}
UNPOSTCODED = {"Cooksbridge", "Offham"}  # villages no full postcode names, only a postcode district


@pytest.fixture(scope="module")
def gazetteer():
    """The app's own gazetteer file (built once, into instance/)."""
    return Gazetteer("GB", ROOT / "instance")


def near_to(*circles):
    return Areas(lambda lat, lon: min(haversine_km(lat, lon, a, b) - km for a, b, km in circles), circles)


def share_within_2km(gazetteer):
    rows = list(csv.DictReader(PLACES.open(encoding="utf-8")))
    near = near_to(*{(float(r["union_lat"]), float(r["union_lon"]), float(r["radius_km"])) for r in rows})
    found = [(gazetteer.geocode(r["name"], near=near), float(r["lat"]), float(r["lon"])) for r in rows]
    close = sum(1 for f, lat, lon in found if f and haversine_km(f.latitude, f.longitude, lat, lon) <= 2)
    assert len(rows) >= 200 and len({r["union_country"] for r in rows}) >= 5
    return close / len(rows)


def test_places_around_seven_unions_are_found_no_worse_than_measured(gazetteer):
    assert share_within_2km(gazetteer) >= 0.885  # 88.5 % when written (208 of 235): a regression fails here


@pytest.mark.xfail(strict=True, reason="still missed: 16 Lebanese villages GeoNames lists without people, "
                   "towns the packaged list lacks, centres 2 km+ apart: see README, Places")
def test_places_around_seven_unions_are_found_within_2km_95_percent_of_the_time(gazetteer):
    assert share_within_2km(gazetteer) >= 0.95


@pytest.mark.parametrize("village", sorted(set(VILLAGES) - UNPOSTCODED))
def test_villages_of_the_demo_union_are_found_within_2km(gazetteer, village):
    found = gazetteer.geocode(f"{village}, East Sussex", near=near_to(LEWES))
    assert haversine_km(found.latitude, found.longitude, *VILLAGES[village]) <= 2


@pytest.mark.xfail(strict=True, reason="GeoNames' postal codes name these villages for a whole postcode district "
                   "only (BN7, BN8), never for a full postcode, so they have no centroid")
@pytest.mark.parametrize("village", sorted(UNPOSTCODED))
def test_villages_without_postcodes_of_their_own_are_found_within_2km(gazetteer, village):
    found = gazetteer.geocode(village, near=near_to(LEWES))
    assert found is not None and haversine_km(found.latitude, found.longitude, *VILLAGES[village]) <= 2


def test_the_demo_union_pins_by_hand_only_the_villages_the_gazetteer_cannot_place(gazetteer):
    from aid.services.demo_places import VILLAGES as PINNED

    placed = {village for village, point in VILLAGES.items()
              if (found := gazetteer.geocode(village, near=near_to(LEWES)))
              and haversine_km(found.latitude, found.longitude, *point) <= 2}
    assert set(PINNED) == set(VILLAGES) - placed == UNPOSTCODED
    assert all(haversine_km(*PINNED[village], *VILLAGES[village]) < 0.5 for village in PINNED)


@pytest.mark.parametrize("place, point", [  # SimpleMaps' points (tests/data/places.csv)
    ("Patcham", (50.8640, -0.1500)),  # "Patcham Ward"
    ("Worth", (51.1130, -0.1470)),  # "Copthorne and Worth Ward"
    ("Southborough", (51.1598, 0.2652)),  # "Southborough and High Brooms Ward", "Southborough North Ward"
])
def test_a_place_postcodes_name_only_by_its_ward_is_found(gazetteer, place, point):
    found = gazetteer.geocode(place, near=near_to(LEWES[:2] + (50.0,)))
    assert found is not None and haversine_km(found.latitude, found.longitude, *point) <= 2
    assert found.address == place


def test_a_ward_named_for_a_compass_point_adds_no_place_called_north(gazetteer):
    gazetteer.geocode("Lewes")  # builds the file if need be
    with closing(sqlite3.connect(gazetteer.path)) as conn:
        assert conn.execute("SELECT count(*) FROM places WHERE key IN ('north', 'central')").fetchone()[0] == \
            conn.execute("SELECT count(*) FROM places WHERE key IN ('north', 'central') AND population >= 500").fetchone()[0]


def test_a_town_geonames_has_is_not_added_again_from_postcodes(gazetteer):
    gazetteer.geocode("Lewes")  # builds the file if need be
    with closing(sqlite3.connect(gazetteer.path)) as conn:
        points = conn.execute("SELECT lat, lon FROM places WHERE key = 'lewes'").fetchall()
    assert sum(1 for lat, lon in points if haversine_km(lat, lon, *LEWES[:2]) < 5) == 1


def test_a_local_namesake_ranks_above_a_distant_one(gazetteer):
    anywhere = gazetteer.geocode("Kingston")
    local = gazetteer.geocode("Kingston", near=near_to(LEWES))
    assert haversine_km(anywhere.latitude, anywhere.longitude, 51.41, -0.30) < 3  # upon Thames: the most populous
    assert haversine_km(local.latitude, local.longitude, 50.855, -0.015) < 3  # Kingston near Lewes
    valencia = (39.47, -0.376, 10.0)
    assert gazetteer.geocode("Valencia", near=near_to(valencia)).latitude == pytest.approx(39.47, abs=0.05)
    assert gazetteer.geocode("Valencia", near=near_to((10.16, -68.0, 10.0))).latitude == pytest.approx(10.16, abs=0.1)


def test_a_union_place_named_by_earlier_words_beats_a_distant_one_named_last(gazetteer):
    found = gazetteer.geocode("Ringmer, Street", near=near_to(LEWES))  # Street is in Somerset
    assert haversine_km(found.latitude, found.longitude, 50.893, 0.056) < 3


def test_near_a_union_a_far_place_named_by_only_some_of_the_words_is_not_found(gazetteer):
    beirut = near_to((33.8938, 35.5018, 50.0))
    assert gazetteer.geocode("Borj Hammoud", near=beirut) is None  # not Borj, in Iran
    assert gazetteer.geocode("Râs el Metn", near=beirut) is None  # not Rās, in India
    assert gazetteer.geocode("17 Cliffe High Street", near=near_to(LEWES)) is None  # not London's High Street
    anywhere = gazetteer.geocode("17 Cliffe High Street")  # without a union to be near, the last words still count
    assert anywhere.address == "High Street" and haversine_km(anywhere.latitude, anywhere.longitude, *LEWES[:2]) > 50


def test_a_far_place_bearing_the_whole_typed_name_is_still_found(gazetteer):
    mexico = gazetteer.geocode("San Nicolás de los Ranchos")  # five words: the whole name is tried first
    assert haversine_km(mexico.latitude, mexico.longitude, 19.07, -98.49) < 3
    leipzig = gazetteer.geocode("Bad Lauchstädt", near=near_to(LEWES))
    assert haversine_km(leipzig.latitude, leipzig.longitude, 51.39, 11.87) < 3


def test_a_local_place_is_found_under_another_spelling_or_a_typo(gazetteer):
    ringmer = gazetteer.geocode("Flat 3, Ringmerr", near=near_to(LEWES))
    assert haversine_km(ringmer.latitude, ringmer.longitude, 50.893, 0.056) < 3
    assert gazetteer.geocode("Burjasot", near=near_to((39.47, -0.376, 10.0))).address == "Burjassot"
    assert gazetteer.geocode("Burjasot") is None  # only near a union: elsewhere a typo finds nothing


def test_names_compare_without_case_accents_marks_or_punctuation(gazetteer):
    assert key("St. Mary's  Church-Hall") == "st mary s church hall"
    assert key("MÁLAGA") == key("malaga") and key("أَبُو") == key("ابو")
    assert gazetteer.geocode("عمان").address == "Amman"
