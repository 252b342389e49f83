"""Concurrent approvals on separate connections with real commits: the purse never goes below zero."""
from collections import Counter

import pytest
import sqlalchemy as sa

from aid.extensions import db
from aid.models import EntryState, PurseEntry, PurseEvent, utcnow
from aid.services import ServiceError
from aid.services import purse as ledger
from tests.conftest import at_once
from tests.integration import purse_world as world

THREADS = 12


def _requests(app, balance, amounts):
    """A purse holding `balance`, and one spending request by Rosa for each amount; returns (ids, entry ids)."""
    with app.app_context():
        ids = world.build(balance=balance)
        rosa, purse = world.user(ids["rosa"]), world.purse(ids["purse"])
        entry_ids = [ledger.request_spend(purse, amount, f"item {i}", None, rosa, utcnow()).id
                     for i, amount in enumerate(amounts)]
        db.session.commit()
        return ids, entry_ids


def _approve_all_at_once(app, approver_id, entry_ids):
    """Each entry approved in its own thread, on its own connection, committed like a request would."""
    def approve(entry_id):
        with app.app_context():
            try:
                ledger.approve(db.session.get(PurseEntry, entry_id), world.user(approver_id), utcnow())
                db.session.commit()
                return "approved"
            except ServiceError as error:
                db.session.rollback()
                return "overdraw" if "Not enough" in str(error) else "not waiting"
            finally:
                db.session.remove()

    return at_once([lambda e=e: approve(e) for e in entry_ids])


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_approvals_that_together_would_overdraw_pass_exactly_as_many_as_the_purse_holds(make, round_):
    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 6})
    ids, entry_ids = _requests(app, balance=1000, amounts=[300] * THREADS)
    duplicates = entry_ids[:4]  # the same requests approved twice at once, too
    outcomes = Counter(_approve_all_at_once(app, ids["carl"], entry_ids + duplicates))
    assert outcomes["approved"] == 3, outcomes
    assert outcomes["overdraw"] + outcomes["not waiting"] == THREADS + 4 - 3
    with app.app_context():
        states = Counter(db.session.scalars(sa.select(PurseEntry.state).where(PurseEntry.id.in_(entry_ids))))
        assert states == {EntryState.APPROVED: 3, EntryState.REQUESTED: THREADS - 3}
        assert world.balance(ids["purse"]) == 100
        approvals = db.session.scalar(sa.select(sa.func.count()).select_from(PurseEvent).where(
            PurseEvent.kind == "approved"))
        assert approvals == 3  # a refused approval leaves no line on the trail


def test_concurrent_approvals_of_different_amounts_never_overdraw_and_refuse_only_what_no_longer_fits(make):
    app = make(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS + 4})
    amounts = [110, 250, 75, 400, 90, 330, 205, 60, 180, 145, 520, 95]
    ids, entry_ids = _requests(app, balance=1000, amounts=amounts)
    outcomes = _approve_all_at_once(app, ids["carl"], entry_ids)
    assert set(outcomes) <= {"approved", "overdraw"}, outcomes
    with app.app_context():
        left = world.balance(ids["purse"])
        rows = world.entries(ids["purse"])
        approved = [e.amount for e in rows if e.state == EntryState.APPROVED]
        waiting = [e.amount for e in rows if e.state == EntryState.REQUESTED]
        assert left >= 0 and left == 1000 - sum(approved)
        assert sorted(approved + waiting) == sorted(amounts)
        # The balance only fell during the race, so each refusal was right at its time and still is.
        assert all(amount > left for amount in waiting), (left, waiting)
