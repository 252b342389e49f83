"""Federation administration: regions, their unions' areas and policy, hubs.

Who may do what: a region's coordinators manage that region (its unions, its hub, and
invitations to it or any of its unions); a union's coordinators may invite more
coordinators to their own union. The CLI may do everything.
"""
import json
import re

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.matching.areas import contains
from aid.matching.geo import haversine_km
from aid.models import Region, Union, Urgency
from aid.services import FieldError, ServiceError
from aid.services.geojson import parse_area

ESCALATE_FROM = [u.value for u in Urgency]  # low → critical: the least urgent need that may leave
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
RADIUS_KM = (0.1, 200.0)
FAR_KM = 50  # an area whose every corner is this far from a centre outside it is a mistake


# Who may do what -------------------------------------------------------------------------

def managed_regions(user):
    """The regions this user coordinates, by name."""
    return sorted((c.region for c in user.coordinator_of if c.region_id), key=lambda r: r.name.lower())


def other_unions(user):
    """Unions this user coordinates outside the regions they manage (they may invite to these)."""
    regions = {c.region_id for c in user.coordinator_of if c.region_id}
    return sorted((c.union for c in user.coordinator_of if c.union_id and c.union.region_id not in regions),
                  key=lambda u: u.name.lower())


def manages(user, region):
    return any(c.region_id == region.id for c in user.coordinator_of)


def may_invite(user, scope):
    """To a region: its coordinators. To a union: its coordinators and its region's."""
    if isinstance(scope, Region):
        return manages(user, scope)
    return user.coordinates(scope.id) or (scope.region is not None and manages(user, scope.region))


# Regions and unions ----------------------------------------------------------------------

def create_region(name):
    name = name.strip()
    if not name or len(name) > 80:
        raise FieldError("name", _l("Give the region a name of 1 to 80 characters."))
    if _region_named(name) is not None:
        raise FieldError("name", _l("There is already a region called “%(name)s”.", name=name))
    region = Region(name=name)
    db.session.add(region)
    db.session.flush()
    return region


def region_named(name):
    """The region with this name (any case), or a ServiceError listing the ones there are."""
    region = _region_named(name.strip())
    if region is None:
        known = ", ".join(db.session.scalars(sa.select(Region.name).order_by(Region.name))) or "-"
        raise ServiceError(_l("No region is called “%(name)s”. Regions: %(known)s.", name=name, known=known))
    return region


def union_with_slug(slug):
    union = db.session.scalar(sa.select(Union).where(Union.slug == slug.strip().lower()))
    if union is None:
        raise ServiceError(_l("No union has the short name “%(slug)s”.", slug=slug))
    return union


def create_union(region, name, slug, lat, lon, radius_km, area=None, escalate_from="low"):
    """A new union (in `region`, or in none when made with the CLI); its slug must be free."""
    name, slug = name.strip(), slug.strip().lower()
    if not name or len(name) > 80:
        raise FieldError("name", _l("Give the union a name of 1 to 80 characters."))
    if not SLUG.fullmatch(slug) or len(slug) > 40:
        raise FieldError("slug", _l("Use up to 40 lowercase letters, digits and dashes, like “north-lewes”."))
    union = Union(name=name, slug=slug)
    _set_area(union, lat, lon, radius_km, area, escalate_from)
    try:
        with db.session.begin_nested():  # a concurrent union with this slug fails here, not at commit
            db.session.add(union)
            union.region = region
    except sa.exc.IntegrityError:
        raise FieldError("slug", _l("The short name “%(slug)s” is taken. Choose another.", slug=slug)) from None
    return union


def update_union(union, lat, lon, radius_km, area=None, escalate_from="low"):
    _set_area(union, lat, lon, radius_km, area, escalate_from)
    db.session.flush()


def set_hub(region, union):
    """Make one of the region's unions its hub (None: no hub)."""
    if union is not None and union.region_id != region.id:
        raise FieldError("hub", _l("%(union)s is not a union of %(region)s.", union=union.name, region=region.name))
    region.hub = union
    db.session.flush()


def _set_area(union, lat, lon, radius_km, area, escalate_from):
    if not -90 <= lat <= 90:  # chained comparisons are False for NaN, so NaN is refused too
        raise FieldError("lat", _l("Latitude must be a number between -90 and 90."))
    if not -180 <= lon <= 180:
        raise FieldError("lon", _l("Longitude must be a number between -180 and 180."))
    if not RADIUS_KM[0] <= radius_km <= RADIUS_KM[1]:
        raise FieldError("radius_km", _l("Choose a radius between %(low)s and %(high)s km.", low=f"{RADIUS_KM[0]:g}", high=f"{RADIUS_KM[1]:g}"))
    if escalate_from not in ESCALATE_FROM:
        raise FieldError("escalate_from", _l("Choose which needs may go to other unions."))
    area = parse_area(area)
    if area is not None:
        _check_near(area, lat, lon)
    union.lat, union.lon, union.radius_km = lat, lon, radius_km
    union.area_geojson, union.escalate_from = area, escalate_from


def _check_near(area, lat, lon):
    """Catch the usual mistake, [lat, lon] pairs: GeoJSON lists longitude first."""
    if contains(area, lat, lon):
        return
    shape = json.loads(area)
    polygons = [shape["coordinates"]] if shape["type"] == "Polygon" else shape["coordinates"]
    corners = [p for polygon in polygons for ring in polygon for p in ring]
    nearest = min(haversine_km(lat, lon, p[1], p[0]) for p in corners)
    if nearest > FAR_KM:
        raise FieldError("area", _l("This area is %(km)s km from the centre %(lat)s, %(lon)s. GeoJSON lists longitude first: "
                       "[%(lon)s, %(lat)s], not [%(lat)s, %(lon)s].", km=f"{nearest:.0f}", lat=f"{lat:g}", lon=f"{lon:g}"))


# GeoJSON areas ---------------------------------------------------------------------------

def _region_named(name):
    return db.session.scalar(sa.select(Region).where(sa.func.lower(Region.name) == name.lower()))
