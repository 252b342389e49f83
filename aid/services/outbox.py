"""Writing messages to people into the outbox, in the transaction of the change that causes them.

A row is one message to one person on one channel; its unique key (kind, need, match, person,
channel, and what else tells two messages apart) means a cause applied twice, or a retried
job, never stores a second one. Each row is enqueued after the commit (aid.edge); the sweep
re-enqueues rows left behind. The person's channels are tried in their order: the first one
configured here, with an address, and not opted out gets the row; a permanent failure moves the
message to the next one (aid.services.delivery).
"""
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from aid import edge
from aid.adapters import queue
from aid.adapters.senders import channels
from aid.extensions import db
from aid.models import HOLDING, Match, MatchState, OutboxMessage, OutboxState, SmsOptOut, User
from aid.services import phone_numbers, push
from aid.sms import codes as offer_codes

EVERY_OPEN = (MatchState.OFFERED, *HOLDING)  # an offer waiting, or a task held

NO_CHANNEL = "no channel"
ALWAYS = frozenset({"stopped"})  # the one text an opted-out number still gets: the confirmation


@dataclass(frozen=True)
class Recipient:
    """Who a message is for: `addresses` are (channel, address) in their order of preference."""

    audience: str  # volunteer, coordinator, requester, phone
    addresses: tuple = ()
    user_id: int | None = None
    locale: str = "en"
    extra: dict = field(default_factory=dict)


def volunteer(vol):
    """A volunteer: their channels in their order; SMS only to a confirmed phone, push to a subscribed device."""
    known = {"email": vol.user.email if not vol.user.email.endswith("@invalid") else "",
             "sms": vol.phone if vol.phone_verified_at else "",
             "push": push.ADDRESS if push.devices(vol.user_id) else ""}
    order = [c for c in vol.channel_list if c in known] + [c for c in ("email",) if c not in vol.channel_list]
    return Recipient("volunteer", tuple((c, known[c]) for c in order if known[c]), vol.user_id,
                     _locale(vol.language_list[:1]))


def coordinator(user):
    return Recipient("coordinator", (("email", user.email),), user.id, "en")


def requester(need):
    """The person who asked: by SMS if they ticked "text me updates", else by email if they gave one."""
    phone = e164(need.contact_phone) if need.sms_updates else ""
    addresses = (("sms", phone),) * bool(phone) + (("email", need.contact_email),) * bool(need.contact_email)
    return Recipient("requester", addresses, None, _locale([need.language]))


def phone(number, user_id=None, locale="en"):
    """Whoever texted from `number`: answers go back to it."""
    return Recipient("phone", (("sms", number),), user_id, locale)


def tell(kind, recipient, *, need=None, match=None, args=None, key=""):
    """Store a message for `recipient` on their first usable channel; enqueued after the commit.

    Returns the row, or None when one with the same key is already stored (the cause was
    applied before). With no usable channel the row is stored as UNSENT for coordinators to read.
    """
    usable = _usable(kind, recipient.addresses)
    channel, to = usable[0] if usable else ("", "")
    return _store(kind, recipient, channel, to, need=need, match=match, args=args or {}, key=key)


def next_channel(row):
    """After a permanent failure of `row`: the same message on the person's next usable channel, or None."""
    person = recipient_of(row)
    if person is None:
        return None
    addresses = [a for a in person.addresses if a[0] != row.channel]
    after = [a for a in addresses if _rank(person, a[0]) > _rank(person, row.channel)]
    usable = _usable(row.kind, after)
    if not usable:
        return None
    return _store(row.kind, person, *usable[0], need=row.need, match_id=row.match_id, args=row.args,
                  key=row.key.rsplit(":", 1)[0], code=row.code or None)


def recipient_of(row):
    """The person a stored row is for, with their channels as they are now (None for a bare number)."""
    user = db.session.get(User, row.user_id) if row.user_id else None
    if row.audience == "volunteer" and user is not None and user.volunteer is not None:
        return volunteer(user.volunteer)
    if row.audience == "coordinator" and user is not None:
        return coordinator(user)
    if row.audience == "requester" and row.need is not None:
        return requester(row.need)
    return None


def _rank(person, channel):
    names = [c for c, _ in person.addresses]
    return names.index(channel) if channel in names else -1


def _store(kind, person, channel, to, *, need=None, match=None, match_id=None, args, key, code=None):
    match_id = match.id if match is not None else match_id
    # A match offered again (after a withdrawal) is a new offer: its messages are new ones too.
    offered = f"@{match.offered_at:%Y%m%d%H%M%S%f}" if match is not None and match.offered_at else ""
    base = key or f"{kind}:{need.id if need else '-'}:{match_id or '-'}{offered}:{person.audience}:{person.user_id or to}"
    full_key = f"{base}:{channel or 'none'}"
    if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.key == full_key)) is not None:
        return None
    if code is None and kind == "offer":
        code = offer_code(to) if channel == "sms" else ""
    elif code is None:  # a message about an offer texted with a code echoes that code
        code = match_code(match_id) if match_id and channel == "sms" else ""
    row = OutboxMessage(key=full_key, kind=kind, audience=person.audience, channel=channel, to=to,
                        user_id=person.user_id, need_id=need.id if need else None, match_id=match_id,
                        code=code, args=args, locale=person.locale)
    if not channel:
        row.state, row.error = OutboxState.UNSENT, NO_CHANNEL
    try:
        with db.session.begin_nested():  # another transaction stored the same key first: theirs stands
            db.session.add(row)
    except sa.exc.IntegrityError:
        return None
    if channel:
        edge.after_commit(queue.enqueue_delivery, row.id)
    return row


def _usable(kind, addresses):
    configured = channels()
    return [(c, to) for c, to in addresses if c in configured and to
            and not (c == "sms" and kind not in ALWAYS and opted_out(to))]


def opted_out(number):
    return db.session.get(SmsOptOut, number) is not None


def open_codes(number, states=EVERY_OPEN):
    """{code: match} of this phone's offers (texted with a code) whose match is in `states`."""
    rows = db.session.execute(
        sa.select(OutboxMessage.code, Match).join(Match, Match.id == OutboxMessage.match_id).where(
            OutboxMessage.to == number, OutboxMessage.kind == "offer", OutboxMessage.code != "",
            Match.state.in_(states)).order_by(OutboxMessage.id)).all()
    return {code: match for code, match in rows}


def offer_code(number):
    """A reply code for a new offer to this phone, unlike any of its offers still open."""
    return offer_codes.allocate(set(open_codes(number)))


def match_code(match_id):
    return db.session.scalar(sa.select(OutboxMessage.code).where(
        OutboxMessage.match_id == match_id, OutboxMessage.kind == "offer", OutboxMessage.code != "")) or ""


def e164(number):
    """A typed phone number in E.164, or "" when it is not a valid one (the forms' own reading)."""
    return phone_numbers.e164(number)


def _locale(codes):
    known = current_app.config["LANGUAGES"]
    return next((c for c in codes if c in known), "en")
