"""Where jobs go: a real rq queue, or a thread in this process that runs the same code.

Chosen by configuration (REDIS_URL) like every adapter. Jobs are named by their dotted path
("aid.jobs.tasks.run_pending"), so services can enqueue after a commit without importing
the jobs that import them. Both backends take an optional job id: a second enqueue under the
id of a job still queued or running is skipped, so the sweep can offer every unfinished row
again without a flood.
"""
import logging
import queue
import re
import threading
import time

from flask import current_app
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue
from rq.exceptions import DeserializationError, DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer
from werkzeug.utils import import_string

log = logging.getLogger(__name__)

RUN_PENDING = "aid.jobs.tasks.run_pending"
SWEEP = "aid.jobs.tasks.sweep"
DELIVER = "aid.jobs.outbox.deliver"

# A job in one of these states will still run (or is running) by itself.
LIVE = frozenset({JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED})


class RedisBackend:
    """rq with the JSON serializer: arguments are ids, never personal data, and never pickled.

    No rq Retry: a failed job is put back by the sweep (which counts the attempt), so
    retries never depend on rq's scheduler being up.
    """

    def __init__(self, url, name):
        self.connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(name, connection=self.connection, serializer=JSONSerializer)
        self.prefix = re.sub(r"[^A-Za-z0-9_-]", "_", name)  # one Redis may serve several queues

    def enqueue(self, func, *args, job_id=None):
        """Put a job on the queue; False if a job with this id is still queued or running."""
        if job_id is None:
            self._enqueue(func, args, None)
            return True
        full_id = f"{self.prefix}-{job_id}"
        try:
            self._enqueue(func, args, full_id)
        except DuplicateJobError:
            if not self._replace_dead(full_id):
                return False
            try:  # another sweep may have put it back in between: then that job stands
                self._enqueue(func, args, full_id)
            except DuplicateJobError:
                return False
        return True

    def missing(self, job_ids):
        """Those of these ids with no job that will run by itself (never queued, flushed, failed, or lost)."""
        StartedJobRegistry(queue=self.queue).cleanup()  # jobs of dead workers become failed
        with self.connection.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hget(Job.key_for(f"{self.prefix}-{job_id}"), "status")
            statuses = pipe.execute()
        return [job_id for job_id, status in zip(job_ids, statuses, strict=True)
                if status is None or status.decode() not in LIVE]

    def depth(self):
        """Jobs waiting on the queue (not those running); raises if Redis does not answer."""
        return self.queue.count

    def _enqueue(self, func, args, job_id):
        self.queue.enqueue_call(func, args=args, job_id=job_id, unique=job_id is not None,
                                result_ttl=60, failure_ttl=24 * 3600, timeout=120)

    def _replace_dead(self, job_id):
        """Delete a finished, failed or stopped job under this id; False if it is still live."""
        status = self.connection.hget(Job.key_for(job_id), "status")
        if status is not None and status.decode() in LIVE:
            return False
        try:
            Job.fetch(job_id, connection=self.connection, serializer=JSONSerializer).delete()
        except (NoSuchJobError, DeserializationError, ValueError):
            # rq can leave a job's hash half-written after a kill (no function, no data):
            # rq cannot load it, so drop its key and registry entry by hand.
            self.connection.delete(Job.key_for(job_id))
            self.queue.failed_job_registry.remove(job_id)
        return True


class InProcessBackend:
    """A daemon thread that runs jobs in app context, and the periodic sweep, with no Redis."""

    def __init__(self, app):
        self.app = app
        self.jobs = queue.Queue()
        self.live = set()  # ids of jobs queued or running
        self._thread = None
        self._sweeper = None
        self._lock = threading.Lock()

    def enqueue(self, func, *args, job_id=None):
        with self._lock:
            if job_id is not None and job_id in self.live:
                return False
            if job_id is not None:
                self.live.add(job_id)
        self._start()
        self.jobs.put((func, args, job_id))
        return True

    def missing(self, job_ids):
        with self._lock:
            return [job_id for job_id in job_ids if job_id not in self.live]

    def depth(self):
        """Jobs waiting or running in this process."""
        return self.jobs.unfinished_tasks

    def start_sweeping(self):
        """Also run the sweep every SWEEP_SECONDS (offer expiry, waves, stranded work); idempotent."""
        if self._sweeper is not None:
            return
        with self._lock:
            if self._sweeper is None:
                self._sweeper = threading.Thread(target=self._sweep_loop, daemon=True, name="aid-sweep")
                self._sweeper.start()

    def drain(self, timeout=30):
        """Wait until every queued job has run (tests and CLI commands)."""
        deadline = time.monotonic() + timeout
        while self.jobs.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.jobs.unfinished_tasks

    def _start(self):
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True, name="aid-jobs")
                self._thread.start()

    def _run(self):
        while True:
            func, args, job_id = self.jobs.get()
            try:
                with self.app.app_context():
                    (import_string(func) if isinstance(func, str) else func)(*args)
            except Exception:
                log.exception("in-process job %s failed", getattr(func, "__name__", func))
            finally:
                with self._lock:
                    self.live.discard(job_id)
                self.jobs.task_done()

    def _sweep_loop(self):
        while True:
            time.sleep(self.app.config["SWEEP_SECONDS"])
            self.enqueue(SWEEP, job_id="sweep")


def backend():
    """This app's queue (set up by aid.jobs.init_app)."""
    return current_app.extensions["aid_jobs"]


def work_job_id(work_id):
    """The one job id a pending row ever has on the queue."""
    return f"work-{work_id}"


def dispatch(work_ids):
    """Enqueue committed pending work; returns the ids put on the queue.

    Work whose job is already queued or running is skipped (each row has one job id). If
    the queue is unreachable, the rest is left for the sweep, with no attempt counted.
    """
    enqueued = []
    for work_id in work_ids:
        try:
            if backend().enqueue(RUN_PENDING, work_id, job_id=work_job_id(work_id)):
                enqueued.append(work_id)
        except Exception as error:  # a queue outage must never fail the person's request
            outage = isinstance(error, (ConnectionError, TimeoutError, RedisConnectionError, RedisTimeoutError))
            log.warning("queue unavailable, work %s left for the sweep: %s", work_id, type(error).__name__,
                        exc_info=not outage)  # anything else is a bug: keep its traceback
            break
    return enqueued


def enqueue_delivery(row_id):
    """Queue the sending of a committed outbox row; if the queue is down, the sweep puts it back.

    One job id a row: a row put back while its job still waits is not queued twice.
    """
    try:
        backend().enqueue(DELIVER, row_id, job_id=f"outbox-{row_id}")
    except Exception as error:  # an outage must not fail the person's request
        log.warning("queue unavailable, outbox %s left for the sweep: %s", row_id, type(error).__name__)
