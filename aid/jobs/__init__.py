"""Background work: rq on Redis when REDIS_URL is set, else an in-process worker thread.

Either way the same task functions run, taking ids only, inside an app context.
"""
import logging

from flask import current_app

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


def dispatch(work_ids):
    """Enqueue committed pending work; if the queue is unreachable, the sweep retries later."""
    from aid.jobs.tasks import run_pending

    for work_id in work_ids:
        try:
            backend().enqueue(run_pending, work_id)
        except Exception as error:  # a queue outage must never fail the person's request
            log.warning("queue unavailable, work %s left for the sweep: %s", work_id, type(error).__name__)
            return False
    return True
