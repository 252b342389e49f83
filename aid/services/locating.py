"""Where a need is: its exact point, its public coarse cell, and the union that serves it."""
import phonenumbers
import sqlalchemy as sa
from flask import current_app
from phonenumbers import geocoder as phone_places

from aid.adapters.gazetteer import Areas
from aid.adapters.geocoding import Place, geocoding
from aid.extensions import db
from aid.matching.areas import reach_km
from aid.matching.geo import coarse_cell, haversine_km, travel_box
from aid.models import EventKind, LocationStatus, Region, Union, Volunteer
from aid.services import events, places
from aid.services.candidates import lon_inside

# The public cell is 0.5 km across where at least this many volunteers are based within
# 2 km, else 2 km: a small cell in a village would point at a handful of houses.
CROWDED = 20


def place(need, lat, lon, label="", exact=True):
    """Fix the need's point, compute its coarse cell once (never re-randomised), route it to a union."""
    need.lat, need.lon = lat, lon
    need.place_label, need.location_exact = label[:120], exact
    need.cell_km = 0.5 if _people_near(lat, lon, km=2) >= CROWDED else 2.0
    need.cell_lat, need.cell_lon = coarse_cell(lat, lon, need.cell_km)
    need.location_status = LocationStatus.FOUND
    union = route(lat, lon)
    need.union_id = union.id if union else None


def move(need, address, lat=None, lon=None):
    """The requester corrected the place (a new typed place, or a point from their phone or a pin):
    forget the old one and leave it to `locate`, in the job, as for a new need. False when unchanged."""
    new_point = lat is not None and (lat, lon) != (need.lat, need.lon)
    if not new_point and (not address or address == need.address):
        return False
    lat, lon = (lat, lon) if new_point else (None, None)  # new text alone is looked up afresh
    need.address, need.lat, need.lon = address, lat, lon
    need.place_label, need.location_status = "", LocationStatus.PENDING
    return True


def locate(need, now):
    """Geocode a typed address (in a job, never while a person waits); True when it tried (the place was pending)."""
    if need.location_status != LocationStatus.PENDING:
        return False
    if need.located:
        place(need, need.lat, need.lon)
        return True
    found = far = find(need.address)
    if found is not None and not near_a_union(found.lat, found.lon):
        events.record(need, EventKind.LOCATION_NOT_FOUND, f"The typed place matched {found.label}, far from every union",
                      now=now)
        found = None
    if found is None:
        need.location_status = LocationStatus.NOT_FOUND
        receiver = receiving_union(need, far)
        need.union_id = receiver.id if receiver else None
        events.record(need, EventKind.LOCATION_NOT_FOUND, "Could not find the typed place on the map; it goes to "
                      + (receiver.name if receiver else "no union (none is set up)"), now=now)
        return True
    place(need, found.lat, found.lon, found.label, found.exact)
    precision = "exact point" if found.exact else "town centre only"
    events.record(need, EventKind.LOCATED, f"Placed at {found.label} ({precision})", now=now)
    return True


def find(text, prefer=()):
    """Typed text to a Place: a union's own pinned place first, then the geocoder, local places first.

    `prefer`: union ids whose places win a tie (a coordinator's own unions).
    """
    if (own := places.match(text or "", prefer)) is not None:
        return Place(own.lat, own.lon, own.label, exact=True)
    return geocoding().locate(text, near=near_unions())


def near_unions():
    """The unions' areas, for the geocoder's ranking and its search for other spellings (None: no unions)."""
    unions = db.session.scalars(sa.select(Union)).all()
    if not unions:
        return None
    return Areas(lambda lat, lon: min(reach_km(u, lat, lon) for u in unions),
                 tuple((u.lat, u.lon, u.radius_km) for u in unions))


def _people_near(lat, lon, km):
    south, north, west, east = travel_box(lat, lon, km)
    return db.session.scalar(sa.select(sa.func.count()).select_from(Volunteer).where(
        Volunteer.lat.between(south, north), lon_inside(west, east, Volunteer.lon)))


def near_a_union(lat, lon):
    """Whether the point is within MAX_PLACE_KM of some union's area (or there are no unions yet)."""
    unions = db.session.scalars(sa.select(Union)).all()
    limit = current_app.config["MAX_PLACE_KM"]
    return not unions or any(reach_km(u, lat, lon) <= limit for u in unions)


def route(lat, lon):
    """The union whose area holds the point (the closest centre among them), else the nearest area."""
    unions = db.session.scalars(sa.select(Union)).all()
    if not unions:
        return None

    def reach(union):
        outside = reach_km(union, lat, lon)
        inside = outside <= 0
        return (not inside, haversine_km(lat, lon, union.lat, union.lon) if inside else outside, union.id)

    return min(unions, key=reach)


def receiving_union(need, matched=None):
    """Who takes a need whose place was not found: one union, never every union.

    In order: the union whose area holds the requester's coarse location (the town their
    phone number's area code names, then whatever the typed text matched, however far);
    else the hub of the region of the union nearest that location; else the hub of the first
    region that has one; else the nearest union within MAX_PLACE_KM, or the only union.
    None when none of these exists: then no coordinator sees it until one is set up.
    """
    points = [p for p in (phone_place(need.contact_phone), matched) if p is not None]
    unions = db.session.scalars(sa.select(Union).order_by(Union.id)).all()
    for point in points:
        holding = [u for u in unions if reach_km(u, point.lat, point.lon) <= 0]
        if holding:
            return route(point.lat, point.lon)
    nearest = sorted(unions, key=lambda u: reach_km(u, points[0].lat, points[0].lon)) if points else []
    hubs = [u.region.hub for u in nearest if u.region and u.region.hub]
    hubs += db.session.scalars(sa.select(Union).join(Region, Region.hub_union_id == Union.id).order_by(Region.id))
    limit = current_app.config["MAX_PLACE_KM"]
    close = [u for u in nearest if reach_km(u, points[0].lat, points[0].lon) <= limit]
    alone = unions if len(unions) == 1 else []
    return next(iter(hubs + close + alone), None)


def phone_place(phone):
    """Where a phone number's area code is (a landline's town), or None for mobiles and unknown numbers."""
    try:
        number = phonenumbers.parse(phone or "", current_app.config["PHONE_REGION"])
    except phonenumbers.NumberParseException:
        return None
    town = phone_places.description_for_number(number, "en")
    if not town or town == phone_places.country_name_for_number(number, "en"):
        return None  # a mobile number names only its country
    return geocoding().locate(town, near=near_unions())
