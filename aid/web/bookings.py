"""What an owner or a coordinator does with a booking: confirm, decline, handed over, returned, no-show."""
from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aid.extensions import db
from aid.models import Booking, BookingState, utcnow
from aid.services import access, things, things_booking, things_matching
from aid.web.actions import attempt
from aid.web.htmx import go, local_target
from aid.web.thing_forms import ReturnForm

bp = Blueprint("bookings", __name__, url_prefix="/bookings")

MOVES = {"confirm": BookingState.CONFIRMED, "handed-over": BookingState.HANDED_OVER,
         "no-show": BookingState.NO_SHOW, "cancel": BookingState.CANCELLED}


@bp.before_request
@login_required
def _signed_in():
    pass


@bp.post("/<int:booking_id>/<any('confirm', 'handed-over', 'no-show', 'cancel'):action>")
def move(booking_id, action):
    booking = _booking(booking_id)
    now = utcnow()
    attempt(lambda: things_booking.move(booking, MOVES[action], now, by=current_user), _("Done."))
    return _back()


@bp.post("/<int:booking_id>/decline")
def decline(booking_id):
    """The owner cannot lend it then: the booking ends and the need looks for another thing."""
    booking = _booking(booking_id)
    now = utcnow()

    def decline_and_rematch():
        things_booking.move(booking, BookingState.CANCELLED, now, by=current_user, note="declined by the owner")
        things_matching.match_things(booking.need, now)

    attempt(decline_and_rematch, _("Declined. We will look for another."))
    return _back()


@bp.post("/<int:booking_id>/returned")
def returned(booking_id):
    booking = _booking(booking_id)
    form = ReturnForm()
    note = (form.condition_note.data or "").strip() if form.validate() else ""
    attempt(lambda: things_booking.move(booking, BookingState.RETURNED, utcnow(), by=current_user, note=note),
            _("Marked as returned."))
    return _back()


def _booking(booking_id):
    """A booking of a thing the user manages, or of a need they coordinate; 404 for anyone else."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not (things.may_manage(current_user, booking.thing)
                               or access.coordinates(current_user, booking.need)):
        abort(404)
    return booking


def _back():
    return go(local_target(request.form.get("next")) or url_for("things.index"))
