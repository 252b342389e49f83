"""Job functions: they take ids, re-check state, commit once, and are safe to run twice."""
import logging

from aid import edge
from aid.adapters.notify import notifier
from aid.adapters.queue import backend, dispatch, work_job_id
from aid.extensions import db
from aid.models import utcnow
from aid.services import background, batch, work

log = logging.getLogger(__name__)


def run_pending(work_id):
    """Carry out one pending-work row (locate and match a need), unless already done."""
    try:
        notices = background.perform(work_id, utcnow())
        edge.commit()
    finally:
        db.session.remove()
    send(notices)


def sweep():
    """Expire overdue offers, queue the next waves, and put back on the queue any work lost from it.

    Returns how many work items it enqueued; 0 when another sweep was running.
    """
    try:
        swept = background.sweep(utcnow())
        edge.commit()  # and the edge enqueues the new work
    finally:
        db.session.remove()
    if swept is None:
        log.info("another sweep is running: this one skipped")
        return 0
    work_ids, notices = swept
    send(notices)
    return len(work_ids) + requeue_lost()


def requeue_lost():
    """Enqueue every unfinished row whose job is gone, counting an attempt for each that got through.

    No transaction is open while the queue is asked: on SQLite that would hold the write lock.
    """
    try:
        candidates = {work_job_id(work_id): work_id for work_id in work.due(utcnow())}
    finally:
        db.session.remove()
    try:
        missing = backend().missing(list(candidates))
    except Exception as error:  # the queue is down: nothing is spent, the next sweep asks again
        log.warning("queue unavailable, %s unfinished work item(s) wait: %s", len(candidates), type(error).__name__)
        return 0
    try:  # read again after asking: a job that finished meanwhile has committed its row as done
        lost = work.not_done([candidates[job_id] for job_id in missing])
    finally:
        db.session.remove()
    enqueued = dispatch(lost)
    if enqueued:
        try:
            work.count_enqueued(enqueued, utcnow())
            edge.commit()
        finally:
            db.session.remove()
    return len(enqueued)


def match_backlog():
    """Offer the whole backlog at once (after a surge); `flask aid match --all` runs the same."""
    try:
        notices = batch.offer_backlog(utcnow())
        edge.commit()
    finally:
        db.session.remove()
    send(notices)
    return len(notices)


def send(notices):
    """Send notices (after the commit that produced them)."""
    for notice in notices:
        notifier().send(notice)
