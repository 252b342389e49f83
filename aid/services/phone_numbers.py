"""Phone numbers as people type them: read into E.164, or say plainly what is wrong with one.

One reader serves every phone field (a need's contact, a volunteer's mobile) and the SMS side
(`aid.services.outbox.e164`), so a number a form accepts is one we can text, and a refusal
names the actual problem: letters, too few or too many digits, a country code nobody uses, a
range no phone uses (the UK's 07700 900xxx drama numbers are well formed but never given
out), or a landline where texts need a mobile. phonenumbers tells these apart: a *possible*
number has a plausible length for its country, a *valid* one lies in a range that is in use,
and its type says whether it is a mobile.
"""
import re

import phonenumbers
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from aid.services import ServiceError

TYPED = re.compile(r"\+?[\d\s().-]{1,30}")  # digits of any script; no letters ("9OO" is read as keypad digits)
NO_TEXTS = {PhoneNumberType.FIXED_LINE, PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE,
            PhoneNumberType.SHARED_COST, PhoneNumberType.UAN, PhoneNumberType.VOICEMAIL}
# Examples, isolated left to right like _shown(): a real Lewes number, in the demo's own country.
EXAMPLE = "\u206601273 471600\u2069"
EXAMPLE_INTERNATIONAL = "\u2066+44 1273 471600\u2069"


def read(text, for_texts=False):
    """The E.164 form of a typed number; a ServiceError whose message says what is wrong with it.

    With for_texts, a valid number that cannot receive texts (a landline, a free or premium
    service number) is refused too; a number whose type is not known is given the benefit of
    the doubt.
    """
    number = _parse(text.strip())
    if not phonenumbers.is_valid_number(number):
        raise ServiceError(_wrong_range(text.strip(), number))
    if for_texts and phonenumbers.number_type(number) in NO_TEXTS:
        raise ServiceError(_("%(number)s is a landline or service number, which cannot get texts. "
                             "Please give a mobile number.", number=_shown(number)))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164(text):
    """The E.164 form of a number, or "" when read() would refuse it."""
    try:
        return read(text or "")
    except ServiceError:
        return ""


def can_text(text):
    """Whether a valid number may receive texts (not a landline or a service number)."""
    try:
        return bool(read(text or "", for_texts=True))
    except ServiceError:
        return False


def _parse(text):
    if not TYPED.fullmatch(text):
        raise ServiceError(_("Use only digits, spaces and a + at the start, like %(example)s or %(international)s.",
                             example=EXAMPLE, international=EXAMPLE_INTERNATIONAL))
    try:
        number = phonenumbers.parse(text, current_app.config["PHONE_REGION"])
    except NumberParseException as error:
        raise ServiceError(_too_short() if error.error_type in (
            NumberParseException.NOT_A_NUMBER, NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD) else _unknown_country()) from None
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == ValidationResult.INVALID_COUNTRY_CODE:
        raise ServiceError(_unknown_country())
    if reason in (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        raise ServiceError(_too_short())
    if reason == ValidationResult.TOO_LONG:
        raise ServiceError(_("That number has too many digits (%(country)s). Please check it.",
                             country=_country(number)))
    if reason == ValidationResult.INVALID_LENGTH:
        raise ServiceError(_("That number does not have the right number of digits (%(country)s). "
                             "Please check it.", country=_country(number)))
    return number


def _wrong_range(text, number):
    return _("%(number)s looks like a phone number, but no phone uses it (%(country)s): numbers like it "
             "are reserved, not given out yet, or mistyped. Please check it.",
             number=_isolated(text), country=_country(number))


def _too_short():
    return _("That number is too short. Give the whole number with its area code, like %(example)s.",
             example=EXAMPLE)


def _unknown_country():
    return _("We don't know that country code. After the +, give the country code, like %(international)s.",
             international=EXAMPLE_INTERNATIONAL)


def _country(number):
    """The number's country in the reader's language ("Reino Unido"), from its country code."""
    home = current_app.config["PHONE_REGION"]
    regions = phonenumbers.region_codes_for_country_code(number.country_code)
    region = home if home in regions else (regions[0] if regions else home)
    return get_locale().territories.get(region, region)


def _shown(number):
    """The number as dialled at home ("07700 900123"), else internationally; kept left to right.

    Isolated (U+2066 … U+2069): in an Arabic sentence "07700 900123" would otherwise show its
    two groups of digits in reverse order.
    """
    home = phonenumbers.region_codes_for_country_code(number.country_code)
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if current_app.config["PHONE_REGION"] in home
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return _isolated(phonenumbers.format_number(number, style))


def _isolated(text):
    return "\u2066" + text + "\u2069"
