"""The rq worker process: runs each job itself (no fork per job), keeps its heartbeats, sweeps.

rq's default worker forks a work horse for every job: with the app preloaded that costs about
a tenth of a second and a new database connection per job, and an offer is several jobs (the
matching, then a message to each volunteer and to the person asking). Under a surge those
forks took a whole core. This worker runs jobs in its own process, as rq's `SimpleWorker`
does, with two things the fork gave for free: the database session is dropped after every
job, and a thread keeps the job's heartbeat while it runs, so a job killed with its worker is
seen as lost within HEARTBEAT_GRACE seconds rather than after its whole timeout.
"""
import logging
import math
import threading
import time

import redis
from flask import current_app
from rq import SimpleWorker
from rq.exceptions import StopRequested
from rq.serializers import JSONSerializer
from rq.worker import WorkerStatus

from aid.extensions import db

log = logging.getLogger(__name__)

# A running job's heartbeat goes every JOB_MONITORING seconds; a job not heard from for
# HEARTBEAT_GRACE more (its worker was killed) counts as lost, and the sweep puts it back.
JOB_MONITORING = 5
HEARTBEAT_GRACE = 20
RESTART_AFTER = 2  # seconds between a worker lost with Redis and the next one


class AppWorker(SimpleWorker):
    """An rq worker that runs each job in its own process, with a heartbeat beside it."""

    max_connection_wait_time = 5.0  # rq's 60 s: after an outage, a worker would idle up to a minute
    _heartbeats = None  # of the job running
    stopping = False  # asked to stop by a signal

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

    def request_stop(self, signum, frame):
        """SIGTERM or SIGINT: stop for good, idle or busy.

        rq notes a stop only when it comes mid-job; an idle worker just leaves its loop, and
        `run` would take that for a lost Redis and start a fresh worker.
        """
        self.stopping = True
        super().request_stop(signum, frame)

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

    def execute_job(self, job, queue):
        execution = self.prepare_execution(job)
        self._heartbeats = Heartbeats(self, job, execution)
        try:
            self.perform_job(job, queue, execution)
        finally:
            self._heartbeats.stop()
            db.session.remove()  # the next job starts afresh, as a forked one would
        self.set_state(WorkerStatus.IDLE)

    def handle_job_success(self, *args, **kwargs):
        self._stop_heartbeats()  # before the job leaves the started registry: no beat may put it back
        super().handle_job_success(*args, **kwargs)

    def handle_job_failure(self, *args, **kwargs):
        self._stop_heartbeats()
        super().handle_job_failure(*args, **kwargs)

    def _stop_heartbeats(self):
        if self._heartbeats is not None:  # rq also fails jobs it never ran (a dependency failed)
            self._heartbeats.stop()


class Heartbeats:
    """rq's heartbeats for one running job, every JOB_MONITORING seconds, until stopped.

    What rq's forking worker does while it waits for its horse. `stop` returns only once no
    beat is in flight, so none lands after the job has finished.
    """

    def __init__(self, worker, job, execution):
        self.worker, self.job, self.execution = worker, job, execution
        self.stopped, self.lock = threading.Event(), threading.Lock()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{job.id}", daemon=True)
        self.thread.start()

    def _beat(self):
        while not self.stopped.wait(JOB_MONITORING):
            with self.lock:
                if self.stopped.is_set():
                    return
                try:
                    self.worker.maintain_heartbeats(self.job, self.execution)
                except redis.exceptions.RedisError as error:  # the next beat tries again; the grace covers one
                    log.warning("heartbeat of job %s not sent: %s", self.job.id, type(error).__name__)

    def stop(self):
        with self.lock:
            self.stopped.set()


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
        if burst or (worker is not None and worker.stopping) or not _pause(RESTART_AFTER):
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
