"""The rq worker process: preloads the app, drops the inherited pool after each fork, sweeps.

The worker's own process never touches the database: it forks a work horse per job, and a
horse forked while another thread of the parent held SQLite's lock would wait for good.
The sweep is therefore a job like any other, queued by whichever worker finds it due.
"""
import logging
import math
import time

import redis
from flask import current_app
from rq import Worker
from rq.exceptions import StopRequested
from rq.serializers import JSONSerializer

from aid.extensions import db

log = logging.getLogger(__name__)

# The parent reports a running job every JOB_MONITORING seconds; a job not reported for
# HEARTBEAT_GRACE more (its worker was killed) counts as lost, and the sweep puts it back.
JOB_MONITORING = 5
HEARTBEAT_GRACE = 20
RESTART_AFTER = 2  # seconds between a worker lost with Redis and the next one


class AppWorker(Worker):
    """An rq worker whose forked work horses get their own database connections."""

    max_connection_wait_time = 5.0  # rq's 60 s: after an outage, a worker would idle up to a minute

    def __init__(self, *args, sweep_seconds=0, sweep=None, **kwargs):
        self.sweep_seconds, self.enqueue_sweep = sweep_seconds, sweep  # rq's __init__ reads dequeue_timeout
        if sweep_seconds:
            kwargs["maintenance_interval"] = sweep_seconds
        super().__init__(*args, job_monitoring_interval=JOB_MONITORING, **kwargs)

    @property
    def dequeue_timeout(self):
        """Wake at least once per sweep interval, even with nothing to do, to queue the sweep."""
        waiting = super().dequeue_timeout
        return max(1, min(waiting, math.ceil(self.sweep_seconds))) if self.sweep_seconds else waiting

    def get_heartbeat_ttl(self, job, working_time=0.0):
        """rq's own grace is 60 s: a job killed with its worker would wait that long to be seen."""
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, JOB_MONITORING)) + HEARTBEAT_GRACE
        return JOB_MONITORING + HEARTBEAT_GRACE

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        if self.enqueue_sweep:
            self.queue_sweep()

    def queue_sweep(self):
        """Queue one sweep per interval for all workers together (a Redis key decides which)."""
        due_key = f"aid:sweep-due:{self.queues[0].name}"
        try:
            if self.connection.set(due_key, 1, nx=True, px=int(self.sweep_seconds * 1000)):
                self.enqueue_sweep()
        except redis.exceptions.RedisError as error:
            log.warning("sweep not queued, Redis unavailable: %s", type(error).__name__)

    def main_work_horse(self, job, queue):
        # The parent's pooled connections must not be shared with the child.
        db.engine.dispose(close=False)
        super().main_work_horse(job, queue)


def run(burst=False, sweep=True):
    """Work the app's queue (with rq's scheduler) until stopped; queue the sweep every SWEEP_SECONDS.

    rq's worker quits when Redis goes away at the wrong moment (between two jobs, say); this
    starts a fresh one once Redis answers again, so an outage never needs a person to restart it.
    """
    while True:
        worker = None
        try:
            worker = _worker(burst, sweep)  # rq's constructor already talks to Redis
            worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
        except redis.exceptions.RedisError as error:
            log.warning("worker lost Redis (%s); starting again", type(error).__name__)
        if burst or (worker is not None and worker._stop_requested) or not _pause(RESTART_AFTER):
            return


def _pause(seconds):
    """Sleep; False if asked to stop meanwhile (rq's signal handlers raise StopRequested)."""
    try:
        time.sleep(seconds)
    except StopRequested:
        return False
    return True


def _worker(burst, sweep):
    from aid.jobs import backend
    from aid.jobs.tasks import sweep as sweep_job

    jobs = backend()
    seconds = current_app.config["SWEEP_SECONDS"] if sweep and not burst else 0

    def queue_sweep():
        jobs.enqueue(sweep_job, job_id="sweep")  # skipped while the last one is still queued or running

    return AppWorker([jobs.queue], connection=jobs.connection, serializer=JSONSerializer, worker_ttl=60,
                     sweep_seconds=seconds, sweep=queue_sweep if seconds else None)
