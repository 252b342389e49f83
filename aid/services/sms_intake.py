"""A request texted to the number ("need food for 2 at Barcombe") becomes a need with that phone as contact.

The text is read by aid.sms.intake. With a place the need is stored at once and the answer
says what was understood, with a reference; without one we ask where, and the next text
from that phone (within SMS_INTAKE_MINUTES) is the place. The waiting conversation is one
row a phone, claimed by deleting it, so a conversation makes one need however often it is
answered. At most SMS_INTAKE_PER_DAY new needs a day come from one phone.
"""
from dataclasses import replace
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from aid.extensions import db
from aid.models import Category, Need, SmsIntake, Urgency
from aid.services import needs, outbox
from aid.sms.intake import read_request
from aid.sms.words import Kind

NOT_A_PLACE = (Kind.STOP, Kind.START, Kind.HELP)  # still commands while we wait for the place


def take(sid, number, body, kind, now):
    """Handle the text as a request or as the place of one; the kind of answer sent, or None when it is neither.

    Called only for a number that is not opted out and has no open offers.
    """
    waiting = _waiting(number, now)
    if waiting is not None and kind not in NOT_A_PLACE:
        return _placed(sid, number, body, waiting, now)
    if kind is not Kind.UNKNOWN:
        return None
    draft = read_request(body)
    if draft.category == Category.OTHER and not (draft.place and (draft.people or draft.urgent)):
        return None  # nothing that reads as a request: the usual "did not understand"
    if _over_limit(number, now):
        return _answer("intake_limit", sid, number, draft.lang)
    if draft.place:
        return _create(sid, number, draft.category, draft.urgent, draft.lang, draft.place, body, now)
    db.session.execute(sa.delete(SmsIntake).where(SmsIntake.phone == number))  # a new request replaces the old
    try:
        with db.session.begin_nested():
            db.session.add(SmsIntake(phone=number, category=draft.category, urgent=draft.urgent, lang=draft.lang,
                                     text=body[:1600], created_at=now, expires_at=now + _minutes()))
    except sa.exc.IntegrityError:
        return "intake_raced"  # another text from this phone started one at the same moment: that one asks
    return _answer("intake_where", sid, number, draft.lang)


def forget(number):
    """STOP: the request waiting for a place is dropped."""
    db.session.execute(sa.delete(SmsIntake).where(SmsIntake.phone == number))


def purge(now):
    """Drop the conversations nobody answered in time; returns how many."""
    return db.session.execute(sa.delete(SmsIntake).where(SmsIntake.expires_at <= now)).rowcount


def _waiting(number, now):
    row = db.session.get(SmsIntake, number)
    if row is not None and row.expires_at <= now:
        db.session.delete(row)  # forgotten: this text is read afresh
        db.session.flush()
        return None
    return row


def _placed(sid, number, body, waiting, now):
    """The answer to "where are you?": claim the conversation (once), then store the need."""
    category, urgent, lang, text = waiting.category, waiting.urgent, waiting.lang, waiting.text
    claimed = db.session.execute(sa.delete(SmsIntake).where(
        SmsIntake.phone == number, SmsIntake.expires_at > now).execution_options(synchronize_session=False)).rowcount
    if waiting in db.session:
        db.session.expunge(waiting)  # deleted in the database, not by the session
    if claimed != 1:
        return "intake_claimed"  # another delivery of an answer took it first: it answers
    place = (read_request(body).place or " ".join(body.split()))[:200]
    if _over_limit(number, now):
        return _answer("intake_limit", sid, number, lang)
    return _create(sid, number, category, urgent, lang, place, f"{text}\n{body}", now)


def _create(sid, number, category, urgent, lang, place, text, now):
    fields = dict(category=Category(category), details=text.strip()[:2000], summary="",
                  urgency=Urgency.HIGH if urgent else Urgency.NORMAL, people=1, address=place,
                  contact_name="", contact_phone=number, sms_updates=True, on_site_name="", contact_email="",
                  language=lang, language_required=False, lat=None, lon=None, client_id=f"sms:{sid}"[:64])
    need, _token, _work = needs.create_need(fields, now)
    answer = replace(outbox.requester(need), addresses=(("sms", number),))  # to the phone that texted, as is
    outbox.tell("intake_got", answer, need=need, key=f"reply:{sid}")
    return "intake_got"


def _answer(kind, sid, number, lang):
    outbox.tell(kind, outbox.phone(number, locale=lang), key=f"reply:{sid}")
    return kind


def _over_limit(number, now):
    today = db.session.scalar(sa.select(sa.func.count(Need.id)).where(
        Need.contact_phone == number, Need.created_at > now - timedelta(days=1)))
    return today >= current_app.config["SMS_INTAKE_PER_DAY"]


def _minutes():
    return timedelta(minutes=current_app.config["SMS_INTAKE_MINUTES"])
