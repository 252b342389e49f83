"""Forms for shared things: offer one, its windows, a booking's return, a need asking for one."""
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from aid.models import Category, Sharing, ThingKind
from aid.web.forms import Form, _bounded

KINDS = [(k.value, k.label) for k in ThingKind]
SHARINGS = [(s.value, s.label) for s in Sharing]
# The kind of thing each kind of help may ask for on the ask form.
CATEGORY_KINDS = {Category.SHELTER: ThingKind.BED_ROOM, Category.TRANSPORT: ThingKind.VEHICLE,
                  Category.FOOD: ThingKind.FOOD, Category.REPAIRS: ThingKind.TOOL}
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def to_utc(local):
    """A naive local time typed in the site's zone (TIMEZONE) as naive UTC, as stored."""
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


def to_local(stored):
    zone = ZoneInfo(current_app.config["TIMEZONE"])
    return stored.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


class PointMixin:
    def point(self):
        """The browser's location, if it sent a valid one."""
        try:
            lat, lon = float(self.lat.data), float(self.lon.data)
        except (TypeError, ValueError):
            return None
        return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


class ThingForm(PointMixin, Form):
    kind = RadioField(_l("What is it?"), choices=KINDS, validators=[InputRequired(_l("Choose what kind of thing it is."))])
    title = StringField(_l("Name it in a few words"), validators=[
        InputRequired(_l("Name it in a few words, like “spare room” or “van”.")), Length(max=80)])
    description = TextAreaField(_l("Anything to know (optional)"), validators=[Optional(), Length(max=500)])
    sharing = RadioField(_l("How is it shared?"), choices=SHARINGS, default="unique",
                         validators=[InputRequired(_l("Choose how it is shared."))])
    count = IntegerField(_l("How many (beds, tins, portions)?"), default=1, filters=[_bounded], validators=[
        InputRequired(_l("Say how many, from 1 to 999.")), NumberRange(1, 999, _l("Say how many, from 1 to 999."))])
    best_before = DateField(_l("Best before (food, optional)"), validators=[Optional()])
    place_label = StringField(_l("Where is it? Town or street"), validators=[Optional(), Length(max=120)])
    lat = HiddenField()
    lon = HiddenField()
    vetted_only = BooleanField(_l("Only for volunteers whose ID a coordinator has checked"))
    auto_confirm = BooleanField(_l("Confirm bookings by themselves (I don't need to say yes each time)"))
    handover_notes = TextAreaField(_l("Hand-over notes, shown only to whoever books it"),
                                   validators=[Optional(), Length(max=500)])
    active = BooleanField(_l("Available to book"), default=True)
    # "me" or "union:<id>", among choices set by the view; checked again when stored (aid.web.things._store)
    owner = SelectField(_l("Whose is it?"), choices=[], validate_choice=False)

    def fields(self):
        return dict(kind=self.kind.data, title=self.title.data.strip(), description=(self.description.data or "").strip(),
                    sharing=self.sharing.data, count=self.count.data, best_before=self.best_before.data,
                    vetted_only=self.vetted_only.data, auto_confirm=self.auto_confirm.data,
                    handover_notes=(self.handover_notes.data or "").strip(), active=self.active.data,
                    place_label=(self.place_label.data or "").strip())


class WindowForm(Form):
    starts_at = DateTimeLocalField(_l("From"), format=LOCAL_FORMATS, validators=[InputRequired(_l("Give a start."))])
    ends_at = DateTimeLocalField(_l("Until"), format=LOCAL_FORMATS, validators=[InputRequired(_l("Give an end."))])


class ReturnForm(Form):
    condition_note = StringField(_l("How did it come back? (optional)"), validators=[Optional(), Length(max=300)])


class ThingAskForm(Form):
    """On the ask form: a thing for shelter, transport, food or repairs, over a time window."""

    thing_kind = SelectField(_l("Which thing?"), choices=[("", _l("No thing needed"))] + KINDS[:4], default="")
    thing_quantity = IntegerField(_l("How many?"), default=1, filters=[_bounded], validators=[
        Optional(), NumberRange(1, 50, _l("Say how many, from 1 to 50."))])
    thing_from = DateTimeLocalField(_l("From"), format=LOCAL_FORMATS, validators=[Optional()])
    thing_until = DateTimeLocalField(_l("Until"), format=LOCAL_FORMATS, validators=[Optional()])

    def check(self, category, now):
        """Whether the thing asked for fits: a kind this help may ask for, and a forward window not all past."""
        if not self.thing_kind.data:
            return True
        if category not in {c.value for c in CATEGORY_KINDS}:
            self.thing_kind.errors = [_l("Things can be asked for with shelter, transport, food or repairs.")]
            return False
        if not (self.thing_from.data and self.thing_until.data) or self.thing_until.data <= self.thing_from.data:
            self.thing_until.errors = [_l("Say from when until when, the end after the start.")]
            return False
        if to_utc(self.thing_until.data) <= now:
            self.thing_until.errors = [_l("That time is already past.")]
            return False
        return True

    def asked(self):
        """(kind, quantity, starts, ends) in UTC, or None when no thing is asked for."""
        if not self.thing_kind.data:
            return None
        return (self.thing_kind.data, self.thing_quantity.data or 1, to_utc(self.thing_from.data),
                to_utc(self.thing_until.data))

