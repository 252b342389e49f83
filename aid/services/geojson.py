"""Checking a union's area pasted as GeoJSON: every refusal says what to fix."""
import json

from flask_babel import lazy_gettext as _l

from aid.services import FieldError


def parse_area(text):
    """Pasted GeoJSON as a compact Polygon or MultiPolygon string; None when blank.

    A Feature, or a FeatureCollection of polygons (what geojson.io exports), gives its
    geometry. Raises FieldError("area", ...) naming the first problem a person can fix.
    """
    if text is None or not text.strip():
        return None
    try:
        shape = json.loads(text)
    except json.JSONDecodeError as error:
        raise _area(_l("This is not valid GeoJSON: %(problem)s (line %(line)s, column %(column)s).",
                       problem=error.msg, line=error.lineno, column=error.colno)) from None
    except (ValueError, RecursionError):  # digits beyond Python's limit, or nesting too deep
        raise _area(_l("This is not valid GeoJSON.")) from None
    polygons = [p for geometry in _geometries(shape) for p in _polygons(geometry)]
    many = len(polygons) > 1
    clean = [_polygon(p, n if many else None) for n, p in enumerate(polygons, 1)]
    geometry = {"type": "MultiPolygon", "coordinates": clean} if many else {"type": "Polygon", "coordinates": clean[0]}
    return json.dumps(geometry, separators=(",", ":"))


def _area(message):
    return FieldError("area", message)


def _kind(shape):
    return shape.get("type") if isinstance(shape, dict) else None


def _geometries(shape):
    if _kind(shape) == "FeatureCollection":
        features = shape.get("features")
        if not isinstance(features, list) or not features:
            raise _area(_l("This FeatureCollection has no features. Draw the area, then copy it again."))
        return [f.get("geometry") if _kind(f) == "Feature" else f for f in features]
    return [shape.get("geometry") if _kind(shape) == "Feature" else shape]


def _polygons(geometry):
    kind = _kind(geometry)
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _area(_l("This MultiPolygon has no polygons in its “coordinates”."))
        return coordinates
    if isinstance(kind, str) and kind.isalpha() and len(kind) < 30:
        raise _area(_l("The area must be a Polygon or a MultiPolygon, and this is a %(kind)s. Draw it as a polygon "
                       "(for example on geojson.io) and paste what it gives.", kind=kind))
    raise _area(_l("The area must be a Polygon or a MultiPolygon, and this is not a GeoJSON shape. Draw it as a "
                   "polygon (for example on geojson.io) and paste what it gives."))


def _polygon(rings, number):
    """One polygon's rings; `number` names it in messages when there are several (else None)."""
    if not isinstance(rings, list) or not rings:
        raise _area(_l("Polygon %(p)s has no rings in its “coordinates”.", p=number) if number
                    else _l("The polygon has no rings in its “coordinates”."))
    return [_ring(ring, _ring_name(number, n)) for n, ring in enumerate(rings)]


def _ring_name(polygon, hole):
    if polygon:
        return _l("Hole %(n)s of polygon %(p)s", n=hole, p=polygon) if hole else _l("The outline of polygon %(p)s", p=polygon)
    return _l("Hole %(n)s", n=hole) if hole else _l("The outline")


def _ring(ring, name):
    if not isinstance(ring, list) or len(ring) < 4:
        raise _area(_l("%(ring)s needs at least 4 points: 3 corners, then the first corner again.", ring=name))
    points = [_point(p, name) for p in ring]
    if points[0] != points[-1]:
        raise _area(_l("%(ring)s is not closed: its last point must repeat its first, %(first)s.",
                       ring=name, first=f"[{points[0][0]:g}, {points[0][1]:g}]"))
    if len(set(points)) < 3:
        raise _area(_l("%(ring)s needs at least 3 different corners.", ring=name))
    return [list(p) for p in points]


def _point(position, ring):
    """[lon, lat] as floats (an altitude is dropped); NaN, infinity and off-map values are refused."""
    if not (isinstance(position, list) and len(position) >= 2 and all(_number(v) for v in position[:2])):
        raise _area(_l("%(ring)s has a point that is not [longitude, latitude]: %(point)s",
                       ring=ring, point=json.dumps(position)[:40]))
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _area(_l("%(ring)s has a point off the map: %(point)s. Longitude comes first (-180 to 180), "
                       "then latitude (-90 to 90).", ring=ring, point=json.dumps(position[:2])[:40]))
    return float(lon), float(lat)


def _number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)
