"""Texts people send: each is read once (by MessageSid), tied to the sender's open offers, acted on,
and answered through the outbox, echoing the code and what happened. From a phone with no open
offers, a text that reads as a request for help becomes a need (aid.services.sms_intake), and a
bare YES or NO from a requester who asked for texts answers their "still needed?" check-in."""
from dataclasses import replace

import sqlalchemy as sa

from aid.extensions import db
from aid.models import HOLDING, InboundSms, MatchState, OutboxMessage, SmsOptOut
from aid.services import ServiceError, follow, matches, needs, outbox, sms_intake
from aid.sms.reply import parse
from aid.sms.resolve import Outcome, resolve
from aid.sms.words import Kind

ABOUT_OFFERS = {Kind.YES: (MatchState.OFFERED,), Kind.NO: (MatchState.OFFERED,),
                Kind.DONE: tuple(HOLDING), Kind.DROP: tuple(HOLDING)}


def receive(sid, number, body, now):
    """Handle one inbound text; False when this MessageSid was handled before (a replayed webhook).
    """
    try:
        with db.session.begin_nested():
            db.session.add(inbound := InboundSms(message_sid=sid, received_at=now))
    except sa.exc.IntegrityError:
        return False
    command = parse(body)
    if not outbox.opted_out(number) and not outbox.open_codes(number):  # perhaps a request for help
        intake = sms_intake.take(sid, number, body, command.kind, now)
        if intake is not None:
            inbound.kind = intake[:16]
            return True
        if _checkin_answer(sid, number, command, now):
            inbound.kind = str(command.kind)
            return True
    offers = outbox.open_codes(number, ABOUT_OFFERS.get(command.kind, outbox.EVERY_OPEN))
    resolution = resolve(command, list(offers), opted_out=outbox.opted_out(number))
    inbound.kind = str(resolution.command.kind)
    match = offers.get(resolution.code)
    if command.kind is Kind.YES and resolution.outcome is Outcome.NOT_YOURS:
        match = outbox.open_codes(number, (MatchState.WITHDRAWN,)).get(command.code)  # the slot filled first
    kind = _withdrawn(match) if match is not None and match.state == MatchState.WITHDRAWN else _act(
        resolution, match, now, number)
    if kind:
        args = {"code": resolution.code or (command.codes[:1] or [""])[0], "codes": list(resolution.choices)}
        # "taken" keeps its natural key: the "went to someone else" notice is the same message, sent once.
        outbox.tell(kind, _sender(number, match), need=match.need if match else None, match=match, args=args,
                    key="" if kind == "taken" else f"reply:{sid}")
    return True


def _withdrawn(match):
    """YES to an offer withdrawn first: they went off duty meanwhile, or its place went to someone else."""
    return "passed_on" if match.note == follow.OFF_DUTY else "taken"


def _checkin_answer(sid, number, command, now):
    """A bare YES or NO from a requester's phone: applied to their one need waiting for an answer;
    with none or several, they are asked to use their tracking link. False: not a requester's answer."""
    if command.kind not in (Kind.YES, Kind.NO) or command.codes or command.bad_codes:
        return False
    mine, asked = needs.by_phone(number)
    if not mine:
        return False
    if len(asked) == 1:
        needs.answer_by_text(asked[0], number, command.kind is Kind.YES, sid, now)
    else:
        outbox.tell("use_link", needs.by_text(mine[0], number), need=mine[0], key=f"reply:{sid}")
    return True


def _sender(number, match):
    """Who texted: the volunteer whose offer it is (this phone first), else the bare number."""
    if match is None:
        return outbox.phone(number, _user_of(number))
    person = outbox.volunteer(match.volunteer)
    return replace(person, addresses=(("sms", number),) + tuple(a for a in person.addresses if a[0] != "sms"))


def _act(resolution, match, now, number):
    """Carry out the command; returns the kind of answer to send (None: send nothing)."""
    kind = resolution.command.kind
    if resolution.outcome is not Outcome.OK:
        return str(resolution.outcome)
    if kind is Kind.STOP:
        if not outbox.opted_out(number):
            db.session.add(SmsOptOut(phone=number, created_at=now))
        sms_intake.forget(number)
        return "stopped"
    if kind is Kind.START:
        db.session.execute(sa.delete(SmsOptOut).where(SmsOptOut.phone == number))
        return "started"
    if outbox.opted_out(number):
        return None  # an opted-out number gets nothing more
    if kind is Kind.HELP:
        return "help"
    if kind is Kind.UNKNOWN or match is None:
        return "unknown"
    return _on_offer(kind, match, now)


def _on_offer(kind, match, now):
    try:
        if kind is Kind.YES:
            return _accepted(match, now)
        if kind is Kind.NO:
            matches.decline(match, "Said no by SMS", now)
            return "declined"
        if kind is Kind.DONE:
            matches.done(match, now)
            return "finished"
        matches.release(match, "Gave it back by SMS", now)
        return "released"
    except ServiceError:
        return "busy" if kind is Kind.YES else "not_yours"


def _accepted(match, now):
    """YES: the same conditional accept as the web page. The winner gets the address; the others, thanks."""
    if matches.accept(match, now) is matches.Accepted.YES:
        number = db.session.scalar(sa.select(OutboxMessage.to).where(
            OutboxMessage.match_id == match.id, OutboxMessage.kind == "offer", OutboxMessage.code != ""))
        outbox.tell("yours", _sender(number, match), need=match.need, match=match)
        return None
    return "taken"  # the same key as the "went to someone else" notice: they get one, not two


def _user_of(number):
    from aid.models import Volunteer

    return db.session.scalar(sa.select(Volunteer.user_id).where(
        Volunteer.phone == number, Volunteer.phone_verified_at.is_not(None)).limit(1))
