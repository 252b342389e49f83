"""Money as people type and read it: amounts in the reader's locale, stored as integer minor units.

Babel knows each currency's minor units (2 for GBP and EUR, 0 for JPY, 3 for KWD) and each
locale's separators ("12.40" in English, "12,40" in Spanish). Digits of any script are read
("١٢٫٤٠" in Arabic-Indic digits, with the Arabic decimal and thousands marks). Nothing here
goes through a float.
"""
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from babel.numbers import (
    NumberFormatError,
    get_currency_precision,
    get_decimal_symbol,
    get_group_symbol,
    get_territory_currencies,
    list_currencies,
    parse_decimal,
)
from flask_babel import format_currency, get_locale
from flask_babel import lazy_gettext as _l

from aid.services import FieldError

MAX_MAJOR = 10_000_000  # no single entry of a mutual-aid purse is ten million of anything
ARABIC_DECIMAL, ARABIC_GROUP = "\u066b", "\u066c"


def precision(currency):
    """How many minor units digits the currency has: 2 for GBP, 0 for JPY, 3 for KWD."""
    return get_currency_precision(currency)


def to_minor(amount, currency):
    """A Decimal amount in major units as an int of minor units; None if it has more decimals than the currency."""
    minor = amount.scaleb(precision(currency))
    return int(minor) if minor == minor.to_integral_value() else None


def to_major(minor, currency):
    """Stored minor units back to an exact Decimal of major units."""
    return Decimal(minor).scaleb(-precision(currency))


def show(minor, currency):
    """An amount as the reader's locale writes it: "£12.40", "12,40 €", "‏12.40 UK£"."""
    return format_currency(to_major(minor, currency), currency)


def parse(text, currency, field="amount", locale=None):
    """What a person typed, in their locale, as positive minor units of `currency`.

    Raises FieldError with a message they can act on: not a number, the wrong decimal
    mark, more decimals than the currency has, zero, or too large.
    """
    locale = str(locale or get_locale())
    if not (text or "").strip():
        raise FieldError(field, _l("Write an amount, for example %(example)s.", example=example(currency, locale)))
    try:
        amount = parse_decimal(_normalise(text, locale), locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation):
        raise FieldError(field, _l("Write the amount as a number, for example %(example)s.",
                                   example=example(currency, locale))) from None
    return _checked(amount, currency, field)


def _checked(amount, currency, field):
    if not amount.is_finite() or amount <= 0:
        raise FieldError(field, _l("The amount must be more than zero."))
    if amount > MAX_MAJOR:
        raise FieldError(field, _l("That amount is too large for one entry."))
    minor = to_minor(amount, currency)
    if minor is None and not precision(currency):
        raise FieldError(field, _l("%(currency)s has no decimals: write a whole number.", currency=currency))
    if minor is None:
        raise FieldError(field, _l("%(currency)s has at most %(n)s decimal places.", currency=currency,
                                   n=precision(currency)))
    return minor


def _normalise(text, locale):
    """Digits of any script as ASCII, the Arabic marks as the locale's; only digits and separators stay.

    Signs, exponents, "NaN" and "Infinity" (which Decimal would accept) leave it empty, which Babel refuses.
    """
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    text = (text or "").strip().replace(ARABIC_DECIMAL, decimal).replace(ARABIC_GROUP, group)
    text = "".join(str(unicodedata.decimal(c)) if unicodedata.category(c) == "Nd" else c for c in text)
    allowed = re.escape(decimal + group) + ("\u00a0\u202f " if group.isspace() else "")
    return text if re.fullmatch(rf"[0-9][0-9{allowed}]*", text) else ""


def example(currency, locale):
    """Twelve and forty hundredths ("12.40", "12,40", "12,400"; "12" without minor units) as the locale writes it."""
    digits = precision(currency)
    return "12" + (get_decimal_symbol(locale) + "40".ljust(digits, "0") if digits else "")


def currencies(locale):
    """(code, "code · name") of every ISO 4217 currency Babel knows, by code."""
    from babel.numbers import get_currency_name

    return [(code, f"{code} · {get_currency_name(code, locale=locale)}") for code in sorted(list_currencies())]


def default_currency(region):
    """The currency in use today in a country (the site's PHONE_REGION), else euros."""
    found = get_territory_currencies(region or "", tender=True, non_tender=False)
    return found[0] if found else "EUR"
