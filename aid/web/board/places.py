"""The union's own places: coordinators pin landmarks, estates and blocks, with their spellings."""
import math
import re

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from aid import edge
from aid.extensions import db
from aid.models import Union, UnionPlace
from aid.services import ServiceError, board, places
from aid.web.admin import number
from aid.web.board import bp
from aid.web.forms import Form
from aid.web.htmx import go, render

SPELLINGS = re.compile(r"[,،\n]")  # spellings are separated by commas (the Arabic one too)
NO_PIN = _l("Put a pin on the map, or type the place's latitude and longitude.")


def _spellings(label):
    def long(form, field):
        if any(len(s.strip()) > places.MAX_NAME for s in SPELLINGS.split(field.data or "")):
            raise ValidationError(_("Keep each spelling under %(n)s characters.", n=places.MAX_NAME))
    return StringField(label, render_kw={"dir": "auto", "autocomplete": "off"}, validators=[
        Optional(), Length(max=400, message=_l("Give at most 400 characters here.")), long])


def _coordinate(label, limit):
    def within(form, field):
        if not field.data or not field.data.strip():
            raise ValidationError(NO_PIN)
        number(NO_PIN)(form, field)
        if not math.isfinite(field.number) or abs(field.number) > limit:
            raise ValidationError(NO_PIN)
    return StringField(label, validators=[within], render_kw={"inputmode": "decimal", "autocomplete": "off"})


class PlaceForm(Form):
    union = SelectField(_l("Union"), choices=[], validate_choice=False)
    names_en = _spellings(_l("Names in English"))
    names_es = _spellings(_l("Names in Spanish"))
    names_ar = _spellings(_l("Names in Arabic"))
    lat = _coordinate(_l("Latitude"), 90)
    lon = _coordinate(_l("Longitude"), 180)

    def validate_union(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_("Choose one of your unions."))

    def validate_names_en(self, field):
        if not any((self[f"names_{lang}"].data or "").strip(" ,،\n") for lang in places.LANGUAGES):
            raise ValidationError(_("Give the place a name in at least one language."))

    def spellings(self):
        return {lang: SPELLINGS.split(self[f"names_{lang}"].data or "") for lang in places.LANGUAGES}


@bp.route("/places", methods=["GET", "POST"])
def places_page():
    """The coordinator's union places, and a form to pin a new one."""
    form = _form(None)
    if _saved(form, None):
        flash(_("Saved. Typed places now find it first."), "ok")
        return go(url_for("board.places_page"))
    unions = board.union_ids(current_user)
    return render("board/places.html", "board/_places_form.html", status=422 if form.errors else 200, form=form,
                  place=None, places=places.of_unions(unions))


@bp.route("/places/<int:place_id>", methods=["GET", "POST"])
def edit_place(place_id):
    place = _place_or_404(place_id)
    form = _form(place)
    if _saved(form, place):
        flash(_("Saved."), "ok")
        return go(url_for("board.places_page"))
    return render("board/places_edit.html", "board/_places_form.html", status=422 if form.errors else 200,
                  form=form, place=place)


@bp.post("/places/<int:place_id>/delete")
def delete_place(place_id):
    places.delete(_place_or_404(place_id))
    edge.commit()
    flash(_("Removed."), "ok")
    return go(url_for("board.places_page"))


def _place_or_404(place_id):
    """A place of one of the coordinator's unions; any other is a 404, as if it did not exist."""
    place = db.session.get(UnionPlace, place_id)
    if place is None or place.union_id not in board.union_ids(current_user):
        abort(404)
    return place


def _form(place):
    unions = [db.session.get(Union, i) for i in board.union_ids(current_user)]
    data = {} if place is None else dict(
        union=str(place.union_id), lat=f"{place.lat:.6f}", lon=f"{place.lon:.6f}",
        **{f"names_{lang}": ", ".join(place.spellings(lang)) for lang in places.LANGUAGES})
    form = PlaceForm(data=data)
    form.union.choices = [(str(u.id), u.name) for u in unions]
    return form


def _saved(form, place):
    if not form.validate_on_submit():
        return False
    union = db.session.get(Union, int(form.union.data))
    try:
        places.save(place, union, form.spellings(), form.lat.number, form.lon.number)
    except ServiceError as error:
        edge.rollback()
        form.lat.errors.append(str(error))
        return False
    edge.commit()
    return True
