"""Tie a parsed command to one of the sender's open offers, or say why it cannot be."""
from dataclasses import dataclass
from enum import StrEnum

from aid.sms.reply import OFFER_KINDS, Command
from aid.sms.words import Kind


class Outcome(StrEnum):
    OK = "ok"  # act on command.kind (and on `code` for YES, NO, DONE, DROP)
    AMBIGUOUS = "ambiguous"  # ask which: `choices` lists the open codes
    NOT_YOURS = "not_yours"  # the code is valid but not open for this phone (expired, taken, someone else's)
    NO_OFFERS = "no_offers"  # a bare YES, NO, DONE or DROP while nothing is open
    BAD_CODE = "bad_code"  # "that code doesn't look right": command.bad_codes holds what was typed


@dataclass(frozen=True, slots=True)
class Resolution:
    """What to do: the outcome, the (possibly rewritten) command, the offer's code, the codes to list."""

    outcome: Outcome
    command: Command
    code: str | None = None
    choices: tuple[str, ...] = ()


def resolve(command: Command, open_codes: list[str], *, opted_out: bool = False) -> Resolution:
    """Decide which open offer `command` is about; `open_codes` are this phone's, duplicates counted once.

    Rules, first that applies:
    1. opted out, a bare YES (no code, no bad code) and nothing open → the command becomes
       START: on several platforms YES is an opt-in keyword, and with no offer it can mean nothing else;
    2. HELP, STOP, START and UNKNOWN are about no offer → OK with no code (HELP lists
       the open codes in `choices`, the others list none);
    3. a bad code anywhere in the text → BAD_CODE, even beside a good one: never guessed;
    4. two valid codes or more → AMBIGUOUS: one command per text;
    5. one valid code → OK if it is open, else NOT_YOURS;
    6. no code: one open → OK with that code; none → NO_OFFERS; several → AMBIGUOUS.
    Every outcome but OK (and OK for HELP) lists the open codes in `choices`, in the given order.
    """
    open_ = tuple(dict.fromkeys(open_codes))
    bare = not command.codes and not command.bad_codes
    if opted_out and command.kind is Kind.YES and bare and not open_:
        return Resolution(Outcome.OK, Command(Kind.START))
    if command.kind not in OFFER_KINDS:
        return Resolution(Outcome.OK, command, None, open_ if command.kind is Kind.HELP else ())
    if command.bad_codes:
        return Resolution(Outcome.BAD_CODE, command, None, open_)
    if len(command.codes) > 1:
        return Resolution(Outcome.AMBIGUOUS, command, None, open_)
    if command.code is not None:
        ok = command.code in open_
        return Resolution(Outcome.OK if ok else Outcome.NOT_YOURS, command, command.code if ok else None,
                          () if ok else open_)
    if len(open_) == 1:
        return Resolution(Outcome.OK, command, open_[0])
    return Resolution(Outcome.NO_OFFERS if not open_ else Outcome.AMBIGUOUS, command, None, open_)
