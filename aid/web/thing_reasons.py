"""Template filters for things: times in the site's zone, the matcher's thing reasons in the reader's language."""
from datetime import date, datetime

from flask_babel import format_date, format_datetime, ngettext
from flask_babel import gettext as _

from aid.matching import things as codes
from aid.matching.types import Reason
from aid.models import ThingKind
from aid.web.reasons import km
from aid.web.reasons import say as say_volunteer_reason
from aid.web.thing_forms import ThingAskForm, to_local

UNITS = {  # "3 beds left"
    "bed_room": lambda n: ngettext("%(num)s bed left", "%(num)s beds left", n),
    "vehicle": lambda n: ngettext("%(num)s vehicle left", "%(num)s vehicles left", n),
    "tool": lambda n: ngettext("%(num)s left", "%(num)s left", n),
    "food": lambda n: ngettext("%(num)s portion left", "%(num)s portions left", n),
}


def when(stored, pattern="EEE d MMM HH:mm"):
    """A stored (UTC) time in the site's zone and the reader's language: "Sat 6 Dec 10:00"."""
    return format_datetime(to_local(stored), pattern, rebase=False) if stored else ""


def span(starts, ends):
    """"Sat 6 Dec 10:00 to 14:00", or to another day's time."""
    same_day = to_local(starts).date() == to_local(ends).date()
    return _("%(starts)s to %(ends)s", starts=when(starts), ends=when(ends, "HH:mm" if same_day else "EEE d MMM HH:mm"))


def _iso(value):
    return datetime.fromisoformat(value)


SAY = {
    codes.FREE: lambda a: _("free %(span)s", span=span(_iso(a["starts"]), _iso(a["ends"]))),
    codes.LEFT: lambda a: UNITS.get(a.get("kind"), UNITS["tool"])(a["n"]),
    codes.BEST_BEFORE: lambda a: _("best before %(day)s", day=format_date(date.fromisoformat(a["day"]), "d MMM")),
    codes.TOO_FAR: lambda a: _("%(km)s km away, too far", km=km(a["km"])),
    codes.NOT_OFFERED: lambda a: _("not offered at that time"),
    codes.BOOKED: lambda a: _("booked %(span)s for another need", span=span(_iso(a["starts"]), _iso(a["ends"]))),
    codes.NOT_ENOUGH: lambda a: _("only %(n)s left", n=a["n"]),
    codes.SPOILED: lambda a: _("past its best-before date"),
    codes.VETTED_ONLY: lambda a: _("only for volunteers whose ID is checked"),
    codes.ALREADY_ASKED: lambda a: _("already asked for this need"),
    codes.HELPERS_OWN: lambda a: _("the helper's own"),
}


def thing_reasons(items):
    """Stored reasons ([{"code": ..., **args}] or Reason values) joined by " · " in the reader's language."""
    reasons = [r if isinstance(r, Reason) else Reason.load(r) for r in items or ()]
    return " · ".join(SAY[r.code](r.kwargs) if r.code in SAY else say_volunteer_reason(r, {}) for r in reasons)


def kind_name(kind):
    return ThingKind(str(kind)).label


def init_app(state):
    """Registered by the things blueprint for every template."""
    for name, func in (("when", when), ("span", span), ("thing_reasons", thing_reasons), ("kind_name", kind_name)):
        state.app.add_template_filter(func, name)
    state.app.add_template_global(ThingAskForm, "thing_ask_form")  # the ask form's thing part, as posted
    state.app.add_template_global(thing_slots, "thing_slots")


def thing_slots(need):
    """The things a need asks for, each with its booking (for the requester's page)."""
    from aid.services.things_matching import slots_of

    return slots_of(need)
