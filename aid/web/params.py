"""Ids and counts read from URLs, forms and query strings: one check, so odd input is a 4xx, never a 500."""
import re

from flask import request
from werkzeug.routing import IntegerConverter, ValidationError

ID_MAX = 2**31 - 1  # PostgreSQL's integer; SQLite holds more, the same limit keeps both alike
DIGITS = re.compile(r"\d{1,10}")  # decimal digits of any script (int() reads "٤٢"), never "²" or "¹⁰"


def to_int(text, lo=1, hi=ID_MAX):
    """The whole number `text` spells, if it is one between lo and hi; else None.

    `str.isdigit()` is not enough: "²" passes it and int() refuses it, and an int Python
    accepts may be beyond the database's integer range (NumericValueOutOfRange).
    """
    if not isinstance(text, str) or not DIGITS.fullmatch(text.strip()):
        return None
    number = int(text.strip())
    return number if lo <= number <= hi else None


def form_id(name):
    """An id posted in a form field, or None when it is missing or cannot be an id."""
    return to_int(request.form.get(name, ""))


def query_int(name, lo=1, hi=ID_MAX):
    """A number from the query string, or None when it is missing or out of range."""
    return to_int(request.args.get(name, ""), lo, hi)


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL: a number too large for the database, or not one, is a 404."""

    def to_python(self, value):
        number = to_int(value, lo=0)
        if number is None:
            raise ValidationError()
        return number
