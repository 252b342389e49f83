"""Offering things: my things and their bookings, offer a new one, edit it, when it is available."""
from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from aid.adapters.geocoding import geocoding
from aid.extensions import db
from aid.models import ACTIVE_BOOKING, Union, utcnow
from aid.services import FieldError, access, things
from aid.services.things_sweep import late
from aid.web import thing_reasons
from aid.web.actions import attempt
from aid.web.forms import FORM_FIELDS
from aid.web.htmx import go, render
from aid.web.params import to_int
from aid.web.thing_forms import ThingForm, WindowForm, to_utc

bp = Blueprint("things", __name__, url_prefix="/things")
bp.record_once(thing_reasons.init_app)


@bp.before_request
@login_required
def _members_only():
    if current_user.volunteer is None and not current_user.coordinator_of:
        abort(403)


@bp.get("/")
def index():
    mine = things.managed_by(current_user)
    bookings = things.bookings_of(mine, ACTIVE_BOOKING)
    return render("things/index.html", "things/_index.html", things=mine, bookings=bookings,
                  late=late(bookings, utcnow()), now=utcnow())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = _with_owner(ThingForm())
    if form.is_submitted() and form.validate() and _save(form):
        return go(url_for("things.index"))
    return render("things/new.html", "things/_form.html", status=422 if form.errors else 200, form=form, thing=None)


@bp.route("/<int:thing_id>/edit", methods=["GET", "POST"])
def edit(thing_id):
    thing = _thing(thing_id)
    form = _edit_form(thing)
    if form.is_submitted() and form.validate() and _save(form, thing):
        return go(url_for("things.edit", thing_id=thing.id))
    return render("things/edit.html", "things/_form.html", status=422 if form.errors else 200, form=form, thing=thing,
                  window_form=WindowForm(formdata=None))


@bp.post("/<int:thing_id>/windows")
def add_window(thing_id):
    thing = _thing(thing_id)
    form = WindowForm()
    if not form.validate():
        return render("things/edit.html", "things/_windows.html", status=422, form=_edit_form(thing, None), thing=thing,
                      window_form=form)
    attempt(lambda: things.add_window(thing, to_utc(form.starts_at.data), to_utc(form.ends_at.data)), _("Added."))
    return go(url_for("things.edit", thing_id=thing.id) + "#windows")


@bp.post("/<int:thing_id>/windows/<int:window_id>/delete")
def remove_window(thing_id, window_id):
    thing = _thing(thing_id)
    attempt(lambda: things.remove_window(thing, window_id), _("Removed."))
    return go(url_for("things.edit", thing_id=thing.id) + "#windows")


def _thing(thing_id):
    """A thing the current user may manage; 404 for anyone else's."""
    try:
        return things.get_managed(thing_id, current_user)
    except LookupError:
        abort(404)


def _edit_form(thing, formdata=FORM_FIELDS):
    form = ThingForm(formdata=formdata, obj=thing)
    del form.owner  # whose it is stays as offered
    return form


def _with_owner(form):
    """Add "whose is it?": the volunteer themselves, or a union they coordinate."""
    choices = [("me", _("Mine"))] if current_user.volunteer else []
    scope = access.union_scope(current_user)
    if scope:
        unions = db.session.query(Union).filter(Union.id.in_(scope)).order_by(Union.name)
        choices += [(f"union:{u.id}", _("%(union)s (the group's)", union=u.name)) for u in unions]
    form.owner.choices = choices
    return form


def _save(form, thing=None):
    """Store the form's thing (new or edited); False with the error on its field when the place is not found."""
    fields = form.fields()
    point = form.point()
    if point is None and fields["place_label"] and (thing is None or fields["place_label"] != thing.place_label):
        found = geocoding().locate(fields["place_label"])
        point = (found.lat, found.lon) if found else None
    if point is None and thing is None:
        form.place_label.errors = [_("We could not find that place. Tap “Use my location” or type a nearby town.")]
        return False
    if point is not None:
        fields.update(lat=point[0], lon=point[1])
    return attempt(lambda: _store(form, fields, thing), _("Saved."))


def _store(form, fields, thing):
    try:
        if thing is not None:
            return things.update(thing, fields)
        owner = form.owner.data or ""
        union_id = to_int(owner.removeprefix("union:")) if owner.startswith("union:") else None
        if union_id is not None and union_id in access.union_scope(current_user):
            return things.offer(fields, union_id=union_id)
        if current_user.volunteer is None:
            raise FieldError("owner", _("Choose whose it is."))
        return things.offer(fields, owner=current_user.volunteer)
    except FieldError as error:
        getattr(form, error.field).errors = [str(error)]
        raise
