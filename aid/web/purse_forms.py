"""The purse's forms. Amounts stay text here: aid.services.purse_money reads them in the reader's locale."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from aid.services import FieldError
from aid.web.forms import Form

AMOUNT_HINT = _l("In %(currency)s, for example %(example)s.")


class OpenForm(Form):
    currency = SelectField(_l("Currency the purse is kept in"), validate_choice=True,
                           validators=[InputRequired(_l("Choose the currency the purse is kept in."))])


class ContributionForm(Form):
    amount = StringField(_l("Amount"), validators=[Length(max=40)])
    contributor = StringField(_l("From whom (optional)"), validators=[
        Optional(), Length(max=80, message=_l("Keep the name under 80 characters."))])
    name_shown = BooleanField(_l("Members may see this name (otherwise they read \"anonymous\")"))
    dated = DateField(_l("When it came in"), validators=[InputRequired(_l("Give the date the money came in."))])


class SpendForm(Form):
    amount = StringField(_l("Amount"), validators=[Length(max=40)])
    what = StringField(_l("What it pays for"), validators=[
        InputRequired(_l("Say what the money is for, for example \"prescription\".")),
        Length(max=140, message=_l("Keep it under 140 characters."))])
    need_id = SelectField(_l("For which request"), validate_choice=True)


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
