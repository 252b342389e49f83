"""The transaction edge: services queue what must follow a commit; views and jobs commit once.

A service that causes work for later (a job to enqueue, a notice to send) registers it
with `after_commit(func, *ids)` on the session it flushed into. The edge (a view or a job)
calls `commit()`: the transaction commits, then the queued calls run, in order. If it rolls
back instead, or fails to commit, they are dropped: nothing is announced that did not happen.

    def accept(match_id):                     # a view
        outcome = matches.accept(match, now)  # the service flushes and may call after_commit
        edge.commit()                         # commit, then enqueue/send what it queued

Only ids cross the edge: the queued calls run after the transaction, outside it, and may
open a new one of their own.
"""
import logging

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from aid.database import READ_ONLY_METHODS
from aid.extensions import db

log = logging.getLogger(__name__)

QUEUED = "aid_after_commit"  # registered in the open transaction
COMMITTED = "aid_committed"  # their transaction committed: ready to run


class WriteOnRead(RuntimeError):
    """A GET (or HEAD, OPTIONS) tried to change the database."""


def after_commit(func, *args):
    """Call func(*args) once the current transaction commits; dropped if it rolls back."""
    db.session.info.setdefault(QUEUED, []).append((func, args))


def commit():
    """Commit the unit of work, then run what its services queued for after the commit."""
    try:
        db.session.commit()
    except Exception:
        rollback()
        raise
    run_committed(db.session)


def rollback():
    """Roll back the unit of work and drop what it queued."""
    db.session.rollback()
    db.session.info.pop(QUEUED, None)


def run_committed(session):
    """Run the calls whose transaction committed; one that fails is logged, the rest still run."""
    for func, args in session.info.pop(COMMITTED, []):
        try:
            func(*args)
        except Exception:  # the person's change is stored: a failed follow-up is the sweep's to redo
            log.exception("after-commit call %s failed", getattr(func, "__name__", func))


@event.listens_for(Session, "after_commit")
def _committed(session):
    session.info.setdefault(COMMITTED, []).extend(session.info.pop(QUEUED, []))


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session, _previous_transaction):
    session.info.pop(QUEUED, None)


def _reading():
    return has_request_context() and request.method in READ_ONLY_METHODS


@event.listens_for(Session, "before_flush")
def _no_flush_on_read(session, _flush_context, _instances):
    """A GET never writes: SQLite's write lock is taken by method, and answers are cached by ETag."""
    if _reading() and (session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)):
        raise WriteOnRead(f"{request.method} {request.path} tried to change the database")


@event.listens_for(Session, "do_orm_execute")
def _no_statement_writes_on_read(state):
    if _reading() and (state.is_insert or state.is_update or state.is_delete):
        raise WriteOnRead(f"{request.method} {request.path} tried to change the database")


def init_app(app):
    @app.teardown_request
    def _leftovers(_error):
        # A view that committed without the edge: its follow-ups would otherwise wait for
        # someone else's commit. Run them now, still after their own commit.
        if db.session.info.get(COMMITTED):
            log.warning("after-commit calls left by %s: run at teardown", request.endpoint)
            run_committed(db.session)
