"""The purse's forms. Amounts stay text here: aid.services.purse_money reads them in the reader's locale."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from aid.services import FieldError, purse_money
from aid.web.forms import Form


class AmountForm(Form):
    """A form with an amount in the purse's currency, read in the reader's locale into `minor` units."""

    amount = StringField(_l("Amount"), validators=[Length(max=40)])

    def __init__(self, currency, **kwargs):
        super().__init__(**kwargs)
        self.currency, self.minor = currency, None

    def validate_amount(self, field):
        try:
            self.minor = purse_money.parse(field.data or "", self.currency)
        except FieldError as error:
            raise ValidationError(str(error)) from None


class OpenForm(Form):
    currency = SelectField(_l("Currency the purse is kept in"), validate_choice=True,
                           validators=[InputRequired(_l("Choose the currency the purse is kept in."))])


class ContributionForm(AmountForm):
    contributor = StringField(_l("From whom (optional)"), validators=[
        Optional(), Length(max=80, message=_l("Keep the name under 80 characters."))])
    name_shown = BooleanField(_l("Members may see this name (otherwise they read \"anonymous\")"))
    dated = DateField(_l("When it came in"), validators=[InputRequired(_l("Give the date the money came in."))])


class SpendForm(AmountForm):
    what = StringField(_l("What it pays for"), validators=[
        InputRequired(_l("Say what the money is for, for example \"prescription\".")),
        Length(max=140, message=_l("Keep it under 140 characters."))])
    need_id = SelectField(_l("For which request"), validate_choice=False)

    def validate_need_id(self, field):
        if field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose the request you are helping with."))


class PaidForm(Form):
    reference = StringField(_l("Payment reference (receipt or transfer number)"), validators=[Length(max=80)])


class RefuseForm(Form):
    reason = StringField(_l("Why not (optional)"), validators=[Optional(), Length(max=200)])


def field_error(form, error):
    """Show a service's FieldError next to its field (on the form as a whole if it has no such field)."""
    field = getattr(form, error.field, None) if isinstance(error, FieldError) else None
    if field is None:
        form.form_errors.append(str(error))
    else:
        field.errors = [*field.errors, str(error)]
