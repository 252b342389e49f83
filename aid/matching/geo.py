"""Great-circle distance, travel boxes that survive poles and the antimeridian, coarse cells."""
import math

EARTH_KM = 6371.0088  # mean Earth radius (IUGG)
KM_PER_DEG = EARTH_KM * math.pi / 180.0
# The largest travel radius the candidate query must find (the app clamps max_km to it);
# it bounds the latitude band the indexed query scans.
MAX_TRAVEL_KM = 100.0
_EPS_DEG = 1e-9  # widen boxes a hair so rounding never drops someone exactly on the edge


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km on a sphere of radius EARTH_KM."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def km_from(lat: float, lon: float):
    """haversine_km with the first point fixed: the same result, a little faster in loops."""
    p1 = math.radians(lat)
    c1, sin, cos, rad, asin, sqrt = math.cos(p1), math.sin, math.cos, math.radians, math.asin, math.sqrt

    def km(lat2: float, lon2: float) -> float:
        p2 = rad(lat2)
        a = sin((p2 - p1) / 2) ** 2 + c1 * cos(p2) * sin(rad(lon2 - lon) / 2) ** 2
        return 2 * EARTH_KM * asin(min(1.0, sqrt(a)))

    return km


def travel_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) holding every point within `km` of (lat, lon).

    Latitude spans km / KM_PER_DEG each way. Longitude spans asin(sin r / cos lat) each way,
    r the angular radius: the exact widest point of the circle, which is r / cos(lat) for
    small r and slightly more far from the equator. If the circle reaches a pole (or r >= 90°
    of longitude) the box spans all longitudes: west = -180, east = 180. If it crosses the
    antimeridian the box wraps: west > east, and a longitude is inside when >= west or <= east.
    """
    r = max(km, 0.0) / EARTH_KM
    dlat = math.degrees(r) + _EPS_DEG
    south, north = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    ratio = math.sin(min(r, math.pi / 2)) / max(math.cos(math.radians(lat)), 0.0)
    if south <= -90.0 or north >= 90.0 or r >= math.pi / 2 or ratio >= 1.0:
        return south, north, -180.0, 180.0
    dlon = math.degrees(math.asin(ratio)) + _EPS_DEG
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        west += 360.0
    if east > 180.0:
        east -= 360.0
    return south, north, west, east


def box_contains(box: tuple[float, float, float, float], lat: float, lon: float) -> bool:
    """True when (lat, lon) is inside the box, wrapped boxes (west > east) included."""
    south, north, west, east = box
    if not south <= lat <= north:
        return False
    return west <= lon <= east if west <= east else (lon >= west or lon <= east)


def coarse_cell(lat: float, lon: float, km: float = 0.5) -> tuple[float, float]:
    """Centre of the fixed grid cell (about km × km) holding the point, for public display.

    Rows are km tall from the south pole; each row is split into a whole number of equal
    columns about km wide at the row's centre latitude. The same point always gives the same
    centre, so repeated views leak nothing beyond the cell. Rounded to 6 decimals.
    """
    step = km / KM_PER_DEG
    rows = max(1, math.floor(180.0 / step))
    row = min(rows - 1, max(0, math.floor((lat + 90.0) / 180.0 * rows)))
    centre_lat = -90.0 + (row + 0.5) * 180.0 / rows
    cols = max(1, math.floor(360.0 * math.cos(math.radians(centre_lat)) / step))
    col = math.floor((lon + 180.0) / 360.0 * cols) % cols
    return round(centre_lat, 6), round(-180.0 + (col + 0.5) * 360.0 / cols, 6)
