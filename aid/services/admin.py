"""Federation administration: regions, their unions' areas and policy, hubs, coordinator invitations.

Who may do what: a region's coordinators manage that region (its unions, its hub, and
invitations to it or any of its unions); a union's coordinators may invite more
coordinators to their own union. The CLI may do everything.
"""
import json
import re
from datetime import timedelta

import sqlalchemy as sa

from aid.extensions import db
from aid.matching.areas import contains
from aid.matching.geo import haversine_km
from aid.models import Coordinator, Invitation, Region, Union, Urgency
from aid.services import ServiceError
from aid.services.tokens import hash_token, new_token

INVITATION_DAYS = 7
ESCALATE_FROM = [u.value for u in Urgency]  # low → critical: the least urgent need that may leave
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
RADIUS_KM = (0.1, 200.0)
FAR_KM = 50  # an area whose every corner is this far from a centre outside it is a mistake


class FieldError(ServiceError):
    """A refusal about one input, so a form can show it next to that field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


class InvitationError(ServiceError):
    """Why an invitation link cannot be used: unknown, used, expired, or already (a coordinator)."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


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
        raise FieldError("name", "Give the region a name of 1 to 80 characters.")
    if _region_named(name) is not None:
        raise FieldError("name", f"There is already a region called “{name}”.")
    region = Region(name=name)
    db.session.add(region)
    db.session.flush()
    return region


def region_named(name):
    """The region with this name (any case), or a ServiceError listing the ones there are."""
    region = _region_named(name.strip())
    if region is None:
        known = ", ".join(db.session.scalars(sa.select(Region.name).order_by(Region.name))) or "none yet"
        raise ServiceError(f"No region is called “{name}”. Regions: {known}.")
    return region


def union_with_slug(slug):
    union = db.session.scalar(sa.select(Union).where(Union.slug == slug.strip().lower()))
    if union is None:
        raise ServiceError(f"No union has the short name “{slug}”.")
    return union


def create_union(region, name, slug, lat, lon, radius_km, area=None, escalate_from="low"):
    """A new union (in `region`, or in none when made with the CLI); its slug must be free."""
    name, slug = name.strip(), slug.strip().lower()
    if not name or len(name) > 80:
        raise FieldError("name", "Give the union a name of 1 to 80 characters.")
    if not SLUG.fullmatch(slug) or len(slug) > 40:
        raise FieldError("slug", "Use up to 40 lowercase letters, digits and dashes, like “north-lewes”.")
    union = Union(name=name, slug=slug)
    _set_area(union, lat, lon, radius_km, area, escalate_from)
    try:
        with db.session.begin_nested():  # a concurrent union with this slug fails here, not at commit
            db.session.add(union)
            union.region = region
    except sa.exc.IntegrityError:
        raise FieldError("slug", f"The short name “{slug}” is taken. Choose another.") from None
    return union


def update_union(union, lat, lon, radius_km, area=None, escalate_from="low"):
    _set_area(union, lat, lon, radius_km, area, escalate_from)
    db.session.flush()


def set_hub(region, union):
    """Make one of the region's unions its hub (None: no hub)."""
    if union is not None and union.region_id != region.id:
        raise FieldError("hub", f"{union.name} is not a union of {region.name}.")
    region.hub = union
    db.session.flush()


def _set_area(union, lat, lon, radius_km, area, escalate_from):
    if not -90 <= lat <= 90:  # chained comparisons are False for NaN, so NaN is refused too
        raise FieldError("lat", "Latitude must be a number between -90 and 90.")
    if not -180 <= lon <= 180:
        raise FieldError("lon", "Longitude must be a number between -180 and 180.")
    if not RADIUS_KM[0] <= radius_km <= RADIUS_KM[1]:
        raise FieldError("radius_km", f"Choose a radius between {RADIUS_KM[0]:g} and {RADIUS_KM[1]:g} km.")
    if escalate_from not in ESCALATE_FROM:
        raise FieldError("escalate_from", "Choose which needs may go to other unions.")
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
        raise FieldError("area", f"This area is {nearest:.0f} km from the centre {lat:g}, {lon:g}. "
                                 f"GeoJSON lists longitude first: [{lon:g}, {lat:g}], not [{lat:g}, {lon:g}].")


# GeoJSON areas ---------------------------------------------------------------------------

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
        raise _area(f"This is not valid GeoJSON: {error.msg} (line {error.lineno}, column {error.colno}).") from None
    except (ValueError, RecursionError):  # digits beyond Python's limit, or nesting too deep
        raise _area("This is not valid GeoJSON.") from None
    polygons = [p for geometry in _geometries(shape) for p in _polygons(geometry)]
    many = len(polygons) > 1
    clean = [_polygon(p, f" of polygon {n}" if many else "") for n, p in enumerate(polygons, 1)]
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
            raise _area("This FeatureCollection has no features. Draw the area, then copy it again.")
        return [f.get("geometry") if _kind(f) == "Feature" else f for f in features]
    return [shape.get("geometry") if _kind(shape) == "Feature" else shape]


def _polygons(geometry):
    kind = _kind(geometry)
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon":
        return [coordinates]
    if kind == "MultiPolygon":
        if not isinstance(coordinates, list) or not coordinates:
            raise _area("This MultiPolygon has no polygons in its “coordinates”.")
        return coordinates
    what = f"a {kind}" if isinstance(kind, str) and kind.isalpha() and len(kind) < 30 else "not a GeoJSON shape"
    raise _area(f"The area must be a Polygon or a MultiPolygon, and this is {what}. "
                "Draw it as a polygon (for example on geojson.io) and paste what it gives.")


def _polygon(rings, where):
    if not isinstance(rings, list) or not rings:
        raise _area(f"The polygon{where} has no rings in its “coordinates”.")
    return [_ring(ring, f"the outline{where}" if n == 0 else f"hole {n}{where}") for n, ring in enumerate(rings)]


def _ring(ring, label):
    if not isinstance(ring, list) or len(ring) < 4:
        raise _area(f"{label.capitalize()} needs at least 4 points: 3 corners, then the first corner again.")
    points = [_point(p, label) for p in ring]
    if points[0] != points[-1]:
        raise _area(f"{label.capitalize()} is not closed: its last point must repeat its first, "
                    f"[{points[0][0]:g}, {points[0][1]:g}].")
    if len(set(points)) < 3:
        raise _area(f"{label.capitalize()} needs at least 3 different corners.")
    return [list(p) for p in points]


def _point(position, label):
    """[lon, lat] as floats (an altitude is dropped); NaN, infinity and off-map values are refused."""
    if not (isinstance(position, list) and len(position) >= 2 and all(_number(v) for v in position[:2])):
        shown = json.dumps(position)[:40]
        raise _area(f"{label.capitalize()} has a point that is not [longitude, latitude]: {shown}")
    lon, lat = position[0], position[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise _area(f"{label.capitalize()} has a point off the map: {json.dumps(position[:2])[:40]}. "
                    "Longitude comes first (-180 to 180), then latitude (-90 to 90).")
    return float(lon), float(lat)


def _number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)


# Invitations -----------------------------------------------------------------------------

def invite(scope, creator, now):
    """A one-time link's token for becoming a coordinator of `scope` (a Union or a Region)."""
    token, digest = new_token()
    invitation = Invitation(token_hash=digest, created_by_id=creator.id if creator else None,
                            created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    invitation.union, invitation.region = (scope, None) if isinstance(scope, Union) else (None, scope)
    db.session.add(invitation)
    db.session.flush()
    return token, invitation


def open_invitation(token, now):
    """The unused, unexpired invitation behind a link, or an InvitationError saying why not."""
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == hash_token(token)))
    if invitation is None:
        raise InvitationError("unknown", "This invitation link is not valid. Check that you copied all of it, or ask for a new one.")
    if invitation.used_at is not None:
        raise InvitationError("used", "This invitation has already been used. Each link works once: ask for a new one.")
    if invitation.expires_at <= now:
        raise InvitationError("expired", "This invitation has expired. Ask whoever sent it for a new link.")
    return invitation


def already_coordinates(user, invitation):
    return any(c.union_id == invitation.union_id and c.region_id == invitation.region_id for c in user.coordinator_of)


def accept(token, user, now):
    """Make the user a coordinator of the invitation's union or region; returns the invitation.

    The claim is a conditional UPDATE (still unused and unexpired) whose row count says who
    won, so two tabs or two people accepting at once cannot both use one link.
    """
    invitation = open_invitation(token, now)
    if already_coordinates(user, invitation):
        raise InvitationError("already", f"You already coordinate {invitation.scope.name}.")
    claimed = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.expires_at > now)
        .values(used_at=now, used_by_id=user.id).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise InvitationError("used", "This invitation has just been used. Each link works once: ask for a new one.")
    db.session.add(Coordinator(user=user, union_id=invitation.union_id, region_id=invitation.region_id))
    db.session.flush()
    return invitation


def _region_named(name):
    return db.session.scalar(sa.select(Region).where(sa.func.lower(Region.name) == name.lower()))
