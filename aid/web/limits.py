"""How often people may ask for help: count what looks like abuse, not the people behind one address.

A shelter's wifi or a carrier's shared address puts many people behind one IP address, so
a valid, new need is never refused for what others at that address sent, short of a flood.
Four counters, each read from the configuration (RATELIMIT_ASK_*):

- address: every post from one address, against a ceiling only a flood reaches;
- failures: invalid posts from one address (a valid post neither counts nor is refused here);
- repeats: the very same need again (kind, words, place and contact), from any address;
- contact: needs stored for one phone number or email, the key that stands for one person
  (counted after the answer, and only when the need was stored).

The form (POST /ask) and the offline replay share the counters, so switching between them
gains nothing. A need refused by a limit is not lost: the form comes back with everything
typed (aid/web/errors.py) and the page keeps it in the phone's queue, which sends it later.
"""
import hashlib

from flask import current_app, g, request

from aid.extensions import limiter
from aid.web.forms import NeedForm


def _setting(name):
    return lambda: current_app.config[name]


def _need_fields():
    """The fields of this request's need if it is valid, else None; validated once per request.

    CSRF is checked before this by CSRFProtect (the form) or the origin check (the replay).
    """
    if "ask_fields" not in g:
        form = NeedForm(formdata=request.form, meta={"csrf": False})
        g.ask_fields = form.fields() if form.validate() else None
    return g.ask_fields


def _valid():
    return _need_fields() is not None


def _invalid():
    return _need_fields() is None


def same_need():
    """One key for the same need sent again: its kind, words, place and contact, hashed."""
    fields = _need_fields()
    parts = (fields["category"], " ".join(fields["details"].casefold().split()), fields["address"].casefold(),
             str(fields["lat"]), str(fields["lon"]), fields["contact_phone"], fields["contact_email"])
    return "need:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def same_contact():
    """The person behind the need: their phone number (E.164), else their email."""
    fields = _need_fields()
    return "contact:" + hashlib.sha256((fields["contact_phone"] or fields["contact_email"]).encode()).hexdigest()


def _stored(response):
    """The need was stored: the form moves on to its page (303 or HX-Redirect), a replay answers 201."""
    return response.status_code in (201, 303) or "HX-Redirect" in response.headers


address = limiter.shared_limit(_setting("RATELIMIT_ASK_ADDRESS"), scope="ask-address")
failures = limiter.shared_limit(_setting("RATELIMIT_ASK_FAILURES"), scope="ask-failures", exempt_when=_valid)
repeats = limiter.shared_limit(_setting("RATELIMIT_ASK_REPEATS"), scope="ask-repeats", key_func=same_need,
                               exempt_when=_invalid)
contact = limiter.shared_limit(_setting("RATELIMIT_ASK_CONTACT"), scope="ask-contact", key_func=same_contact,
                               exempt_when=_invalid, deduct_when=_stored)


def asking(view):
    """Put the four limits on asking for help on a view."""
    for limit in (address, failures, repeats, contact):
        view = limit(view)
    return view
