"""Where jobs go: a real rq queue, or a thread in this process that runs the same code."""
import logging
import queue
import threading
import time

from redis import Redis
from rq import Queue, Retry
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)


class RedisBackend:
    """rq with the JSON serializer: arguments are ids, never personal data, and never pickled."""

    def __init__(self, url, name):
        self.connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(name, connection=self.connection, serializer=JSONSerializer)

    def enqueue(self, func, *args):
        return self.queue.enqueue_call(
            func, args=args, retry=Retry(max=3, interval=[5, 30, 120]),
            result_ttl=60, failure_ttl=7 * 24 * 3600, timeout=120,
        )


class InProcessBackend:
    """A daemon thread that runs jobs in app context, and the periodic sweep, with no Redis."""

    def __init__(self, app):
        self.app = app
        self.jobs = queue.Queue()
        self._thread = None
        self._sweeper = None
        self._lock = threading.Lock()

    def enqueue(self, func, *args):
        self._start()
        self.jobs.put((func, args))

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
            func, args = self.jobs.get()
            try:
                with self.app.app_context():
                    func(*args)
            except Exception:
                log.exception("in-process job %s failed", getattr(func, "__name__", func))
            finally:
                self.jobs.task_done()

    def _sweep_loop(self):
        from aid.jobs.tasks import sweep

        while True:
            time.sleep(self.app.config["SWEEP_SECONDS"])
            self.jobs.put((sweep, ()))
