"""The rq worker process: preloads the app, drops the inherited pool after each fork, sweeps."""
import logging
import threading
import time

from flask import current_app
from rq import Worker
from rq.serializers import JSONSerializer

from aid.extensions import db

log = logging.getLogger(__name__)


class AppWorker(Worker):
    """An rq worker whose forked work horses get their own database connections."""

    def main_work_horse(self, job, queue):
        # The parent's pooled connections must not be shared with the child.
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def run(burst=False, sweep=True):
    """Work the app's queue (with rq's scheduler for retries) until stopped."""
    from aid.jobs import backend

    app = current_app._get_current_object()
    jobs = backend()
    if sweep and not burst:
        threading.Thread(target=_sweep_loop, args=(app,), daemon=True, name="aid-sweep").start()
    worker = AppWorker([jobs.queue], connection=jobs.connection, serializer=JSONSerializer, worker_ttl=60)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def _sweep_loop(app):
    from aid.jobs.tasks import sweep

    while True:
        time.sleep(app.config["SWEEP_SECONDS"])
        try:
            with app.app_context():
                sweep()
        except Exception:
            log.exception("sweep failed; trying again next round")
