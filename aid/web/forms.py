"""Forms, validated on the server; their messages are what a person reads when input is off."""
import re

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TelField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from aid.models import Category, Urgency
from aid.services import ServiceError, phone_numbers

CATEGORIES = [(c.value, c.label) for c in Category]
URGENCIES = [(u.value, u.ask_label) for u in Urgency.most_urgent_first()]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # PostgreSQL refuses NUL in text
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # made by the browser for offline replays
LANGUAGES = [("en", "English"), ("es", "Español"), ("ar", "العربية")]
FORM_FIELDS = object()  # the default formdata of our forms: the request's posted fields
SUBMITTED = {"POST", "PUT", "PATCH", "DELETE"}  # Flask-WTF's SUBMIT_METHODS


def page_language():
    """The language the page is shown in: what someone asking or signing up in Arabic most likely speaks."""
    return str(get_locale())


def _bounded(number):
    """Cap absurd integers before validation: wtforms' NumberRange overflows on a 400-digit one."""
    return number if number is None or abs(number) < 10**6 else 10**6


def typed(limit=None):
    """Attributes of a field people type free text into: its own direction (an Arabic name on
    an English page), and its limit for the counter (static/js/counter.js); the server still
    checks the length and says so, nothing is cut off as it is typed."""
    return {"dir": "auto", **({"data-limit": limit} if limit else {})}


def _printable(value):
    return CONTROL.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    """An HTML form: read from the posted fields only, each text without control characters.

    Flask-WTF would read a JSON body instead when one is sent, and raise (a 500) on one
    that is not an object, like `[1]` or `"x"`. Our forms are never sent as JSON.
    """

    def __init__(self, formdata=FORM_FIELDS, **kwargs):
        if formdata is FORM_FIELDS:  # what Flask-WTF would pick, but never the JSON body
            formdata = (request.form or None) if request.method in SUBMITTED else None
        super().__init__(formdata=formdata, **kwargs)

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [_printable, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)


class NeedForm(Form):
    category = RadioField(_l("What do you need help with?"), choices=CATEGORIES,
                          validators=[InputRequired(_l("Choose what kind of help you need."))])
    details = TextAreaField(_l("Tell us what is needed"), render_kw=typed(2000), validators=[
        InputRequired(_l("Tell us in a few words what is needed.")),
        Length(max=2000, message=_l("Please shorten this to 2000 characters; a volunteer can ask for more."))])
    summary = StringField(_l("One line volunteers may read before saying yes (optional)"), render_kw=typed(140), validators=[
        Optional(), Length(max=140, message=_l("Keep it under 140 characters."))])
    urgency = RadioField(_l("How soon?"), choices=URGENCIES, default="normal",
                         validators=[InputRequired(_l("Choose how soon help is needed."))])
    people = IntegerField(_l("How many helpers?"), default=1, filters=[_bounded], validators=[
        InputRequired(_l("Say how many helpers are needed (1 to 10).")),
        NumberRange(1, 10, _l("Say how many helpers are needed (1 to 10)."))])
    address = StringField(_l("Address, street or town"), render_kw=typed(), validators=[Optional(), Length(max=200)])
    lat = HiddenField()
    lon = HiddenField()
    contact_name = StringField(_l("Your name (or who to ask for)"), render_kw=typed(), validators=[Optional(), Length(max=80)])
    on_site_name = StringField(_l("Asking for someone else? Who will be there"), render_kw=typed(), validators=[Optional(), Length(max=80)])
    contact_phone = TelField(_l("Phone"), validators=[Optional(), Length(max=32)])
    sms_updates = BooleanField(_l("Text me updates (who is coming, when it is done)"))
    contact_email = EmailField(_l("Email"), validators=[Optional(), Email(_l("That email address does not look right.")), Length(max=254)])
    language = SelectField(_l("Language you speak"), choices=LANGUAGES, default=page_language)
    language_required = BooleanField(_l("Only send someone who speaks my language"))
    client_id = HiddenField()
    same_anyway = HiddenField()  # set after the duplicate hint: "yes, this is a new request"

    def validate_contact_phone(self, field):
        if field.data:
            field.data = normalise_phone(field.data)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if not (self.contact_phone.data or self.contact_email.data):
            self.contact_phone.errors = [*self.contact_phone.errors, _l("Give a phone number or an email, so a helper can reach you.")]
            valid = False
        if self.sms_updates.data and self.contact_phone.data and not self.contact_phone.errors \
                and not phone_numbers.can_text(self.contact_phone.data):
            self.sms_updates.errors = [*self.sms_updates.errors, _l(
                "Texts cannot reach a landline or service number: give a mobile number, or untick this.")]
            valid = False
        if not self.point() and not (self.address.data or "").strip():
            self.address.errors = [*self.address.errors, _l("Tell us where: tap “Use my location”, or type an address or town.")]
            valid = False
        return valid

    def point(self):
        """The browser's location, if it sent a valid one."""
        try:
            lat, lon = float(self.lat.data), float(self.lon.data)
        except (TypeError, ValueError):
            return None
        return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None

    def fields(self):
        point = self.point() or (None, None)
        return dict(
            category=self.category.data, details=self.details.data.strip(), urgency=self.urgency.data,
            summary=(self.summary.data or "").strip(),
            people=self.people.data, address=(self.address.data or "").strip(),
            contact_name=(self.contact_name.data or "").strip(), contact_phone=self.contact_phone.data or "",
            sms_updates=bool(self.sms_updates.data and self.contact_phone.data),
            on_site_name=(self.on_site_name.data or "").strip(),
            contact_email=(self.contact_email.data or "").strip().lower(), language=self.language.data,
            language_required=self.language_required.data, lat=point[0], lon=point[1],
            client_id=self.client_id.data if CLIENT_ID.fullmatch(self.client_id.data or "") else None,
        )


def normalise_phone(text, for_texts=False):
    """E.164 form of a typed number, or a ValidationError that says what is wrong with it.

    aid.services.phone_numbers reads it and words the refusal, for the SMS side too.
    """
    try:
        return phone_numbers.read(text, for_texts=for_texts)
    except ServiceError as error:
        raise ValidationError(str(error)) from None


class SignupForm(Form):
    name = StringField(_l("Your name"), render_kw=typed(), validators=[InputRequired(_l("Tell us your name.")), Length(max=80)])
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email.")), Email(_l("That email address does not look right.")), Length(max=254)])
    password = PasswordField(_l("Password (at least 10 characters)"), validators=[
        InputRequired(_l("Choose a password.")), Length(min=10, max=200, message=_l("Use at least 10 characters."))])


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[InputRequired(_l("Enter your email.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(_l("Enter your password.")), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this phone"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(Form):
    skills = MultiCheckboxField(_l("What can you do?"), choices=[])
    base_label = StringField(_l("Town or street"), render_kw=typed(), validators=[Optional(), Length(max=120)])
    lat = HiddenField()
    lon = HiddenField()
    max_km = DecimalField(_l("How far will you travel? (km)"), places=1, default=5, validators=[
        InputRequired(_l("Say how far you will travel.")), NumberRange(0.5, 100, _l("Choose between 0.5 and 100 km."))])
    capacity = IntegerField(_l("Tasks at the same time"), default=2, filters=[_bounded], validators=[
        InputRequired(_l("Say how many tasks you can hold at once.")), NumberRange(1, 10, _l("Choose between 1 and 10."))])
    week_cap = IntegerField(_l("Most tasks a week"), default=5, filters=[_bounded], validators=[
        InputRequired(_l("Say how many tasks a week at most.")), NumberRange(1, 50, _l("Choose between 1 and 50."))])
    languages = MultiCheckboxField(_l("Languages you speak"), choices=LANGUAGES, default=["en"])
    has_vehicle = BooleanField(_l("I have a car or van"))
    on_duty = BooleanField(_l("I'm available now"))
    until = TimeField(_l("Available until (today, optional)"), validators=[Optional()])
    schedule_days = MultiCheckboxField(_l("Or every week, on these days"), choices=[
        ("0", _l("Mon")), ("1", _l("Tue")), ("2", _l("Wed")), ("3", _l("Thu")), ("4", _l("Fri")),
        ("5", _l("Sat")), ("6", _l("Sun"))])
    schedule_from = TimeField(_l("from"), validators=[Optional()])
    schedule_to = TimeField(_l("to"), validators=[Optional()])
    quiet_from = TimeField(_l("from"), validators=[Optional()])
    quiet_to = TimeField(_l("to"), validators=[Optional()])
    channels = RadioField(_l("How should we reach you?"), default="email", choices=[
        ("email", _l("By email")), ("sms,email", _l("By text message (SMS) first, then email")),
        ("email,sms", _l("By email first, then text message (SMS)"))])
    phone = TelField(_l("Mobile number, for texts"), validators=[Optional(), Length(max=32)])

    def validate_phone(self, field):
        if field.data:
            field.data = normalise_phone(field.data, for_texts=True)

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if "sms" in (self.channels.data or "") and not self.phone.data and not self.phone.errors:
            self.phone.errors = [*self.phone.errors, _l("Add your mobile number to get text messages.")]
            valid = False
        if (self.quiet_from.data is None) != (self.quiet_to.data is None) and not self.quiet_from.errors:
            self.quiet_to.errors = [*self.quiet_to.errors,
                                    _l("Give both the start and the end of your quiet hours, or neither.")]
            valid = False
        return valid

    def validate_schedule_to(self, field):
        if self.schedule_days.data and self.schedule_from.data and field.data and field.data <= self.schedule_from.data:
            raise ValidationError(_l("The end of your weekly hours must be after their start."))

    point = NeedForm.point


class PhoneCodeForm(Form):
    """Only its CSRF token: "Send me a code"."""


class PhoneCheckForm(Form):
    code = StringField(_l("The 6-digit code we texted you"), validators=[
        InputRequired(_l("Type the code from the text message.")), Length(max=20)])


class ReasonForm(Form):
    reason = StringField(_l("Reason (optional)"), render_kw=typed(), validators=[Optional(), Length(max=200)])


class MessageForm(Form):
    body = TextAreaField(_l("Message"), render_kw=typed(1000), validators=[
        InputRequired(_l("Write a message first.")), Length(max=1000, message=_l("Keep it under 1000 characters."))])


class ThanksForm(Form):
    thanks = TextAreaField(_l("A word of thanks for your volunteer (optional)"), render_kw=typed(1000), validators=[Optional(), Length(max=1000)])


class EtaForm(Form):
    eta = StringField(_l("When will you be there? (optional)"), render_kw=typed(), validators=[Optional(), Length(max=40)])


class DeleteAccountForm(Form):
    password = PasswordField(_l("Your password, to confirm"), validators=[
        InputRequired(_l("Enter your password to confirm.")), Length(max=200)])


class DeleteRequestForm(Form):
    """Only its CSRF token: the page that shows it is the confirmation."""
