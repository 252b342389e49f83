"""Matching through a real Redis and rq worker, and nothing lost while Redis is down."""
import json
import zlib
from datetime import timedelta

import sqlalchemy as sa
import time_machine
from redis import Redis

from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Match, MatchState, Need, NeedStatus, PendingWork, utcnow
from tests.conftest import RedisServer, free_port, run_worker
from tests.factories import add_union, add_volunteer, post_need


def _offers():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Match).where(Match.state == MatchState.OFFERED))


def test_a_real_rq_worker_matches_a_posted_need(make, database, redis_server):
    app = make(REDIS_URL=redis_server.url, RQ_QUEUE="test-match")
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    post_need(app.test_client(), details="Soup for a neighbour, flat 2")
    queued = Redis.from_url(redis_server.url).lrange("rq:queue:test-match", 0, -1)
    assert len(queued) == 1
    job = Redis.from_url(redis_server.url).hgetall(f"rq:job:{queued[0].decode()}")
    data = zlib.decompress(job[b"data"])
    assert json.loads(data)[2:] == [[1], {}]  # JSON (not pickle), and the only argument is the work id
    stored = data + b"".join(job.values())
    assert b"flat 2" not in stored and b"7911" not in stored and b"Soup" not in stored
    with app.app_context():
        assert _offers() == 0
    run_worker(database.url, redis_server.url, queue="test-match")
    with app.app_context():
        assert _offers() == 1
        assert db.session.scalar(sa.select(PendingWork.done_at)) is not None


def test_needs_posted_while_redis_is_down_are_stored_and_matched_once_it_is_back(make, database, tmp_path):
    down = RedisServer("redis-server", tmp_path, port=free_port())  # not started yet: nothing listens
    app = make(REDIS_URL=down.url, RQ_QUEUE="test-outage")
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    client = app.test_client()
    tokens = [post_need(client, details=f"Need {i}", same_anyway="yes") for i in range(3)]
    assert client.get(f"/t/{tokens[0]}").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Need)) == 3
        assert _offers() == 0
    down.start()
    try:
        with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False), app.app_context():
            assert sweep() == 3  # the stranded work goes back on the queue
        run_worker(database.url, down.url, queue="test-outage")
    finally:
        down.stop()
    with app.app_context():
        assert _offers() == 3
        statuses = set(db.session.scalars(sa.select(Need.status)))
        assert statuses == {NeedStatus.MATCHING}


def test_running_the_same_work_twice_does_not_offer_twice(make, database, redis_server):
    app = make(REDIS_URL=redis_server.url, RQ_QUEUE="test-twice")
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    post_need(app.test_client())
    with app.app_context():
        work_id = db.session.scalar(sa.select(PendingWork.id))
        app.extensions["aid_jobs"].enqueue(__import__("aid.jobs.tasks", fromlist=["run_pending"]).run_pending, work_id)
    run_worker(database.url, redis_server.url, queue="test-twice")
    with app.app_context():
        assert _offers() == 1


def test_an_unanswered_offer_expires_and_the_next_wave_goes_out(app, client):
    with app.app_context():
        add_union()
        add_volunteer("Ann Able", lat=50.8741)
        for i in range(3):
            add_volunteer(f"Later {i}", lat=50.88 + i * 0.005, max_km=10)
    post_need(client, urgency="low")
    app.extensions["aid_jobs"].drain()
    with app.app_context():
        first = set(db.session.scalars(sa.select(Match.volunteer_id)))
    with time_machine.travel(utcnow() + timedelta(hours=5), tick=False), app.app_context():
        sweep()
    app.extensions["aid_jobs"].drain()
    with app.app_context():
        states = dict(db.session.execute(sa.select(Match.volunteer_id, Match.state)).all())
        assert {states[v] for v in first} == {MatchState.EXPIRED}
        assert {v for v, s in states.items() if s == MatchState.OFFERED} - first
