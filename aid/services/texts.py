"""The words of each outbox message, rendered in the person's language when it is sent.

Only the accepted volunteer's message ("yours") carries the exact place, name and phone;
every other message names the category, the urgency and a distance or the coarse area.
"""
from flask import current_app
from flask_babel import force_locale, gettext

from aid.adapters.channels import Message
from aid.models import utcnow
from aid.sms import segments

SMS_SEGMENTS = 2


def render(row, carried=()):
    """The Message for an outbox row: text (SMS cut to two segments), subject, link; in row.locale.

    With `carried` (other offers to the same person, aid.services.delivery): one digest of them all.
    """
    with force_locale(row.locale):
        values = _values(row)
        text = digest(row, carried) if carried else BODIES[row.kind](values)
        subject = gettext("%(union)s: a message about helping", union=values["union"])
        if row.channel == "push":
            return _push(row, text, subject, values)
    if row.channel == "sms":
        text = segments.fit(text, SMS_SEGMENTS)
    return Message(to=row.to, text=text, subject=subject, url=_link(row), key=row.key, ref=f"outbox:{row.id}")


def digest(row, carried):
    """Several offers in one text, most urgent first: on SMS each with its code, as many as fit in two
    segments and "and N more in the app" for the rest; by email each with its distance."""
    offers = sorted([row, *carried], key=lambda r: (-r.need.urgency.rank, r.id))
    items = [_item(r, _values(r)) for r in offers]
    union = _values(row)["union"]
    text = ""
    for shown in range(len(items), 0, -1):
        listed = ", ".join(items[:shown])
        if shown < len(items):
            listed += " " + gettext("and %(count)s more in the app", count=len(items) - shown)
        if row.channel == "sms":
            text = gettext("%(union)s: %(count)s requests near you: %(items)s. Reply YES and the code to take one.",
                           union=union, count=len(items), items=listed)
        else:
            text = gettext("%(union)s: %(count)s requests near you: %(items)s. Open your offers to take them or pass.",
                           union=union, count=len(items), items=listed)
        if row.channel != "sms" or segments.count(text) <= SMS_SEGMENTS:
            return text
    return text


def _item(row, values):
    code = f" {values['code']}" if row.channel == "sms" and values["code"] else ""
    return f"{values['category']}{code} ({values['km']} km)"


def _push(row, text, subject, values):
    """A notification: links are paths on this site (the service worker opens them), an offer has
    Accept and See buttons and waits no longer than the offer is open."""
    url, actions, ttl = _link(row, base=""), (), Message.ttl
    if row.kind == "offer" and row.match_id:
        url = f"/me/#offer-{row.match_id}"
        actions = ({"action": "accept", "title": gettext("Accept"), "url": f"/me/offers/{row.match_id}/accept"},
                   {"action": "see", "title": gettext("See the offer")})
        expires = values["expires_at"]
        if expires is not None:
            ttl = max(60, min(ttl, int((expires - utcnow()).total_seconds())))
    return Message(to=row.to, text=text, subject=subject, url=url, actions=actions, ttl=ttl, key=row.key,
                   ref=f"outbox:{row.id}")


def preview(row):
    """The text as it was (or would be) sent, for coordinators reading the outbox."""
    if row.need is not None and row.need.purged_at is not None:
        return ""
    with force_locale(row.locale):
        return BODIES[row.kind](_values(row))


def _values(row):
    need, args = row.need, row.args or {}
    match = need and next((m for m in need.matches if m.id == row.match_id), None)
    return {
        "union": need.union.name if need is not None and need.union is not None else current_app.config["SMS_SIGNATURE"],
        "category": str(need.category.label) if need is not None else "",
        "urgency": str(need.urgency.label).lower() if need is not None else "",
        "km": f"{match.distance_km:.0f}" if match is not None else "?",
        "code": row.code or args.get("code", ""),
        "codes": ", ".join(args.get("codes", ())) or "-",
        "name": _helper_name(match) if row.audience == "requester" else (need.contact_name if need else ""),
        "phone": need.contact_phone if need is not None else "",
        "address": (need.address or need.place_label) if need is not None else "",
        "id": need.id if need is not None else "",
        "expires_at": match.expires_at if match is not None else None,
        "eta": args.get("eta", ""),
    }


def _helper_name(match):
    return match.volunteer.user.first_name if match is not None else gettext("A volunteer")


def _link(row, base=None):
    base = current_app.config["PUBLIC_URL"].rstrip("/") if base is None else base
    if (not base and row.channel != "push") or row.channel == "sms":
        return None
    if row.audience == "volunteer":
        return f"{base}/me/"
    if row.audience == "coordinator" and row.need_id:
        return f"{base}/board/needs/{row.need_id}"
    return None


BODIES = {
    "offer": lambda v: gettext(
        "%(union)s: %(category)s, %(urgency)s, about %(km)s km. Reply YES %(code)s to take it, NO %(code)s to pass.",
        **v) if v["code"] else gettext(
        "%(union)s: %(category)s, %(urgency)s, about %(km)s km from you. Open your offers to take it or pass.", **v),
    "taken": lambda v: gettext(
        "%(union)s: the %(category)s task %(code)s went to someone else. Thank you for being ready to help!", **v),
    "yours": lambda v: gettext(
        "%(union)s: %(code)s is yours. %(name)s, %(phone)s, %(address)s. "
        "Reply DONE %(code)s when finished, DROP %(code)s to give it back.", **v),
    "accepted": lambda v: gettext("%(union)s: %(name)s is coming to help with your request.", **v),
    "done": lambda v: gettext("%(union)s: your request is marked done. Take care!", **v),
    "on_the_way": lambda v: gettext("%(union)s: %(name)s is on the way, about %(eta)s.", **v) if v["eta"] else gettext(
        "%(union)s: %(name)s is on the way.", **v),
    # The still-needed check-in by SMS, and the requester's answers (aid.services.needs).
    "still_needed": lambda v: gettext(
        "%(union)s: is your %(category)s request still needed? "
        "Reply YES to keep asking volunteers, NO to close it.", **v),
    "kept_open": lambda v: gettext("%(union)s: thank you, we are asking volunteers again for your %(category)s request.",
                                   **v),
    "closed_by_text": lambda v: gettext("%(union)s: your %(category)s request is closed. Take care!", **v),
    "use_link": lambda v: gettext(
        "%(union)s: please answer on the page of your request (the link we gave you when you asked).", **v),
    "escalated": lambda v: gettext("%(union)s: a %(category)s request (#%(id)s) is still unclaimed.", **v),
    "declined": lambda v: gettext("%(code)s: passed. Thank you for telling us.", **v),
    "finished": lambda v: gettext("%(code)s: marked done. Thank you!", **v),
    "released": lambda v: gettext("%(code)s: given back. We will ask someone else.", **v),
    "passed_on": lambda v: gettext("%(code)s: you went off duty, so we asked someone else. Thank you!", **v),
    "busy": lambda v: gettext("%(code)s: you already have as many tasks as you can take. Finish one first.", **v),
    "help": lambda v: gettext(
        "Reply YES and the code to take an offer, NO to pass, DONE when finished, DROP to give it back, "
        "STOP for no more texts. Open: %(codes)s", **v),
    "stopped": lambda v: gettext("You will get no more texts from us. Reply START to get them again.", **v),
    "started": lambda v: gettext("Texts are on again. Reply STOP to stop them.", **v),
    "bad_code": lambda v: gettext("That code does not look right. Your open codes: %(codes)s", **v),
    "not_yours": lambda v: gettext("%(code)s is no longer open for you. Your open codes: %(codes)s", **v),
    "no_offers": lambda v: gettext("You have no open offers right now.", **v),
    "ambiguous": lambda v: gettext("Which one? Reply with its code: %(codes)s", **v),
    "unknown": lambda v: gettext("Sorry, we did not understand. Reply HELP for the words we know.", **v),
    "verify": lambda v: gettext("%(union)s: your code is %(code)s", **v),
    # Shared things (aid.services.things_booking): a member's thing held for a request, for them to confirm.
    "thing_held": lambda v: gettext(
        "%(union)s: a %(category)s request asks to borrow something you lend. Open Things to say yes or no.", **v),
    # A request texted to the number (aid.services.sms_intake), answered in the language it was written in.
    "intake_got": lambda v: gettext(
        "%(union)s: got it, %(category)s near %(address)s. Ref %(id)s. "
        "We will text you when someone is coming. Reply STOP to stop.", **v),
    "intake_where": lambda v: gettext("%(union)s: where are you? Reply with a street or village.", **v),
    "intake_limit": lambda v: gettext(
        "%(union)s: we already have your requests from today and are working on them. "
        "Please text again tomorrow for anything new.", **v),
}
