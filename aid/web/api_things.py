"""Shared things in the JSON API (/api/v1/things, /api/v1/bookings): coarse and without personal data.

Added to the API blueprint (aid.web.api) before it is registered. Like the needs, a thing shows
its public cell, never its exact point, its place, its owner or its hand-over notes; a booking
shows its thing, its need's id, its range and state.
"""
from flask import jsonify
from flask_login import current_user

from aid.models import ACTIVE_BOOKING, BookingState, utcnow
from aid.services import exports, things_hub, things_sweep
from aid.web.api import bp


@bp.get("/things")
def things():
    """Every thing of the coordinator's unions (their region's, for a region coordinator)."""
    return jsonify(things=[_thing(t) for t in things_hub.stock(current_user)])


@bp.get("/bookings")
def bookings():
    """Bookings of those things or for those unions' needs, active ones and the returned ones."""
    found = things_hub.bookings(current_user, (*ACTIVE_BOOKING, BookingState.RETURNED))
    late = things_sweep.late(found, utcnow())
    return jsonify(bookings=[_booking(b, late.get(b.id)) for b in found])


def _thing(thing):
    return {
        "id": thing.id, "kind": str(thing.kind), "title": thing.title, "sharing": str(thing.sharing),
        "count": thing.count, "remaining": thing.remaining, "union_id": thing.union_id,
        "owned_by_union": thing.owner_id is None, "cell": {"lat": thing.cell_lat, "lon": thing.cell_lon},
        "vetted_only": thing.vetted_only, "active": thing.active,
        "best_before": thing.best_before.isoformat() if thing.best_before else None,
    }


def _booking(booking, late):
    return {
        "id": booking.id, "thing_id": booking.thing_id, "need_id": booking.need_id, "state": str(booking.state),
        "quantity": booking.quantity, "starts_at": exports.iso(booking.starts_at), "ends_at": exports.iso(booking.ends_at),
        "late": late,
    }
