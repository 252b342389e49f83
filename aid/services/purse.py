"""The common purse's ledger: contributions in, spending out once a second coordinator approves it.

Money moves outside the app (cash, bank transfer); this is the honest record of it. Spending
goes requested → approved → paid (with the payment's reference), or refused / withdrawn.

The balance is debited at approval, not at request: a request is a question, an approval is
the union's word that the money goes. Approval is two conditional updates in one transaction,
so neither a race nor a retry can break the rules:

    UPDATE purse_entries SET state = 'approved' WHERE id = :id AND state = 'requested' AND created_by_id <> :me
    UPDATE purses SET balance = balance - :amount WHERE id = :purse AND balance >= :amount

Each row count is checked: the first refuses a second approval and the requester approving
their own request; the second refuses whatever would overdraw (and the caller rolls back).
"""
import sqlalchemy as sa
from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l

from aid.extensions import db
from aid.models import EntryKind, EntryState, Purse, PurseEntry, PurseEvent
from aid.services import FieldError, ServiceError
from aid.services.purse_access import Role, may_request_for, role
from aid.services.purse_money import show, to_major

OPENED = "opened"  # the purse's own first audit line; the others are EntryState values


def open_purse(union, currency, user, now):
    """Open the union's purse in an ISO 4217 currency, fixed from then on."""
    _require(role(user, union) == Role.COORDINATOR)
    if currency not in list_currencies():
        raise FieldError("currency", _l("Choose the currency the purse is kept in."))
    purse = Purse(union_id=union.id, currency=currency, balance=0, created_at=now)
    db.session.add(purse)
    db.session.flush()
    _audit(purse, None, user, OPENED, currency, now)
    return purse


def contribute(purse, amount, contributor, name_shown, dated, user, now):
    """Record money that came in (a coordinator): the balance grows by it at once."""
    _require(role(user, purse.union) == Role.COORDINATOR)
    entry = _entry(purse, EntryKind.CONTRIBUTION, EntryState.RECORDED, amount, user, now, dated=dated,
                   contributor=contributor.strip()[:80], name_shown=bool(name_shown and contributor.strip()))
    _move(purse, amount)
    _audit(purse, entry, user, EntryState.RECORDED, _plain(entry), now)
    return entry


def request_spend(purse, amount, what, need, user, now):
    """Ask the purse to pay for something (a coordinator, or the volunteer who accepted the need)."""
    if not what.strip():
        raise FieldError("what", _l("Say what the money is for, for example \"prescription\"."))
    manager = role(user, purse.union) == Role.COORDINATOR
    if need is None and not manager:
        raise FieldError("need_id", _l("Choose the request you are helping with."))
    if need is not None and not may_request_for(user, purse.union, need):
        raise FieldError("need_id", _l("You can ask for money only for a request you accepted."))
    entry = _entry(purse, EntryKind.SPEND, EntryState.REQUESTED, amount, user, now, what=what.strip()[:140],
                   need_id=need.id if need else None, dated=now.date())
    _audit(purse, entry, user, EntryState.REQUESTED, f"{_plain(entry)}: {entry.what}", now)
    return entry


def approve(entry, user, now):
    """A second coordinator approves spending; the balance is debited now, never below zero.

    Raises ServiceError, and the caller rolls back, when they asked for it themselves, when
    it is no longer waiting, or when the purse does not hold enough.
    """
    _require(role(user, entry.purse.union) == Role.COORDINATOR)
    if not _transition(entry, EntryState.REQUESTED, EntryState.APPROVED, PurseEntry.created_by_id != user.id,
                       approved_by_id=user.id, decided_at=now):
        if entry.created_by_id == user.id:
            raise ServiceError(_l("You asked for this spending, so another coordinator must approve it: "
                                  "nobody spends the common purse alone."))
        raise ServiceError(_l("This spending is no longer waiting for approval."))
    if not _move(entry.purse, -entry.amount):
        raise ServiceError(_l("Not enough in the purse: this needs %(amount)s and the balance is %(balance)s. "
                              "Nothing was approved.", amount=show(entry.amount, entry.purse.currency),
                              balance=show(_balance(entry.purse), entry.purse.currency)))
    _audit(entry.purse, entry, user, EntryState.APPROVED, _plain(entry), now)


def refuse(entry, user, reason, now):
    """A coordinator other than the one who asked says no to spending still waiting."""
    _require(role(user, entry.purse.union) == Role.COORDINATOR and entry.created_by_id != user.id)
    if not _transition(entry, EntryState.REQUESTED, EntryState.REFUSED, note=reason.strip()[:200], decided_at=now):
        raise ServiceError(_l("This spending is no longer waiting for approval."))
    _audit(entry.purse, entry, user, EntryState.REFUSED, reason.strip()[:200], now)


def withdraw(entry, user, now):
    """Call spending off: its requester while it waits; a coordinator also once approved and not yet paid
    (the approved amount goes back into the balance)."""
    manager = role(user, entry.purse.union) == Role.COORDINATOR
    _require(manager or entry.created_by_id == user.id)
    if _transition(entry, EntryState.REQUESTED, EntryState.WITHDRAWN, decided_at=now):
        return _audit(entry.purse, entry, user, EntryState.WITHDRAWN, _plain(entry), now)
    if manager and _transition(entry, EntryState.APPROVED, EntryState.WITHDRAWN, decided_at=now):
        _move(entry.purse, entry.amount)
        return _audit(entry.purse, entry, user, EntryState.WITHDRAWN, _plain(entry), now)
    raise ServiceError(_l("This spending can no longer be withdrawn."))


def mark_paid(entry, user, reference, now):
    """A coordinator records that the approved money was paid outside the app, with its reference."""
    _require(role(user, entry.purse.union) == Role.COORDINATOR)
    if not reference.strip():
        raise FieldError("reference", _l("Give the payment's reference, for example a receipt or transfer number."))
    if not _transition(entry, EntryState.APPROVED, EntryState.PAID, reference=reference.strip()[:80], paid_at=now):
        raise ServiceError(_l("Only approved spending can be marked paid."))
    _audit(entry.purse, entry, user, EntryState.PAID, entry.reference, now)


def _entry(purse, kind, state, amount, user, now, **fields):
    entry = PurseEntry(purse_id=purse.id, kind=kind, state=state, amount=amount, created_by_id=user.id,
                       created_at=now, **fields)
    db.session.add(entry)
    db.session.flush()
    return entry


def _move(purse, delta):
    """Add `delta` minor units to the balance in one statement; a debit happens only if it leaves it >= 0."""
    query = sa.update(Purse).where(Purse.id == purse.id).values(balance=Purse.balance + delta)
    if delta < 0:
        query = query.where(Purse.balance >= -delta)
    moved = db.session.execute(query.execution_options(synchronize_session=False)).rowcount == 1
    db.session.expire(purse, ["balance"])
    return moved


def _transition(entry, source, target, *conditions, **values):
    result = db.session.execute(
        sa.update(PurseEntry).where(PurseEntry.id == entry.id, PurseEntry.state == source, *conditions)
        .values(state=target, **values).execution_options(synchronize_session=False))
    db.session.refresh(entry)
    return result.rowcount == 1


def _balance(purse):
    return db.session.scalar(sa.select(Purse.balance).where(Purse.id == purse.id))


def _audit(purse, entry, user, kind, detail, now):
    """One line of the purse's trail; `detail` is data (an amount, a reference, a reason), the same in every language."""
    db.session.add(PurseEvent(purse_id=purse.id, entry_id=entry.id if entry else None, user_id=user.id,
                              kind=str(kind), detail=detail[:300], created_at=now))


def _plain(entry):
    """"12.40 GBP": the audit trail's own, locale-free way of writing an amount."""
    return f"{to_major(entry.amount, entry.purse.currency)} {entry.purse.currency}"


def _require(allowed):
    if not allowed:
        raise PermissionError("not allowed on this purse")
