"""Benchmark the outbox end to end: offers through the real rq workers to the local SMS and SMTP peers.

Beside it, in the same run, the floor: as many no-op rq jobs through the same Redis and the
same `flask aid worker` processes. Progress goes to stderr; the table and, last, one JSON
line go to stdout. See bench/README.md.

    python bench/notify.py [--n 2000] [--workers 2] [--wave 10] [--timeout 600]
    BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/notify.py

Only the standard library is imported at the top: the workers import this module for the
no-op job (`bench.notify.noop`), and it must cost them no more than a module of the app.
"""
import argparse
import json
import os
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DONE_KEY = "bench:noop-done"  # the no-op job pushes "index time" here
GATEWAY_NUMBER = "+15005550006"
SEED_PHONE = 447700900000  # +44 7700 900xxx: the UK's drama range


def noop(index):
    """The floor's job: record that it ran, and when (one RPUSH on the worker's own connection)."""
    from rq import get_current_job

    get_current_job().connection.rpush(DONE_KEY, f"{index} {time.time()}")


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def p95(values):
    """The 95th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def p50(values):
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


class Stamped(list):
    """A peer's list of received messages that also keeps the arrival time of each (time.time())."""

    def __init__(self):
        super().__init__()
        self.times, self.lock = [], threading.Lock()

    def append(self, item):
        with self.lock:  # the SMS peer appends from one thread per request
            self.times.append(time.time())  # as the peer accepts the message
            super().append(item)


# --- set-up -------------------------------------------------------------------------------------

def populate(app, volunteers):
    """A union and `volunteers` on duty: even ones by SMS (verified phone), odd ones by email."""
    from aid.extensions import db
    from aid.models import Union, utcnow
    from aid.services import accounts

    with app.app_context():
        union = Union(name="Lewes", slug="lewes", lat=50.874, lon=0.0088, radius_km=10)
        db.session.add(union)
        db.session.flush()
        ids = []
        for i in range(volunteers):
            user = accounts.register(f"Bench Volunteer{i}", f"bench.volunteer{i}@example.org", "x" * 12, union.id)
            vol = user.volunteer
            vol.on_duty, vol.lat, vol.lon, vol.max_km = True, 50.874 + i * 1e-4, 0.0088, 10
            if i % 2 == 0:
                vol.channels, vol.phone, vol.phone_verified_at = "sms", f"+{SEED_PHONE + i}", utcnow()
            else:
                vol.channels = "email"
            ids.append(vol.id)
        db.session.commit()
        return union.id, ids


def make_needs(app, union_id, count):
    """`count` open, located needs of one slot each (not timed): the offers are what is measured."""
    from aid.extensions import db
    from aid.models import Category, LocationStatus, Need, NeedStatus, Slot, Urgency

    with app.app_context():
        needs = [Need(token_hash=f"bench-{i:064d}"[-64:], union_id=union_id, category=Category.FOOD,
                      urgency=Urgency.HIGH, status=NeedStatus.OPEN, lat=50.88, lon=0.01,
                      location_status=LocationStatus.FOUND, contact_name="Bench", contact_phone="07911 123456",
                      slots=[Slot(position=0)]) for i in range(count)]
        db.session.add_all(needs)
        db.session.commit()
        return [(n.id, n.slots[0].id) for n in needs]


def produce_offers(app, needs, volunteer_ids, n, wave):
    """Offer each need to `wave` volunteers through the app's own offer path, one commit a need.

    aid.services.matching._offer stores the matches, the event and each volunteer's outbox row
    (outbox.tell); edge.commit() commits and then runs the after-commit calls in order: the
    first one registered here stamps the commit time, the rest are the real enqueue_delivery.
    Returns {need_id: commit time}.
    """
    from types import SimpleNamespace

    from aid import edge
    from aid.extensions import db
    from aid.models import Need, utcnow
    from aid.services import matching

    committed = {}
    made = 0
    with app.app_context():
        for index, (need_id, slot_id) in enumerate(needs):
            size = min(wave, n - made)
            if size <= 0:
                break
            start = index * wave
            chosen = [volunteer_ids[(start + j) % len(volunteer_ids)] for j in range(size)]
            need = db.session.get(Need, need_id)
            edge.after_commit(lambda nid=need_id: committed.__setitem__(nid, time.time()))
            matching._offer(need, [SimpleNamespace(slot_id=slot_id, volunteer_id=v, score=1.0, distance_km=1.0,
                                                   reasons=()) for v in chosen], utcnow())
            edge.commit()
            db.session.expunge_all()
            made += size
    return committed


# --- the run ------------------------------------------------------------------------------------

def wait_workers(connection, queue_name, count, timeout=60):
    from rq import Queue, Worker

    queue = Queue(queue_name, connection=connection)
    deadline = time.monotonic() + timeout
    while Worker.count(queue=queue) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {Worker.count(queue=queue)} of {count} workers came up")
        time.sleep(0.1)


def run_floor(app, n, wave, timeout, tag="run"):
    """n no-op jobs in batches of `wave`, through the app's queue adapter (same enqueue, with job ids)."""
    from aid.jobs import backend

    with app.app_context():
        jobs = backend()
        jobs.connection.delete(DONE_KEY)
        enqueued = {}
        for start in range(0, n, wave):
            for i in range(start, min(n, start + wave)):
                enqueued[i] = time.time()
                jobs.enqueue("bench.notify.noop", i, job_id=f"bench-noop-{tag}-{i}")
        deadline = time.monotonic() + timeout
        while jobs.connection.llen(DONE_KEY) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        done = {}
        for raw in jobs.connection.lrange(DONE_KEY, 0, -1):
            index, at = raw.decode().split()
            done.setdefault(int(index), float(at))
        failed = jobs.queue.failed_job_registry.count
    latencies = [(done[i] - enqueued[i]) * 1000 for i in done]
    span = (max(done.values()) - min(enqueued.values())) if done else float("nan")
    return {"jobs": len(done), "missing": n - len(done), "failed": failed, "per_s": len(done) / span if done else 0.0,
            "p50_ms": p50(latencies) if latencies else None, "p95_ms": p95(latencies) if latencies else None,
            "span_s": span}


def run_messages(app, needs, volunteer_ids, n, wave, sms, smtp, timeout):
    """Produce the offers while the workers run; wait until every row is finished and every message arrived."""
    import sqlalchemy as sa

    from aid.extensions import db
    from aid.models import OutboxMessage, OutboxState

    started = time.time()
    committed = produce_offers(app, needs, volunteer_ids, n, wave)
    produced = time.time()
    log(f"  {n} offers committed in {produced - started:.1f} s ({n / (produced - started):.0f}/s); waiting")
    final = (OutboxState.SENT, OutboxState.FAILED, OutboxState.SKIPPED, OutboxState.UNSENT, OutboxState.DELIVERED)
    deadline = time.monotonic() + timeout
    with app.app_context():
        while time.monotonic() < deadline:
            arrived = len(sms.messages) + len(smtp.messages)
            unfinished = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                           .where(OutboxMessage.state.not_in(final)))
            db.session.remove()
            if arrived >= n and not unfinished:
                break
            time.sleep(0.1)
        rows = db.session.execute(sa.select(OutboxMessage.need_id, OutboxMessage.channel, OutboxMessage.state,
                                            OutboxMessage.provider_id)).all()
        db.session.remove()
    arrival = {m.sid: t for m, t in zip(list(sms.messages), list(sms.messages.times), strict=True)}
    arrival.update({r.message["Message-ID"]: t for r, t in zip(list(smtp.messages), list(smtp.messages.times),
                                                               strict=True)})
    latencies, last, not_sent = [], 0.0, 0
    for need_id, _channel, state, provider_id in rows:
        if state != OutboxState.SENT or provider_id not in arrival:
            not_sent += 1
            continue
        latencies.append((arrival[provider_id] - committed[need_id]) * 1000)
        last = max(last, arrival[provider_id])
    first = min(committed.values())
    received = len(sms.messages) + len(smtp.messages)
    duplicates = received - len(set(arrival))
    return {"rows": len(rows), "sent": len(latencies), "sms": len(sms.messages), "email": len(smtp.messages),
            "errors": not_sent + duplicates + abs(n - len(rows)), "duplicates": duplicates,
            "per_s": len(latencies) / (last - first) if latencies else 0.0, "span_s": last - first,
            "produce_per_s": n / (produced - started),
            "p50_ms": p50(latencies) if latencies else None, "p95_ms": p95(latencies) if latencies else None}


def bench_backend(backend, url, args, redis, sms, smtp, directory):
    """One database: migrate, populate, start K workers, the floor, then the messages."""
    from redis import Redis

    from tests.conftest import LiveWorker, dispose, make_app

    queue_name = f"bench-{backend}-{os.getpid()}"
    config = dict(REDIS_URL=redis.url, RQ_QUEUE=queue_name, SMS_API_URL=sms.url, SMS_ACCOUNT_SID=sms.account_sid,
                  SMS_AUTH_TOKEN=sms.auth_token, SMS_FROM=GATEWAY_NUMBER, SMTP_URL=smtp.url(), SEND_TIMEOUT=5)
    app = make_app(url, **config)
    union_id, volunteer_ids = populate(app, args.volunteers)
    needs = make_needs(app, union_id, -(-args.n // args.wave))
    log(f"{backend}: {len(volunteer_ids)} volunteers, {len(needs)} needs; starting {args.workers} workers")

    os.environ.update({k: str(v) for k, v in config.items()}, PYTHONPATH=ROOT, SWEEP_SECONDS="0")
    workers = [LiveWorker(url, redis.url, queue_name, directory, sweep_seconds=0) for _ in range(args.workers)]
    try:
        connection = Redis.from_url(redis.url)
        wait_workers(connection, queue_name, args.workers)
        # Warm-up: a few of each so imports and first connections are not in the timed runs.
        run_floor(app, 2 * args.workers, args.wave, 60, tag="warm")
        floor = run_floor(app, args.n, args.wave, args.timeout)
        log(f"  floor: {floor['jobs']} no-op jobs, {floor['per_s']:.1f}/s, p95 {floor['p95_ms']:.0f} ms")
        messages = run_messages(app, needs, volunteer_ids, args.n, args.wave, sms, smtp, args.timeout)
        log(f"  messages: {messages['sent']} sent, {messages['per_s']:.1f}/s, p95 {messages['p95_ms']:.0f} ms")
    finally:
        for worker in workers:
            worker.stop()
        with app.app_context():
            dispose(app)
    failed_log = [w.output()[-1500:] for w in workers if "Traceback" in w.output()]
    if failed_log:
        log("worker tracebacks:", *failed_log, sep="\n")
    return floor, messages


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="offers (outbox messages), and no-op jobs")
    parser.add_argument("--workers", type=int, default=2, help="`flask aid worker` processes")
    parser.add_argument("--wave", type=int, default=10, help="offers a need (one commit each)")
    parser.add_argument("--volunteers", type=int, default=200, help="half by SMS, half by email")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for each phase")
    args = parser.parse_args()
    args.volunteers = max(args.volunteers, args.wave)

    sys.path.insert(0, ROOT)  # run as a script
    pg_url = os.environ.get("BENCH_PG_URL") or os.environ.get("DATABASE_URL_PG")
    if pg_url:
        os.environ["AID_TEST_PG_URL"] = pg_url  # tests.conftest's Database creates and drops a fresh one
    import shutil

    from argon2 import PasswordHasher

    from aid.services import accounts
    from tests.conftest import Database, RedisServer
    from tests.peers.sms_gateway import SmsGateway
    from tests.peers.smtp import SmtpPeer

    accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # set-up only, not timed
    os.environ["PATH"] = os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.environ["PATH"]
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed")

    out = {"n": args.n, "workers": args.workers}
    table = []
    with tempfile.TemporaryDirectory(prefix="aid-bench-notify-") as tmp:
        redis = RedisServer(binary, tmp)
        redis.start()
        try:
            for backend in ["sqlite"] + ["postgresql"] * bool(pg_url):
                database = Database(backend, tmp)
                database.migrate()
                try:
                    with SmsGateway() as sms, SmtpPeer() as smtp:
                        sms.messages, smtp.recorder.messages = Stamped(), Stamped()
                        floor, messages = bench_backend(backend, database.url, args, redis, sms, smtp, tmp)
                finally:
                    database.drop()
                prefix = "" if backend == "sqlite" else "pg_"
                out.update({
                    f"{prefix}messages_per_s": round(messages["per_s"], 1),
                    f"{prefix}noop_jobs_per_s": round(floor["per_s"], 1),
                    f"{prefix}p95_ms": round(messages["p95_ms"] or -1, 1),
                    f"{prefix}noop_p95_ms": round(floor["p95_ms"] or -1, 1),
                    f"{prefix}p50_ms": round(messages["p50_ms"] or -1, 1),
                    f"{prefix}noop_p50_ms": round(floor["p50_ms"] or -1, 1),
                    f"{prefix}produce_per_s": round(messages["produce_per_s"], 1),
                    f"{prefix}sms": messages["sms"], f"{prefix}email": messages["email"],
                    f"{prefix}errors": messages["errors"] + floor["missing"] + floor["failed"],
                })
                table.append((backend, messages, floor))
        finally:
            redis.stop()

    load = os.getloadavg()
    print(f"{args.n} offers, {args.workers} workers, waves of {args.wave}, load {load[0]:.1f} {load[1]:.1f}")
    print(f"{'':28}{'per s':>9}{'p50 ms':>10}{'p95 ms':>10}{'span s':>9}")
    for backend, messages, floor in table:
        print(f"{backend + ' messages':28}{messages['per_s']:9.1f}{messages['p50_ms'] or -1:10.0f}"
              f"{messages['p95_ms'] or -1:10.0f}{messages['span_s']:9.1f}"
              f"   sms {messages['sms']}, email {messages['email']}, errors {messages['errors']},"
              f" committed at {messages['produce_per_s']:.0f}/s")
        print(f"{backend + ' no-op jobs (floor)':28}{floor['per_s']:9.1f}{floor['p50_ms'] or -1:10.0f}"
              f"{floor['p95_ms'] or -1:10.0f}{floor['span_s']:9.1f}"
              f"   done {floor['jobs']}, failed {floor['failed']}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
