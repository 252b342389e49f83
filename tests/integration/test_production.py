"""The production profile as the README starts it, and what keeps it one app across processes.

The first test runs the Procfile under honcho, exactly as documented: gunicorn (gthread, 2
web workers and 1 for boards) and 2 `flask aid worker` processes, on PostgreSQL and a private
Redis, behind nginx with deploy/nginx.conf, and walks a need from the ask form to a
coordinator's board and a volunteer's accept over HTTP. The others pin the settings that
make many processes behave as one: rate limits in Redis, the secret key, ProxyFix, the
sweep's lock, /healthz and /metrics.
"""
import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
import time_machine
from redis import Redis
from rq import Queue, Worker

from aid import create_app
from aid.config import ConfigError
from aid.extensions import db
from aid.jobs.tasks import sweep
from aid.models import Match, MatchState, User, Volunteer, utcnow
from aid.services.background import SWEEP_LOCK
from tests.conftest import ROOT, Database, Nginx, _descendants, command_line, free_port, stop_tree, until
from tests.factories import add_union, add_volunteer, need_form, post_need

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    database = Database("postgresql", tmp_path_factory.mktemp("prod"))
    database.migrate()
    yield database
    database.drop()


class Profile:
    """`honcho start -c worker=2` on the repository's Procfile, in a process group of its own, behind nginx."""

    def __init__(self, env, directory):
        self.port = free_port(100)  # web; honcho puts board 100 above
        self.proxy = Nginx(directory, self.port, self.port + 100)
        self.url = self.proxy.url
        self.log_path = Path(directory) / "honcho.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(["honcho", "start", "-p", str(self.port), "-c", "worker=2"], cwd=ROOT,
                                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def output(self):
        return self.log_path.read_text(errors="replace")

    def commands(self):
        """The command line of every process honcho started, and theirs."""
        return [command for _pid, command in self.processes()]

    def processes(self):
        """(pid, command line) of every process honcho started, and theirs."""
        found = ((pid, command_line(pid)) for pid in _descendants(self.process.pid))
        return [(pid, command.replace(b"\0", b" ").decode()) for pid, command in found if command]

    def served(self, process, line):
        """Whether gunicorn's access log shows `process` (web or board) answering a request line."""
        return any(f"{process}.1 " in entry and f'"{line} ' in entry for entry in self.output().splitlines())

    def stop(self):
        try:
            self.proxy.stop()
        finally:
            stop_tree(self.process)


def _env(pg, redis_server, queue):
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "DATABASE_URL": pg.url, "REDIS_URL": redis_server.url, "RQ_QUEUE": queue,
            "SECRET_KEY": uuid.uuid4().hex, "WEB_CONCURRENCY": "2", "SWEEP_SECONDS": "2", "ACCESS_LOG": "-",
            "PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1"}


def _csrf(session, url):
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    found = CSRF.search(page.text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def _offered_email(engine):
    """The email of a volunteer the posted need was offered to, once the matcher has offered it."""
    with engine.connect() as conn:
        return conn.execute(sa.select(User.email).join(Volunteer, Volunteer.user_id == User.id)
                            .join(Match, Match.volunteer_id == Volunteer.id)
                            .where(Match.state == MatchState.OFFERED).limit(1)).scalar()


@pytest.mark.timeout(240)
def test_the_procfile_serves_a_need_from_the_ask_form_to_an_accept_on_postgresql(pg, redis_server, tmp_path):
    env = _env(pg, redis_server, f"prod-{uuid.uuid4().hex[:6]}")
    queue = Queue(env["RQ_QUEUE"], connection=Redis.from_url(redis_server.url))
    subprocess.run(["flask", "--app", "app", "aid", "seed"], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=120)
    profile = Profile(env, tmp_path)
    engine = sa.create_engine(pg.url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        until(lambda: _answers(profile.url + "/healthz"), timeout=90)
        until(lambda: _gunicorns(profile) == 5 and len(Worker.all(queue=queue)) == 2, timeout=30)  # web 1 + 2, board 1 + 1
        health = requests.get(profile.url + "/healthz", timeout=10).json()
        assert health["database"] == "ok" and health["queue"] == "ok" and health["queue_backend"] == "redis"
        ours = os.getpriority(os.PRIO_PROCESS, 0)  # honcho's processes start at this test's niceness
        niceness = {("board" if "aid-board" in command else "web", os.getpriority(os.PRIO_PROCESS, pid))
                    for pid, command in profile.processes() if "bin/gunicorn " in command}
        assert niceness == {("board", min(ours + 10, 19)), ("web", ours)}  # boards yield the CPU to askers and workers

        requester = requests.Session()
        form = need_form(category="transport", details="A lift to the hospital, flat 2", urgency="high",
                         csrf_token=_csrf(requester, profile.url + "/ask"))
        posted = requester.post(profile.url + "/ask", data=form, allow_redirects=False, timeout=10)
        assert posted.status_code == 303, posted.text[:1000]
        tracking = profile.url + posted.headers["Location"]

        until(lambda: _offered_email(engine), timeout=60)  # matched by one of the rq workers
        coordinator = requests.Session()
        login = coordinator.post(profile.url + "/login", allow_redirects=False, timeout=10, data={
            "email": "coordinator@example.org", "password": "demo-password",
            "csrf_token": _csrf(coordinator, profile.url + "/login")})
        assert login.status_code == 303, login.text[:1000]
        board = coordinator.get(profile.url + "/board/", timeout=10)
        assert "A lift to the hospital" in board.text
        version = re.search(r'id="board-version" name="v" value="([^"]+)"', board.text).group(1)
        polled = coordinator.get(profile.url + "/board/", params={"v": version}, headers={"HX-Request": "true"},
                                 timeout=10)
        assert polled.status_code in (200, 204), polled.text[:500]
        volunteer = requests.Session()
        login = volunteer.post(profile.url + "/login", allow_redirects=False, timeout=10, data={
            "email": _offered_email(engine), "password": "demo-password",
            "csrf_token": _csrf(volunteer, profile.url + "/login")})
        assert login.status_code == 303, login.text[:1000]
        offers = volunteer.get(profile.url + "/me/", timeout=10)
        action = re.search(r'action="(/me/offers/\d+/accept)"', offers.text).group(1)
        accepted = volunteer.post(profile.url + action, data={"csrf_token": _csrf(volunteer, profile.url + "/me/")},
                                  allow_redirects=False, timeout=10)
        assert accepted.status_code == 303 and "/me/tasks/" in accepted.headers["Location"], accepted.text[:500]
        task = volunteer.get(profile.url + accepted.headers["Location"], timeout=10)
        assert "07911 123456" in task.text or "+447911123456" in task.text  # the contact, now theirs to see

        with engine.connect() as conn:
            states = conn.execute(sa.select(Match.state)).scalars().all()
        assert MatchState.ACCEPTED in states
        assert requester.get(tracking, timeout=10).status_code == 200
        assert requests.get(profile.url + "/metrics", timeout=10).status_code == 403  # from outside, by the proxy
        scraped = requests.get(f"http://127.0.0.1:{profile.port}/metrics", timeout=10)
        assert scraped.status_code == 200  # from loopback, with no proxy in between
        assert "aid_time_to_accept_seconds_count 1.0" in scraped.text
        assert re.search(r"aid_time_to_first_offer_seconds_count [1-9]", scraped.text)
        replayed = requests.post(profile.url + "/ask/replay", timeout=10, data=need_form(
            details="Queued on a phone while offline", client_id="queued-offline-0001"),
            headers={"Origin": profile.url, "Sec-Fetch-Site": "same-origin"})  # the page's origin, port and all
        assert replayed.status_code == 201, replayed.text[:500]
    finally:
        engine.dispose()
        profile.stop()
    assert "Traceback" not in profile.output(), profile.output()[-4000:]
    # deploy/nginx.conf sent the boards to processes of their own, everything else to the web ones
    assert profile.served("board", "GET /board/") and not profile.served("web", "GET /board/")
    assert profile.served("web", "POST /ask") and not profile.served("board", "POST /ask")


def _answers(url):
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still booting
        return False


def _gunicorns(profile):
    """gunicorn processes (the master and its workers), not the shell honcho starts them with."""
    return sum(1 for line in profile.commands() if "bin/gunicorn " in line and not line.startswith("/bin/sh"))


def test_a_shared_database_without_a_secret_key_refuses_to_start(pg):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": pg.url, "SECRET_KEY": None})


def test_rate_limits_are_counted_in_redis_by_every_process_together(make, redis_server):
    limits = {"REDIS_URL": redis_server.url, "RQ_QUEUE": f"limits-{uuid.uuid4().hex[:6]}", "RATELIMIT_ENABLED": True,
              "RATELIMIT_ASK_FAILURES": "2 per minute"}
    counts = Redis.from_url(redis_server.url)
    for key in counts.scan_iter(match="LIMITS*"):  # the counters of an earlier run of this test
        counts.delete(key)
    first, second = make(**limits), make(**limits)  # two web processes, each with its own memory
    invalid = need_form(lat="", lon="", address="")  # no place: refused, and counted as a failure
    assert first.test_client().post("/ask", data=invalid).status_code == 422
    assert second.test_client().post("/ask", data=invalid).status_code == 422
    assert first.test_client().post("/ask", data=invalid).status_code == 429
    assert any(counts.scan_iter(match="LIMITS*"))


def test_forwarded_addresses_count_apart_only_behind_a_configured_proxy(make):
    limits = {"RATELIMIT_ENABLED": True, "RATELIMIT_ASK_FAILURES": "1 per minute"}
    invalid = need_form(lat="", lon="", address="")

    def post(app, address):
        return app.test_client().post("/ask", data=invalid, headers={"X-Forwarded-For": address}).status_code

    trusting = make(PROXY_FIX={"for": 1}, **limits)
    assert [post(trusting, "203.0.113.9"), post(trusting, "203.0.113.10")] == [422, 422]  # two people
    direct = make(**limits)  # no proxy configured: the header is the client's claim, not believed
    assert [post(direct, "203.0.113.9"), post(direct, "203.0.113.10")] == [422, 429]


def test_healthz_says_which_part_is_down_with_503(make):
    up = make().test_client().get("/healthz")
    assert up.status_code == 200 and up.json["database"] == "ok" and up.json["queue_depth"] == 0
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    down = make(REDIS_URL=nowhere).test_client().get("/healthz")
    assert down.status_code == 503
    assert down.json["database"] == "ok" and down.json["queue"].startswith("error:")
    assert nowhere not in down.get_data(as_text=True)


def test_metrics_are_for_loopback_or_the_token_only(make):
    open_app = make()
    assert open_app.test_client().get("/metrics").status_code == 200
    assert open_app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 403
    assert open_app.test_client().get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"}).status_code == 403
    guarded = make(METRICS_TOKEN="s3cret-token").test_client()
    outside = {"REMOTE_ADDR": "192.0.2.7"}
    assert guarded.get("/metrics", environ_base=outside).status_code == 403
    assert guarded.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer wrong"}).status_code == 403
    scraped = guarded.get("/metrics", environ_base=outside, headers={"Authorization": "Bearer s3cret-token"})
    assert scraped.status_code == 200 and scraped.mimetype == "text/plain"


def test_metrics_count_needs_offered_and_sends_by_channel(make):
    app = make()
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    post_need(app.test_client())
    app.extensions["aid_jobs"].drain()
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert "aid_time_to_first_offer_seconds_count 1.0" in text
    assert 'aid_time_to_first_offer_seconds_bucket{le="+Inf"} 1.0' in text
    assert "aid_time_to_accept_seconds_count 0.0" in text
    assert re.search(r'aid_outbox_messages\{channel="[a-z]+",state="[a-z]+"\} 1.0', text)
    assert "aid_pending_work 0.0" in text


def test_a_sweep_waits_for_the_one_already_running(make, database):
    if database.backend != "postgresql":
        pytest.skip("SQLite has one writer at a time already; the advisory lock is PostgreSQL's")
    app = make()
    with app.app_context():
        add_union()
        add_volunteer("Ann Able")
    post_need(app.test_client(), urgency="low")
    app.extensions["aid_jobs"].drain()
    holder = sa.create_engine(database.url.replace("postgresql://", "postgresql+psycopg://"))
    later = utcnow() + timedelta(hours=5)
    try:
        with holder.connect() as conn, conn.begin():  # another sweep, on another host, mid-way
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SWEEP_LOCK)))
            with time_machine.travel(later, tick=False), app.app_context():
                assert sweep() == 0
                assert db.session.scalar(sa.select(Match.state)) == MatchState.OFFERED
                db.session.remove()
        with time_machine.travel(later, tick=False), app.app_context():
            sweep()
            assert db.session.scalar(sa.select(Match.state)) == MatchState.EXPIRED
    finally:
        holder.dispose()

