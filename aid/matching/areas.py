"""Union areas: a centre and radius, or a GeoJSON polygon; which area holds a point."""
import json

from aid.matching.geo import haversine_km


def contains(area_geojson, lat, lon):
    """Whether a GeoJSON Polygon or MultiPolygon (lon, lat order; holes respected) holds the point."""
    shape = json.loads(area_geojson)
    if shape.get("type") == "Feature":
        shape = shape["geometry"]
    polygons = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
    return any(_in_ring(poly[0], lat, lon) and not any(_in_ring(hole, lat, lon) for hole in poly[1:])
               for poly in polygons)


def _in_ring(ring, lat, lon):
    """Ray casting on a ring of [lon, lat] pairs (fine for areas of a town or a county)."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def reach_km(union, lat, lon):
    """How far outside the union's area the point lies (0 inside; negative: how deep inside a circle)."""
    if union.area_geojson:
        if contains(union.area_geojson, lat, lon):
            return 0.0
        return haversine_km(lat, lon, union.lat, union.lon)
    return haversine_km(lat, lon, union.lat, union.lon) - union.radius_km
