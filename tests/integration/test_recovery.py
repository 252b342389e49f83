"""Work stranded by Redis going away is done once it is back: outage, flush, killed worker, load.

Each test runs the real `flask aid worker` (not burst: it queues the sweep itself) and ends
with every need offered once, no job left over, and no job run twice.
"""
import re
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa
import time_machine
from redis import Redis
from rq import Queue
from rq.job import Job, JobStatus
from rq.worker import Worker

from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Match, Need, PendingWork, utcnow
from tests.conftest import LiveWorker, RedisServer, free_port, until
from tests.factories import add_union, add_volunteer, post_need

DEQUEUED = re.compile(r"run_pending\(\d+\) \(([A-Za-z0-9_-]+-work-\d+)\)")


def _setup(make, redis_url, queue):
    app = make(REDIS_URL=redis_url, RQ_QUEUE=queue)
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")  # one helper: each need gets exactly one offer
    return app


def _post(app, count, start=0):
    client = app.test_client()
    return [post_need(client, details=f"Need {start + i}", same_anyway="yes") for i in range(count)]


def _offered(app):
    """How many needs have an offer out, and whether every pending row is done."""
    with app.app_context():
        try:
            offered = db.session.scalar(sa.select(sa.func.count(sa.distinct(Match.need_id))))
            waiting = db.session.scalar(
                sa.select(sa.func.count()).select_from(PendingWork).where(PendingWork.done_at.is_(None)))
            return offered, waiting
        finally:
            db.session.remove()


def _all_matched(app, needs):
    offered, waiting = _offered(app)
    return offered == needs and waiting == 0


def _assert_matched_once(app, needs, worker_logs, redis_url, queue):
    """One offer per need (one helper each), nothing queued, no failed job, no work job run twice."""
    with app.app_context():
        per_need = Counter(db.session.scalars(sa.select(Match.need_id)))
        assert len(per_need) == needs == db.session.scalar(sa.select(sa.func.count()).select_from(Need))
        assert set(per_need.values()) == {1}
        db.session.remove()
    ran = Counter(DEQUEUED.findall("".join(worker_logs)))
    assert ran and set(ran.values()) == {1}, ran.most_common(3)
    rq_queue = Queue(queue, connection=Redis.from_url(redis_url))
    assert [job_id for job_id in rq_queue.job_ids if "-work-" in job_id] == []  # (a last sweep may wait)
    assert rq_queue.failed_job_registry.count == 0
    return sum(ran.values())


def test_an_outage_longer_than_every_retry_spends_no_attempt_and_the_same_worker_matches_all(
        make, database, tmp_path):
    queue = f"test-long-outage-{database.backend}"
    redis = RedisServer("redis-server", tmp_path, port=free_port())
    redis.start()
    app = _setup(make, redis.url, queue)
    worker = LiveWorker(database.url, redis.url, queue, tmp_path)
    try:
        _post(app, 2)
        until(lambda: _all_matched(app, 2))
        redis.stop()  # Redis goes away: needs are stored and wait, the worker keeps trying to reconnect
        _post(app, 20, start=2)
        start = utcnow()
        for minute in range(0, 60, 3):  # an hour of sweeps: far past every retry and its backoff
            with time_machine.travel(start + timedelta(minutes=minute), tick=False), app.app_context():
                assert sweep() == 0
        with app.app_context():
            assert set(db.session.scalars(sa.select(PendingWork.attempts))) == {0}
            db.session.remove()
        time.sleep(10)  # a real outage too, long enough for the worker's reconnect back-off
        redis.start()  # empty: whatever was queued before is gone as well
        took = until(lambda: _all_matched(app, 22), timeout=90)
        worker.stop()
        with app.app_context():
            assert set(db.session.scalars(sa.select(PendingWork.attempts))) <= {0, 1}
            db.session.remove()
        _assert_matched_once(app, 22, [worker.output()], redis.url, queue)
    finally:
        worker.stop()
        redis.stop()
    print(f"\n[{database.backend}] long outage: 22 needs matched {took:.1f} s after Redis came back")
    assert took < 20


def test_needs_open_when_redis_is_flushed_are_matched_once(make, database, redis_server, tmp_path):
    queue = f"test-flush-{database.backend}"
    app = _setup(make, redis_server.url, queue)
    _post(app, 30)
    connection = Redis.from_url(redis_server.url)
    assert Queue(queue, connection=connection).count == 30  # one job per need, none duplicated
    connection.flushall()
    started = time.monotonic()
    worker = LiveWorker(database.url, redis_server.url, queue, tmp_path)
    try:
        # The worker's first sweep puts every lost job back; rq's own clean-up would never
        # (the jobs' keys are gone), so a missing sweep fails here, however busy the machine.
        until(lambda: _all_matched(app, 30), timeout=60)
        took = time.monotonic() - started
    finally:
        worker.stop()
    ran = _assert_matched_once(app, 30, [worker.output()], redis_server.url, queue)
    print(f"\n[{database.backend}] flush: 30 needs matched {took:.1f} s after the worker started, {ran} work jobs")


def test_a_job_killed_with_its_worker_is_done_by_the_next_worker(make, database, redis_server, tmp_path):
    queue = f"test-killed-{database.backend}"
    app = _setup(make, redis_server.url, queue)
    _post(app, 1)
    with app.app_context():
        work_id = db.session.scalar(sa.select(PendingWork.id))
        db.session.remove()
    job_id = f"{queue}-work-{work_id}"
    connection = Redis.from_url(redis_server.url)
    engine = sa.create_engine(database.url.replace("postgresql://", "postgresql+psycopg://"))
    first = None
    try:
        with engine.connect() as holder:  # hold the row (PostgreSQL) or the write lock (SQLite): the job blocks
            if database.backend == "sqlite":
                holder.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                holder.execute(sa.select(PendingWork).where(PendingWork.id == work_id).with_for_update())
            first = LiveWorker(database.url, redis_server.url, queue, tmp_path)
            until(lambda: Job.fetch(job_id, connection=connection).get_status() == JobStatus.STARTED, timeout=30)
            first.kill()  # mid-job: the job stays "started" in rq with nobody running it
            holder.rollback()
        assert Job.fetch(job_id, connection=connection).get_status() == JobStatus.STARTED
        killed = time.monotonic()
        second = LiveWorker(database.url, redis_server.url, queue, tmp_path)
        try:
            until(lambda: _all_matched(app, 1), timeout=90)
            took = time.monotonic() - killed
        finally:
            second.stop()
    finally:
        engine.dispose()
        if first is not None:
            first.stop()
    print(f"\n[{database.backend}] killed worker: its need matched {took:.1f} s after the kill")
    assert took < 45
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Match)) == 1
        db.session.remove()
    assert Counter(DEQUEUED.findall(second.output())) == {job_id: 1}


def test_a_steady_stream_of_posts_with_a_sweeping_worker_matches_every_need_once(
        make, database, redis_server, tmp_path):
    queue = f"test-stream-{database.backend}"
    app = _setup(make, redis_server.url, queue)
    worker = LiveWorker(database.url, redis_server.url, queue, tmp_path, sweep_seconds=0.5)
    try:
        threads = [threading.Thread(target=_post_slowly, args=(app, 15, t * 100)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        took = until(lambda: _all_matched(app, 60), timeout=60)
        # The worker queues the sweep by itself, as a job (at its maintenance ticks, which a
        # busy worker reaches less often): wait for one rather than race the stop.
        until(lambda: "aid.jobs.tasks.sweep()" in worker.output(), timeout=30)
    finally:
        worker.stop()
    logs = worker.output()
    assert "database is locked" not in logs and "Traceback" not in logs
    assert "aid.jobs.tasks.sweep()" in logs  # the sweep ran, as jobs, beside the posts
    _assert_matched_once(app, 60, [logs], redis_server.url, queue)
    print(f"\n[{database.backend}] stream: 60 needs, all matched {took:.1f} s after the last post")


def _post_slowly(app, count, start):
    client = app.test_client()
    for i in range(count):
        post_need(client, details=f"Need {start + i}", same_anyway="yes")
        time.sleep(0.1)


class SlowQueue:
    """A queue that takes a second to answer each enqueue."""

    def __init__(self):
        self.calls = 0

    def enqueue(self, func, *args, job_id=None):
        time.sleep(1)
        self.calls += 1
        return True


def test_people_posting_at_once_do_not_wait_on_each_other_while_the_queue_is_slow(make):
    app = make()
    with app.app_context():
        add_union()
    app.extensions["aid_jobs"] = slow = SlowQueue()
    results = []

    def post(i):
        results.append(post_need(app.test_client(), details=f"Need {i}", contact_phone=f"07911 12345{i}"))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(8)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    took = time.monotonic() - started
    assert len(results) == 8 and slow.calls == 8
    assert took < 4, f"8 posts took {took:.1f} s: they queued behind each other's enqueue"


def test_a_worker_told_to_stop_while_idle_stops_and_is_not_started_again(make, database, redis_server, tmp_path):
    queue = f"test-stop-{database.backend}"
    _setup(make, redis_server.url, queue)
    worker = LiveWorker(database.url, redis_server.url, queue, tmp_path)
    try:
        until(lambda: Worker.count(queue=Queue(queue, connection=Redis.from_url(redis_server.url))) == 1, timeout=30)
        time.sleep(1.5)  # idle, waiting on the queue
        worker.process.send_signal(signal.SIGTERM)
        worker.process.wait(10)  # rq leaves its loop at once; a fresh worker must not take its place
    finally:
        worker.stop()
    assert len(re.findall(r"Worker \w+: started with PID", worker.output())) == 1
