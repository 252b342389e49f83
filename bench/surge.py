"""Surge: needs posted over HTTP while coordinators poll a big board, on the production profile.

The profile is the repository's Procfile run by honcho (gunicorn with gunicorn.conf.py: 2
`web` processes and 1 `board`; K `flask aid worker` processes) on PostgreSQL and Redis. Each
request goes where deploy/nginx.conf sends it, without the proxy's hop: boards to `board`,
the rest to `web`. Each figure is printed beside its floor, measured in the same run:

- post to first offer stored (p50, p95), against an empty rq job's enqueue-to-done time on
  the same queue at the same moment;
- board poll latency (p50, p99), against a static file fetched under the same load;
- needs matched per second with K = 1, 2 and 4 workers (a backlog posted while no worker runs);
- errors: HTTP errors and timeouts, needs never offered, failed jobs, tracebacks in the logs.

    python bench/surge.py                        # 5-15 min: 300 needs at 5/s, polls at 100/s, board of 300
    python bench/surge.py --needs 2000           # the issue's full surge (2,000 needs: 7 min of posting alone)
    python bench/surge.py --needs 60 --backlog 30 --poll-rate 20   # a quick look

BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/postgres) is the server a fresh
database is created on (and dropped after); BENCH_REDIS_URL a Redis to use, else a private
redis-server starts on a free port. Progress goes to stderr; the last line of stdout is JSON.
Only the standard library is imported at the top: the workers import this module for `noop`.
"""
import argparse
import hashlib
import html
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOOP_KEY = "bench:surge-noop"
LEWES = (50.8740, 0.0088)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BOARD_URL = re.compile(r'id="board"[^>]*hx-get="([^"]+)"')
VERSION = re.compile(r'id="board-version" name="v" value="([^"]+)"')
BUSY = "X-Board-Busy"  # aid/web/board/live.py marks a poll it put off
POLL_EVERY = 1.5  # seconds between one board's polls (hx-trigger="every 1500ms")
STATIC = "/static/icon.svg"
TIMEOUT = 10  # seconds a poll may take before it counts as an error (htmx polls again anyway)
POST_TIMEOUT = 60  # a person asking for help waits longer: how long is measured, not cut short


def noop(index, enqueued):
    """The floor's job: record when it ran (one RPUSH on the worker's own connection)."""
    from rq import get_current_job

    get_current_job().connection.rpush(NOOP_KEY, f"{index} {enqueued} {time.time()}")


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def percentile(values, q):
    """Nearest-rank percentile of a list (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-q * len(ordered) // 100) - 1)]


# --- the world ----------------------------------------------------------------------------------

def populate(url, volunteers, board):
    """A union around Lewes, `volunteers` on duty nearby, a coordinator, and `board` open needs on its board."""
    import random

    from argon2 import PasswordHasher

    from aid.extensions import db
    from aid.models import Category, Coordinator, LocationStatus, Need, NeedStatus, Skill, Slot, Union, Urgency
    from aid.services import accounts
    from tests.conftest import dispose, make_app

    accounts.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # set-up only, not timed
    app, rng = make_app(url), random.Random(20260301)
    with app.app_context():
        union = Union(name="Lewes", slug="lewes", lat=LEWES[0], lon=LEWES[1], radius_km=15)
        db.session.add_all([union, Skill(slug="driving", name="Driving")])
        db.session.flush()
        for i in range(volunteers):
            user = accounts.register(f"Surge Volunteer{i}", f"surge.volunteer{i}@example.org", "x" * 12, union.id)
            accounts.update_profile(user.volunteer, dict(on_duty=True, max_km=12, capacity=3, week_cap=7,
                                                         lat=_near(rng, 3)[0], lon=_near(rng, 3)[1],
                                                         base_label="Lewes"), ["driving"] if i % 3 == 0 else [])
        coordinator = accounts.register("Surge Coordinator", "surge.coordinator@example.org", "x" * 12)
        db.session.add(Coordinator(user_id=coordinator.id, union_id=union.id))
        for i in range(board):
            lat, lon = _near(rng, 5)
            db.session.add(Need(token_hash=hashlib.sha256(f"board-{i}".encode()).hexdigest(), union_id=union.id,
                                category=rng.choice([Category.FOOD, Category.SHELTER, Category.REPAIRS]),
                                urgency=rng.choice(list(Urgency)), status=NeedStatus.OPEN, lat=lat, lon=lon,
                                cell_lat=round(lat, 2), cell_lon=round(lon, 2), location_status=LocationStatus.FOUND,
                                details=f"Open need {i}", contact_name="Board", contact_phone="07911 123456",
                                slots=[Slot(position=0)]))
        db.session.commit()
        dispose(app)
    return "surge.coordinator@example.org", "x" * 12


def _near(rng, km):
    return LEWES[0] + rng.uniform(-km, km) / 111, LEWES[1] + rng.uniform(-km, km) / 70


# --- the profile --------------------------------------------------------------------------------

class Honcho:
    """`honcho start …` on the repository's Procfile, in a process group of its own."""

    def __init__(self, env, directory, *args):
        self.log_path = Path(directory) / f"honcho-{uuid.uuid4().hex[:6]}.log"
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(["honcho", "start", *args], cwd=ROOT, env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        from tests.conftest import stop_tree

        stop_tree(self.process)



def start_workers(env, directory, queue, count):
    from rq import Worker

    workers = Honcho(env, directory, "-c", f"worker={count}", "worker")
    _until(lambda: Worker.count(queue=queue) >= count, 90, "workers")
    return workers


def stop_workers(workers, queue):
    """Wait for the queue to empty (offers' messages too), then stop the workers."""
    from rq.registry import StartedJobRegistry

    _until(lambda: queue.count == 0 and StartedJobRegistry(queue=queue).count == 0, 600, "the queue to drain")
    workers.stop()


def _until(predicate, timeout, what, every=0.1):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(every)


# --- HTTP ---------------------------------------------------------------------------------------

class Web:
    """requests sessions per thread (each keeps its connection), against the gunicorn under test."""

    def __init__(self, base):
        self.base, self.local = base, threading.local()
        self.lock, self.resent = threading.Lock(), 0

    def session(self):
        import requests

        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
            self.local.csrf = None
        return self.local.session

    def get(self, path, **kwargs):
        """GET as a browser does: sent once more when a kept-alive connection closes before any answer.

        gunicorn closes a connection left idle for its keepalive (5 s); a request sent on it at
        that moment is lost before the server reads it. A browser sends such a GET again by
        itself; requests does not. Each resend is counted and printed; a timeout, a refused
        connection or an error status is never resent.
        """
        import requests

        try:
            return self.session().get(self.base + path, **kwargs)
        except requests.ConnectionError as error:
            if not _closed_before_answer(error):
                raise
            with self.lock:
                self.resent += 1
            return self.session().get(self.base + path, **kwargs)

    def login(self, email, password):
        session = self.session()
        token = CSRF.search(session.get(self.base + "/login", timeout=TIMEOUT).text).group(1)
        answer = session.post(self.base + "/login", data={"email": email, "password": password, "csrf_token": token},
                              allow_redirects=False, timeout=TIMEOUT)
        assert answer.status_code == 303, answer.text[:500]
        return session.cookies.get_dict()

    def post_need(self, index, prefix, sent=None):
        """Post the ask form as a phone would; returns (sent at, seconds, status, tracking token).

        `sent` is when the person pressed send (the schedule's time), else now.
        """
        import random

        session = self.session()
        if self.local.csrf is None:
            self.local.csrf = CSRF.search(session.get(self.base + "/ask", timeout=POST_TIMEOUT).text).group(1)
        lat, lon = _near(random.Random(f"{prefix}{index}"), 3)
        form = {"category": ("food", "transport", "check_in")[index % 3], "urgency": "high", "people": "1",
                "details": f"{prefix} need {index}: groceries and a lift", "lat": f"{lat:.5f}", "lon": f"{lon:.5f}",
                "contact_phone": f"07911 {100000 + index:06d}", "contact_name": "Surge", "language": "en",
                "csrf_token": self.local.csrf}
        sent = sent or time.time()
        answer = session.post(self.base + "/ask", data=form, allow_redirects=False, timeout=POST_TIMEOUT)
        token = answer.headers.get("Location", "").rsplit("/", 1)[-1] if answer.status_code == 303 else None
        return sent, time.time() - sent, answer.status_code, token


def _closed_before_answer(error):
    """Whether requests' ConnectionError is urllib3's "Connection aborted." by a peer that closed (not a timeout)."""
    from http.client import RemoteDisconnected

    from urllib3.exceptions import ProtocolError

    reason = error.args[0] if error.args else None
    cause = reason.args[-1] if isinstance(reason, ProtocolError) and reason.args else None
    return isinstance(cause, RemoteDisconnected | ConnectionResetError | BrokenPipeError)


class Poller:
    """Coordinators' boards as htmx polls them, each coordinator with the token its own board shows.

    A browser polls `hx-get` with `hx-include="#board-version"`: the token of the cards it
    shows travels as `?v=`, and each answer's out-of-band `#board-version` replaces it. A 204
    (nothing new) keeps it. `coordinators` boards take turns, so every change is sent to each.
    """

    def __init__(self, web, cookies, coordinators):
        self.web, self.cookies, self.lock = web, cookies, threading.Lock()
        page = web.session().get(web.base + "/board/", cookies=cookies, timeout=POST_TIMEOUT).text
        self.url = html.unescape(BOARD_URL.search(page).group(1))
        self.tokens = [html.unescape(VERSION.search(page).group(1))] * coordinators
        self.turns = itertools.count()
        self.sizes = []  # bytes of each answer that carried changes
        self.put_off = 0  # polls answered "nothing new" at once because the web process was busy with others

    def poll(self, _wall):
        turn = next(self.turns) % len(self.tokens)
        answer = self.web.get(self.url, params={"v": self.tokens[turn]}, cookies=self.cookies, timeout=TIMEOUT,
                              headers={"HX-Request": "true"})
        if BUSY in answer.headers:
            with self.lock:
                self.put_off += 1
        if answer.status_code == 200:
            found = VERSION.search(answer.text)
            with self.lock:
                self.sizes.append(len(answer.content))
                if found:
                    self.tokens[turn] = html.unescape(found.group(1))
        return answer.status_code

    def static(self, _wall):
        return self.web.get(STATIC, timeout=TIMEOUT).status_code


_told = itertools.count()  # the first few errors are logged whole


def open_loop(pool, rate, count, call, results, stop=None, give_up=None):
    """Submit call(scheduled wall time) `count` times at `rate` a second, on schedule whatever the answers' speed.

    Each result is (seconds from its scheduled start to its answer, status or the error's name):
    a request that waited for a free thread waits in its latency, as a person's would. One that
    waited longer than `give_up` is not sent (a poll that late is replaced by the next one) and
    counts as an error, so a backlog of polls never outlasts the surge.
    """
    start, futures = time.monotonic(), []

    def timed(scheduled, wall):
        if give_up is not None and time.monotonic() - scheduled > give_up:
            results.append((time.monotonic() - scheduled, "NotSentInTime"))
            return
        try:
            status = call(wall)
        except Exception as error:  # a timeout or a refused connection is a result too
            status = type(error).__name__
            if next(_told) < 5:
                log(f"  {status}: {error}")
        results.append((time.monotonic() - scheduled, status))

    for i in range(count):
        if stop is not None and stop.is_set():
            break
        at = start + i / rate
        time.sleep(max(0.0, at - time.monotonic()))
        futures.append(pool.submit(timed, at, time.time()))
    return futures


# --- the measurements ---------------------------------------------------------------------------

def first_offers(url, tokens):
    """{token: first offer stored (epoch seconds)} and {token: job claimed (epoch)} for these needs."""
    import sqlalchemy as sa

    from aid.models import Match, Need, PendingWork

    by_hash = {hashlib.sha256(t.encode()).hexdigest(): t for t in tokens}
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            offered = conn.execute(sa.select(Need.token_hash, sa.func.min(Match.offered_at))
                                   .join(Match, Match.need_id == Need.id).where(Need.token_hash.in_(list(by_hash)))
                                   .group_by(Need.token_hash)).all()
            claimed = conn.execute(sa.select(Need.token_hash, PendingWork.done_at)
                                   .join(PendingWork, PendingWork.need_id == Need.id)
                                   .where(Need.token_hash.in_(list(by_hash)))).all()
    finally:
        engine.dispose()
    return ({by_hash[h]: _epoch(at) for h, at in offered},
            {by_hash[h]: _epoch(at) for h, at in claimed if at is not None})


def _epoch(naive_utc):
    from datetime import UTC

    return naive_utc.replace(tzinfo=UTC).timestamp()


def post_backlog(web, count, prefix, first):
    """Post `count` needs as fast as 4 phones can; returns their tracking tokens."""
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda i: web.post_need(first + i, prefix), range(count)))
    bad = [status for _sent, _took, status, _token in answers if status != 303]
    if bad:
        raise RuntimeError(f"posting the backlog failed: {bad[:5]}")
    return [token for *_rest, token in answers]


def scaling(env, directory, web, url, queue, backlog, counts):
    """Needs matched per second by K workers: a backlog posted with none running, then K started."""
    rates = {}
    for count in counts:
        tokens = post_backlog(web, backlog, f"k{count}", 10000 * count)
        workers = start_workers(env, directory, queue, count)
        try:
            # Once a second: each look opens a PostgreSQL connection, CPU the workers measured here would miss.
            _until(lambda t=tokens: len(first_offers(url, t)[0]) == len(t), 600, f"{count} worker(s) to match", 1)
            offered, claimed = first_offers(url, tokens)
        finally:
            stop_workers(workers, queue)
        rates[count] = _rate(offered, claimed)
        log(f"  K={count}: {backlog} needs matched at {rates[count]:.1f}/s")
    return rates


def _rate(offered, claimed):
    """Needs matched a second in the steady state: first offers between the 10th and the 90th percentile.

    Worker start-up and the last stragglers (a need whose job came last, or waited behind a
    sweep) are left out; the whole span is logged beside it.
    """
    times = sorted(offered.values())
    low, high = len(times) // 10, len(times) - 1 - len(times) // 10
    whole = len(times) / (times[-1] - min(claimed.values()))
    log(f"    whole span: {whole:.2f}/s (first claim to last first offer)")
    return (high - low) / (times[high] - times[low])


def surge(args, env, directory, web, desk, url, queue, cookies):
    """Posts at args.rate to `web` while `desk` is polled at args.poll_rate and a no-op job goes every second.

    The static file (the polls' floor) is fetched from `desk` too, under the same load as the polls.
    """
    poller = Poller(desk, cookies, max(1, round(args.poll_rate * POLL_EVERY)))
    posts, polls, statics, floor = [], [], [], []
    stop = threading.Event()
    duration = args.needs / args.rate
    workers = start_workers(env, directory, queue, args.workers)
    try:
        queue.connection.delete(NOOP_KEY)
        with ThreadPoolExecutor(64) as post_pool, ThreadPoolExecutor(160) as poll_pool, \
                ThreadPoolExecutor(16) as static_pool:
            loops = [threading.Thread(target=open_loop, args=(poll_pool, args.poll_rate, int(duration *
                                      args.poll_rate), poller.poll, polls, stop, TIMEOUT)),
                     threading.Thread(target=open_loop, args=(static_pool, args.poll_rate / 10, int(duration *
                                      args.poll_rate / 10), poller.static, statics, stop, TIMEOUT)),
                     threading.Thread(target=_floor_jobs, args=(queue, duration, floor, stop))]
            for loop in loops:
                loop.start()
            numbers = itertools.count(60000)  # phone numbers and texts unique across the run (K phases: below)
            futures = open_loop(post_pool, args.rate, args.needs, lambda wall: _post(web, next(numbers), posts, wall), [])
            wait(futures)
            stop.set()
            for loop in loops:
                loop.join()
        log(f"  posted {len(posts)} needs; waiting for their first offers")
        tokens = [token for *_rest, token in posts if token]
        _until(lambda: len(first_offers(url, tokens)[0]) >= len(tokens), args.timeout, "every first offer", 1)
        offered, _claimed = first_offers(url, tokens)
        done = _floor_done(queue)
    finally:
        stop.set()
        workers.stop()  # the offers' messages left on the queue are not measured: no need to wait for them
    first = [(offered[token] - sent) * 1000 for sent, _took, _status, token in posts if token in offered]
    floor_ms = [(done[i] - at) * 1000 for i, at in floor if i in done]
    return {"posts": posts, "polls": polls, "statics": statics, "first_offer_ms": first, "floor_ms": floor_ms,
            "never_offered": len(tokens) - len(offered), "floor_missing": len(floor) - len(floor_ms),
            "board_bytes": poller.sizes, "board_put_off": poller.put_off, "resent": web.resent + desk.resent}


def _post(web, index, posts, sent):
    """Post one need, sent at its scheduled time; a timeout or a refused connection is kept as its status (an error)."""
    try:
        sent, took, status, token = web.post_need(index, "surge", sent)
    except Exception as error:
        took, status, token = time.time() - sent, type(error).__name__, None
    posts.append((sent, took, status, token))
    return status


def _floor_jobs(queue, duration, floor, stop):
    """One empty job a second on the same queue, behind whatever the surge put there."""
    for i in range(int(duration)):
        if stop.wait(1.0):
            return
        at = time.time()
        queue.enqueue_call("bench.surge.noop", args=(i, at), result_ttl=60)
        floor.append((i, at))


def _floor_done(queue):
    return {int(index): float(done) for index, _at, done in
            (raw.decode().split() for raw in queue.connection.lrange(NOOP_KEY, 0, -1))}


# --- the run ------------------------------------------------------------------------------------

def environment(url, redis_url, queue, port):
    path = os.path.join(ROOT, ".venv", "bin") + os.pathsep + os.path.dirname(sys.executable) + os.pathsep
    many = "1000000 per minute"  # every post comes from 127.0.0.1 here: the limits still run, in Redis
    return {**os.environ, "PATH": path + os.environ["PATH"], "PYTHONPATH": ROOT, "DATABASE_URL": url,
            "REDIS_URL": redis_url, "RQ_QUEUE": queue, "SECRET_KEY": uuid.uuid4().hex, "WEB_CONCURRENCY": "2",
            "PORT": str(port), "RATELIMIT_ASK_ADDRESS": many, "RATELIMIT_ASK_CONTACT": many,
            "RATELIMIT_ASK_REPEATS": many, "RATELIMIT_ASK_FAILURES": many}


def summary(args, rates, result):
    """The figures, each beside its floor; errors counted from every source."""
    def ms(values, q):
        found = percentile(values, q)
        return None if found is None else round(found, 1)

    polls = [seconds * 1000 for seconds, status in result["polls"] if status in (200, 204)]
    statics = [seconds * 1000 for seconds, status in result["statics"] if status == 200]
    took = [t * 1000 for _sent, t, status, _token in result["posts"] if status == 303]
    failed = {  # {what: {status or error name: count}}
        "polls": Counter(str(status) for _s, status in result["polls"] if status not in (200, 204)),
        "static": Counter(str(status) for _s, status in result["statics"] if status != 200),
        "posts": Counter(str(status) for *_r, status, _t in result["posts"] if status != 303)}
    http_errors = sum(sum(counts.values()) for counts in failed.values())
    return {
        "needs": args.needs, "rate_per_s": args.rate, "poll_rate_per_s": args.poll_rate, "board_needs": args.board,
        "workers": args.workers,
        "first_offer_p50_ms": ms(result["first_offer_ms"], 50), "first_offer_p95_ms": ms(result["first_offer_ms"], 95),
        "first_offer_floor_p50_ms": ms(result["floor_ms"], 50), "first_offer_floor_p95_ms": ms(result["floor_ms"], 95),
        "board_p50_ms": ms(polls, 50), "board_p99_ms": ms(polls, 99),
        "board_floor_p50_ms": ms(statics, 50), "board_floor_p99_ms": ms(statics, 99),
        "board_polls": len(result["polls"]), "board_renders": len(result["board_bytes"]),
        "board_put_off": result["board_put_off"],
        "board_kb": round(sum(result["board_bytes"]) / max(1, len(result["board_bytes"])) / 1024, 1),
        "post_p50_ms": ms(took, 50), "post_p95_ms": ms(took, 95),
        "matched_per_s": {str(k): round(v, 2) for k, v in rates.items()},
        "speedup_2_workers": round(rates[2] / rates[1], 2) if 1 in rates and 2 in rates else None,
        "speedup_4_workers": round(rates[4] / rates[1], 2) if 1 in rates and 4 in rates else None,
        "http_errors": {what: dict(counts) for what, counts in failed.items() if counts},
        "gets_resent": result["resent"],
        "errors": http_errors + result["never_offered"] + result["floor_missing"] + result.get("failed_jobs", 0)
        + result.get("tracebacks", 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--needs", type=int, default=300, help="needs posted during the surge")
    parser.add_argument("--rate", type=float, default=5, help="needs posted a second")
    parser.add_argument("--poll-rate", type=float, default=100, help="board polls a second (and a tenth as many static)")
    parser.add_argument("--board", type=int, default=300, help="open needs on the board before the surge")
    parser.add_argument("--volunteers", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="rq workers during the surge")
    parser.add_argument("--backlog", type=int, default=600, help="needs per K in the scaling phase (0: skip it)")
    parser.add_argument("--scale", default="1,2,4", help="worker counts of the scaling phase")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the last first offer")
    args = parser.parse_args()

    sys.path.insert(0, ROOT)
    os.environ["AID_TEST_PG_URL"] = os.environ.get("BENCH_PG_URL") or os.environ.get(
        "AID_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    from redis import Redis
    from rq import Queue
    from rq.registry import FailedJobRegistry
    from rq.serializers import JSONSerializer

    from tests.conftest import Database, RedisServer, free_port

    with tempfile.TemporaryDirectory(prefix="aid-bench-surge-") as tmp:
        redis = None
        if not os.environ.get("BENCH_REDIS_URL"):
            redis = RedisServer(shutil.which("redis-server") or sys.exit("redis-server is not installed"), tmp)
            redis.start()
        redis_url = os.environ.get("BENCH_REDIS_URL") or redis.url
        database = Database("postgresql", tmp)
        web = None
        try:
            database.migrate()
            email, password = populate(database.url, args.volunteers, args.board)
            queue_name, port = f"surge-{uuid.uuid4().hex[:6]}", free_port(100)
            queue = Queue(queue_name, connection=Redis.from_url(redis_url), serializer=JSONSerializer)
            env = environment(database.url, redis_url, queue_name, port)
            web = Honcho(env, tmp, "-p", str(port), "web", "board")  # honcho puts board on port + 100
            client, desk = Web(f"http://127.0.0.1:{port}"), Web(f"http://127.0.0.1:{port + 100}")
            _until(lambda: _up(client) and _up(desk), 90, "gunicorn")
            log(f"profile up: gunicorn web (2 gthread processes) on :{port}, board (1) on :{port + 100}, "
                f"PostgreSQL, Redis {redis_url}")
            counts = [int(k) for k in args.scale.split(",")] if args.backlog else []
            rates = scaling(env, tmp, client, database.url, queue, args.backlog, counts) if counts else {}
            log(f"surge: {args.needs} needs at {args.rate}/s, board of {args.board}+ polled at {args.poll_rate}/s, "
                f"{args.workers} workers")
            result = surge(args, env, tmp, client, desk, database.url, queue, desk.login(email, password))
            result["failed_jobs"] = FailedJobRegistry(queue=queue).count
            result["tracebacks"] = web.output().count("Traceback")
        finally:
            if web is not None:
                web.stop()
            database.drop()
            if redis is not None:
                redis.stop()
    out = summary(args, rates, result)
    load = os.getloadavg()
    print(f"surge of {args.needs} needs at {args.rate}/s; board of {args.board}+ open needs polled at "
          f"{args.poll_rate}/s; {args.workers} workers; load {load[0]:.1f} {load[1]:.1f}")
    print(f"  post -> first offer   p50 {out['first_offer_p50_ms']} ms  p95 {out['first_offer_p95_ms']} ms   "
          f"floor (empty job) p50 {out['first_offer_floor_p50_ms']} ms  p95 {out['first_offer_floor_p95_ms']} ms")
    print(f"  board poll            p50 {out['board_p50_ms']} ms  p99 {out['board_p99_ms']} ms   "
          f"floor (static file) p50 {out['board_floor_p50_ms']} ms  p99 {out['board_floor_p99_ms']} ms   "
          f"{out['board_polls']} polls, {out['board_renders']} answers with changes ({out['board_kb']} KB each), "
          f"{out['board_put_off']} put off while busy")
    print(f"  ask form answered     p50 {out['post_p50_ms']} ms  p95 {out['post_p95_ms']} ms")
    print(f"  matched per second    {out['matched_per_s']}  speedup K=2 {out['speedup_2_workers']}, "
          f"K=4 {out['speedup_4_workers']}")
    print(f"  errors {out['errors']} (failed jobs {result['failed_jobs']}, never offered {result['never_offered']}, "
          f"tracebacks {result['tracebacks']}, HTTP {out['http_errors'] or 'none'}); "
          f"{out['gets_resent']} GETs sent again after their kept-alive connection closed, as a browser does")
    print(json.dumps(out))


def _up(client):
    try:
        return client.session().get(client.base + "/healthz", timeout=5).status_code == 200
    except Exception:  # not listening yet
        return False


if __name__ == "__main__":
    main()
