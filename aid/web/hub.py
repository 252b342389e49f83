"""Coordinators: the bookings on the board, the region's stock, and lending a thing across unions."""
from flask import Blueprint, abort, make_response, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aid.extensions import db
from aid.models import ACTIVE_BOOKING, Thing, ThingSlot, utcnow
from aid.services import access, exports, things_hub, things_sweep
from aid.web.actions import attempt
from aid.web.htmx import go, render, tag, unchanged
from aid.web.params import form_id

bp = Blueprint("hub", __name__, url_prefix="/hub")


@bp.before_request
@login_required
def _coordinators_only():
    if not current_user.coordinator_of:
        abort(403)


@bp.get("/bookings")
def bookings():
    """The board's bookings fragment (templates/board/_bookings.html polls it); late returns first."""
    now = utcnow()
    found = things_hub.bookings(current_user, ACTIVE_BOOKING)
    late = things_sweep.late(found, now)
    found = sorted(found, key=lambda b: ({"late": 0, "soon": 1}.get(late.get(b.id), 2), b.ends_at))
    etag = "bookings-" + "-".join(f"{b.id}{b.state}{late.get(b.id, '')}" for b in found)
    if (cached := unchanged(etag)) is not None:
        return cached
    return tag(render("things/board_bookings.html", "things/_board_bookings.html", bookings=found, late=late,
                      version=etag), etag)


@bp.get("/")
def index():
    asks = things_hub.open_asks(current_user)
    ranked = {slot.id: things_hub.ranked_in_scope(current_user, slot) for slot in asks if slot.need.located}
    stock = things_hub.stock(current_user)
    names = {t.id: t for t in stock}
    return render("things/hub.html", "things/_hub.html", asks=asks, ranked=ranked, stock=stock, names=names,
                  bookings=things_hub.bookings(current_user, ACTIVE_BOOKING), now=utcnow())


@bp.get("/open-data-things.csv")
def open_data_csv():
    """Things and bookings of every union in the coordinator's regions, without personal data (HXL-tagged)."""
    table = things_hub.open_data(exports.open_data_unions(current_user))
    response = make_response(exports.to_csv(table))
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="open-data-things-{utcnow():%Y%m%d-%H%M}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/lend")
def lend():
    slot_id, thing_id = form_id("slot_id"), form_id("thing_id")
    slot = db.session.get(ThingSlot, slot_id) if slot_id else None
    if slot is None or thing_id is None or db.session.get(Thing, thing_id) is None:
        abort(404)
    if not access.coordinates(current_user, slot.need):
        abort(404)
    attempt(lambda: things_hub.lend(current_user, slot, thing_id, utcnow()), _("Booked."))
    return go(url_for("hub.index"))
