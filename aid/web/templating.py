"""Template filters: phone numbers people can read, links to a map, the matcher's reasons translated,
distances in the reader's number format, and the time left to answer an offer."""
import phonenumbers
import sqlalchemy as sa
from flask_babel import gettext, ngettext

from aid.models import Category, EventKind, Urgency
from aid.web.reasons import exclusion_detail, km, match_note, reasons


def phone(number):
    """+447700900123 → +44 7700 900123 (left as typed if it cannot be parsed)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def map_url(need):
    """A link that opens the exact point in OpenStreetMap (on any phone or computer)."""
    return f"https://www.openstreetmap.org/?mlat={need.lat:.6f}&mlon={need.lon:.6f}#map=18/{need.lat:.6f}/{need.lon:.6f}"


def area_url(need):
    """A link to the need's coarse public cell (not its exact point), for before acceptance."""
    zoom = 15 if need.cell_km <= 0.5 else 13
    return f"https://www.openstreetmap.org/?mlat={need.cell_lat:.5f}&mlon={need.cell_lon:.5f}#map={zoom}/{need.cell_lat:.5f}/{need.cell_lon:.5f}"


def answer_within(expires_at, now):
    """"Please answer within 40 min", or past 90 minutes in hours ("about 4 hours"): a count read at a glance."""
    minutes = max(int((expires_at - now).total_seconds() // 60), 1)
    if minutes <= 90:
        return gettext("Please answer within %(n)s min, then we ask someone else.", n=minutes)
    return ngettext("Please answer within about %(num)s hour, then we ask someone else.",
                    "Please answer within about %(num)s hours, then we ask someone else.", round(minutes / 60))


def _map_centre():
    """Where a pin map opens: the first union's centre (the demo's town), else 0, 0."""
    from aid.extensions import db
    from aid.models import Union

    first = db.session.execute(sa.select(Union.lat, Union.lon).order_by(Union.id).limit(1)).first()
    return tuple(first) if first else (0.0, 0.0)


def init_app(app):
    app.context_processor(lambda: {"map_centre": _map_centre})  # called only by the pin map
    app.add_template_filter(phone)
    app.add_template_filter(map_url)
    app.add_template_filter(area_url)
    for say in (reasons, exclusion_detail, match_note, km, answer_within):  # in the reader's words and numbers
        app.add_template_filter(say)
    for vocabulary in (Category, Urgency, EventKind):  # their labels, in the reader's language
        app.add_template_global(vocabulary)
