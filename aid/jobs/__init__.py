"""Background work: rq on Redis when REDIS_URL is set, else an in-process worker thread.

Either way the same task functions run, taking ids only, inside an app context.
"""
import logging

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from aid.jobs.backends import InProcessBackend, RedisBackend

log = logging.getLogger(__name__)


def init_app(app):
    if app.config.get("REDIS_URL"):
        app.extensions["aid_jobs"] = RedisBackend(app.config["REDIS_URL"], app.config["RQ_QUEUE"])
    else:
        app.extensions["aid_jobs"] = in_process = InProcessBackend(app)
        if app.config["SWEEP_SECONDS"]:
            app.before_request(in_process.start_sweeping)  # once the app serves, not for CLI commands


def backend():
    return current_app.extensions["aid_jobs"]


def work_job_id(work_id):
    """The one job id a pending row ever has on the queue."""
    return f"work-{work_id}"


def dispatch(work_ids):
    """Enqueue committed pending work; returns the ids put on the queue.

    Work whose job is already queued or running is skipped (each row has one job id). If
    the queue is unreachable, the rest is left for the sweep, with no attempt counted.
    """
    from aid.jobs.tasks import run_pending

    enqueued = []
    for work_id in work_ids:
        try:
            if backend().enqueue(run_pending, work_id, job_id=work_job_id(work_id)):
                enqueued.append(work_id)
        except Exception as error:  # a queue outage must never fail the person's request
            outage = isinstance(error, (ConnectionError, TimeoutError, RedisConnectionError, RedisTimeoutError))
            log.warning("queue unavailable, work %s left for the sweep: %s", work_id, type(error).__name__,
                        exc_info=not outage)  # anything else is a bug: keep its traceback
            break
    return enqueued
