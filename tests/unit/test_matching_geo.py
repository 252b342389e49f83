"""Distances, travel boxes (poles, antimeridian) and coarse public cells."""
import math

import pytest

from aid.matching.geo import box_contains, coarse_cell, haversine_km, travel_box


def test_haversine_matches_known_distances():
    assert haversine_km(51.5074, -0.1278, 48.8566, 2.3522) == pytest.approx(343.5, rel=0.005)
    assert haversine_km(0, 179.9, 0, -179.9) == pytest.approx(22.24, rel=0.01)
    assert haversine_km(10, 10, 10, 10) == 0.0


def test_longitude_span_is_scaled_by_latitude():
    s, n, w, e = travel_box(60.0, 10.0, 10.0)
    assert n - s == pytest.approx(2 * 10 / 111.195, rel=1e-3)
    assert e - w == pytest.approx((n - s) / math.cos(math.radians(60)), rel=1e-3)


def test_box_across_the_antimeridian_wraps():
    s, n, w, e = travel_box(-17.0, 179.95, 20.0)
    assert w > e and w < 180 and e > -180
    assert box_contains((s, n, w, e), -17.0, -179.9)
    assert not box_contains((s, n, w, e), -17.0, 0.0)


def test_box_reaching_a_pole_spans_every_longitude():
    assert travel_box(89.95, 40.0, 10.0)[1:] == (90.0, -180.0, 180.0)
    assert travel_box(-89.99, 0.0, 5.0)[0] == -90.0
    assert travel_box(-89.99, 0.0, 5.0)[2:] == (-180.0, 180.0)


def destination(lat, lon, km, bearing_deg):
    """The point `km` from (lat, lon) along a bearing, on the same sphere as haversine_km."""
    p1, l1, d, t = math.radians(lat), math.radians(lon), km / 6371.0088, math.radians(bearing_deg)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(t))
    l2 = l1 + math.atan2(math.sin(t) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def test_box_holds_the_widest_point_of_the_circle_far_north():
    lat, km = 80.0, 100.0
    box = travel_box(lat, 0.0, km)
    ring = [destination(lat, 0.0, km, b / 10) for b in range(3600)]
    assert all(box_contains(box, la, lo) for la, lo in ring)
    widest = max(lo for _, lo in ring)
    naive = math.degrees(km / 6371.0088) / math.cos(math.radians(lat))
    assert naive < widest  # a plain r / cos(lat) box would drop people on this ring


def test_coarse_cell_is_stable_and_near_the_point():
    cell = coarse_cell(51.50731, -0.12765)
    assert cell == coarse_cell(51.50731, -0.12765)
    assert haversine_km(51.50731, -0.12765, *cell) < 0.5
    near = {coarse_cell(51.5 + i * 1e-4, -0.1 + j * 1e-4) for i in range(10) for j in range(10)}
    assert 1 <= len(near) <= 9  # a ~1 km patch falls in a handful of ~500 m cells, not 100


def test_coarse_cells_are_about_half_a_kilometre_everywhere():
    for lat in (0.0, 45.0, 70.0, -60.0):
        a = coarse_cell(lat, 10.0)
        b = coarse_cell(lat, 10.0 + 0.5 / (111.195 * math.cos(math.radians(lat))) * 1.01)
        assert a != b
        assert haversine_km(*a, *b) == pytest.approx(0.5, rel=0.1)
